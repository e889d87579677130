import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import { AppError } from '../../../core/errors';
import { parseCveFolder, parseCveRecords, parseEpssCsv, parseJsonText, parseKevCatalog } from './feeds';
import { loadIotRecords } from './iot-digest.test-support';

const ORG = 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6';
const record = (
  id: string,
  affected: unknown[] = [
    { vendor: 'Example.org', product: 'Flux', versions: [{ version: '1.0', status: 'affected' }] },
  ],
) => ({
  dataType: 'CVE_RECORD',
  dataVersion: '5.1',
  cveMetadata: { cveId: id, assignerOrgId: ORG, state: 'PUBLISHED' },
  containers: {
    cna: {
      providerMetadata: { orgId: ORG, shortName: 'example' },
      descriptions: [{ lang: 'en', value: 'A bug.' }],
      affected,
      references: [{ url: 'https://example.org/a' }],
      metrics: [
        { cvssV3_1: { vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8 } },
      ],
      problemTypes: [{ descriptions: [{ lang: 'en', description: 'CWE-78 OS Command Injection' }] }],
    },
  },
});

function caught(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('parseCveRecords', () => {
  it('normalises a record: n/a names to null, metrics, CWEs', () => {
    const [r] = parseCveRecords(
      record('CVE-2024-0001', [
        { vendor: 'n/a', product: 'n/a', versions: [{ version: 'n/a', status: 'affected' }] },
      ]),
    );
    expect(r.cveId).toBe('CVE-2024-0001');
    expect(r.affected[0]).toMatchObject({ vendor: null, product: null, rawVendor: 'n/a', source: 'cna' });
    expect(r.metrics[0]).toMatchObject({ version: '3.1', statedBaseScore: 9.8 });
    expect(r.cwes).toEqual(['CWE-78']);
  });

  it('rejects the whole array and names every bad record by CVE id, index and field', () => {
    const bad1 = record('CVE-2024-0002');
    (bad1.containers.cna.affected[0] as { versions: unknown[] }).versions = [
      { version: '1.0', status: 'broken' },
    ];
    const bad2 = record('CVE-2024-0003');
    (bad2.containers.cna as { references?: unknown }).references = undefined;
    const e = caught(() => parseCveRecords([record('CVE-2024-0001'), bad1, bad2], 'feed.json'));
    expect(e.kind).toBe('invalid');
    expect(e.details.map((d) => d.path)).toEqual([
      '[1].containers.cna.affected[0].versions[0].status',
      '[2].containers.cna.references',
    ]);
    expect(e.details[0].message).toMatch(/^CVE-2024-0002 \(\[1\]\)/);
    expect(e.details[1].field).toBe('references');
  });

  it('requires vendor+product (or collectionURL+packageName) and versions or defaultStatus', () => {
    const e = caught(() =>
      parseCveRecords(
        record('CVE-2024-0004', [{ vendor: 'X', versions: [{ version: '1', status: 'affected' }] }]),
      ),
    );
    expect(e.details[0].message).toMatch(/vendor and product/);
    const f = caught(() => parseCveRecords(record('CVE-2024-0005', [{ vendor: 'X', product: 'Y' }])));
    expect(f.details[0].message).toMatch(/versions or defaultStatus/);
  });

  it('names the byte offset of a JSON syntax error', () => {
    const e = caught(() => parseJsonText('{"a": 1,,}', 'x.json'));
    expect(e.details[0].offset).toBe(8);
  });
});

describe('parseCveFolder (cvelistV5 layout)', () => {
  it('keeps good files, rejects bad or misfiled ones, ignores the rest', () => {
    const files: Record<string, string> = {
      'cves/2024/0xxx/CVE-2024-0001.json': JSON.stringify(record('CVE-2024-0001')),
      'cves/2024/12xxx/CVE-2024-12987.json': JSON.stringify(record('CVE-2024-12987')),
      'cves/2024/1xxx/CVE-2024-0002.json': JSON.stringify(record('CVE-2024-0002')),
      'cves/2024/0xxx/CVE-2024-0003.json': '{ not json',
      'cves/2024/0xxx/CVE-2024-0004.json': JSON.stringify(record('CVE-2024-0009')),
      'cves/deltaLog.json': '[]',
    };
    const out = parseCveFolder(Object.keys(files), (p) => files[p]);
    expect(out.records.map((r) => r.cveId)).toEqual(['CVE-2024-0001', 'CVE-2024-12987']);
    expect(out.rejected.map((r) => r.path).sort()).toEqual([
      'cves/2024/0xxx/CVE-2024-0003.json',
      'cves/2024/0xxx/CVE-2024-0004.json',
      'cves/2024/1xxx/CVE-2024-0002.json',
    ]);
    expect(out.ignored).toEqual(['cves/deltaLog.json']);
  });
});

describe('parseEpssCsv', () => {
  it('reads the model comment and rows; names the line of a bad row', () => {
    const t = parseEpssCsv(
      '#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2023-1389,0.94345,0.99956\n',
    );
    expect(t.modelVersion).toBe('v2025.03.14');
    expect(t.scoreDate).toBe('2025-08-25T00:00:00+0000');
    expect(t.scores.get('CVE-2023-1389')).toEqual({ score: 0.94345, percentile: 0.99956 });
    const e = caught(() => parseEpssCsv('cve,epss,percentile\nCVE-2023-1389,1.5,0.9\n'));
    expect(e.details[0]).toMatchObject({ line: 2, field: 'epss' });
  });
});

const kevPath = sharedData('vuln/kev.json');
const iotPath = sharedData('vuln/iot-cves.json');

describe.skipIf(!kevPath)('parseKevCatalog on the real catalogue', () => {
  it('reads all 1,404 entries with their ransomware flag', () => {
    const raw = parseJsonText(readFileSync(kevPath!, 'utf8'), 'kev.json') as {
      vulnerabilities: Record<string, unknown>[];
    };
    const kev = parseKevCatalog(raw);
    expect(kev.catalogVersion).toBe('2025.08.25');
    expect(kev.entries).toHaveLength(1404);
    expect(kev.entries.filter((k) => k.knownRansomwareCampaignUse === 'Known')).toHaveLength(293);
    const bad = structuredClone(raw);
    bad.vulnerabilities[5].dueDate = '15 Sept 2025';
    const e = caught(() => parseKevCatalog(bad));
    expect(e.details[0]).toMatchObject({ path: 'vulnerabilities[5].dueDate', field: 'dueDate' });
    expect(e.details[0].message).toMatch(/^CVE-/);
  });
});

describe.skipIf(!iotPath)('the 38 real IoT records', () => {
  it('all parse as CVE JSON 5 records', () => {
    const { records } = loadIotRecords(readFileSync(iotPath!, 'utf8'));
    expect(records).toHaveLength(38);
    const adpEntries = records.flatMap((r) => r.affected.filter((a) => a.source === 'adp'));
    expect(adpEntries).toHaveLength(39);
    expect(records.filter((r) => r.affected.every((a) => a.vendor === null)).length).toBeGreaterThan(10);
  });
});
