import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import type { AssessedDevice, DeviceKind } from './device';
import { parseEpssCsv } from './feeds';
import { loadIotRecords, loadKev } from './iot-digest.test-support';
import { buildVulnIndex, matchDevice, type VulnerabilityFinding } from './matching';
import { productMatches, productName, vendorKey } from './names';

const base: Omit<AssessedDevice, 'id' | 'vendor' | 'product' | 'firmwareVersion' | 'kind'> = {
  name: 'device',
  model: null,
  internetExposed: false,
  networkSegment: null,
  segmentedFromOffice: null,
  criticality: 'medium',
  safetyCritical: false,
  dataHeld: 'none',
  credentialState: 'unknown',
  openServices: [],
  supportEndDate: null,
  secureBoot: null,
  encryptedTransport: null,
  updateMechanism: 'unknown',
  status: 'active',
};
const device = (
  vendor: string,
  product: string,
  firmwareVersion: string | null,
  kind: DeviceKind,
  model: string | null = null,
): AssessedDevice => ({
  ...base,
  id: `${vendor}/${product}/${firmwareVersion}`,
  vendor,
  product,
  model,
  firmwareVersion,
  kind,
});

describe('vendor and product names', () => {
  it('folds vendor spellings through the alias data and suffix rules', () => {
    for (const v of ['TP-Link', 'tp-link', 'TP-LINK', 'TP-Link Technologies Co., Ltd.'])
      expect(vendorKey(v)).toBe('tplink');
    expect(vendorKey('HIKVISION')).toBe(vendorKey('Hikvision'));
    expect(vendorKey('Schneider Electric')).toBe(vendorKey('schneider-electric'));
    expect(vendorKey('Dahua Technology')).toBe('dahua');
  });

  it('matches models, series and longer names, not bare families', () => {
    const m = (dev: string, rec: string, v = 'tplink') =>
      productMatches(productName(dev, v), productName(rec, v));
    expect(m('Archer AX21', 'TP-Link Archer AX21 (AX1800)')).toBe(true);
    expect(m('Archer', 'TP-Link Archer AX21 (AX1800)')).toBe(false);
    expect(m('USG FLEX 100W', 'USG FLEX 100(W) firmware', 'zyxel')).toBe(true);
    expect(m('ATP100', 'ATP series firmware', 'zyxel')).toBe(true);
    expect(m('UCM6202', 'Grandstream UCM6200 Series', 'grandstream')).toBe(true);
    expect(m('DNS-320', 'DNS-320L', 'dlink')).toBe(false);
  });
});

const iotPath = sharedData('vuln/iot-cves.json');
const kevPath = sharedData('vuln/kev.json');

describe.skipIf(!iotPath || !kevPath)('matching real KEV-listed IoT records (iot-cves.json)', () => {
  // Collected even when skipped, so only read what is there.
  const { records } = iotPath ? loadIotRecords(readFileSync(iotPath, 'utf8')) : { records: [] };
  const kev = kevPath
    ? loadKev(readFileSync(kevPath, 'utf8'))
    : { catalogVersion: '', dateReleased: '', entries: [] };
  const index = buildVulnIndex({ records, kev, kevOnly: true });
  const find = (d: AssessedDevice, cve: string): VulnerabilityFinding | undefined =>
    matchDevice(index, d).find((f) => f.cveId === cve);

  it('CVE-2015-2051 (CNA n/a, CISA-ADP range "0 ≤ v ≤ 1.04b12"): decided from the ADP entry', () => {
    const f = find(device('D-Link', 'DIR-645', '1.03', 'router'), 'CVE-2015-2051')!;
    expect(f).toMatchObject({ status: 'affected', source: 'adp', matchedRange: 'v ≤ 1.04b12 (custom)' });
    expect(f.kev).toEqual({
      dateAdded: '2022-02-10',
      knownRansomwareCampaignUse: 'Unknown',
      dueDate: '2022-08-10',
    });
    expect(f.cvss).toMatchObject({ version: '3.1', baseScore: 8.8, severity: 'high' });
    // 1.05 is outside the range and the ADP default is "unknown": a person decides, not the matcher.
    const g = find(device('dlink', 'DIR-645', '1.05', 'router'), 'CVE-2015-2051')!;
    expect(g.status).toBe('needs_review');
    expect(g.reason).toMatch(/outside every listed version; defaultStatus "unknown"/);
  });

  it('CVE-2023-1389 (free text "All versions prior to version 1.14 Build 20230219", vendor n/a)', () => {
    const f = find(
      device('TP-LINK', 'Archer AX21', '1.1.3 Build 20220101', 'router', 'AX1800'),
      'CVE-2023-1389',
    )!;
    // The text is read (1.1.3 < 1.14), but the record names no vendor: a person confirms.
    expect(f.status).toBe('needs_review');
    expect(f.reason).toContain(
      '(read from the free text "All versions prior to version 1.14 Build 20230219")',
    );
    expect(f.reason).toContain('the record\'s vendor is "n/a"');
    expect(f.cvss).toBeNull(); // the stored record has no CVSS
  });

  it('CVE-2020-9054 (version == lessThanOrEqual, no defaultStatus): exact version affected, others reviewed', () => {
    expect(find(device('ZyXEL', 'NAS326', 'V5.21(AAZF.7)C0', 'other'), 'CVE-2020-9054')).toMatchObject({
      status: 'affected',
      matchedRange: 'V5.21(AAZF.7)C0 ≤ v ≤ V5.21(AAZF.7)C0 (custom)',
    });
    expect(find(device('Zyxel', 'NAS326', 'V5.20(AAZF.5)C0', 'other'), 'CVE-2020-9054')?.status).toBe(
      'needs_review',
    );
    // NSA220 is listed with version "all".
    expect(find(device('Zyxel', 'NSA220', null, 'other'), 'CVE-2020-9054')?.status).toBe('affected');
  });

  it('CVE-2024-8956 (semver, defaultStatus unaffected): below 6.3.40 affected, 6.3.40 no finding', () => {
    expect(find(device('PTZOptics', 'PT30X-SDI', '6.3.39', 'camera'), 'CVE-2024-8956')).toMatchObject({
      status: 'affected',
      source: 'cna',
      matchedRange: 'v < 6.3.40 (semver)',
    });
    expect(find(device('PTZOptics', 'PT30X-NDI', '6.3.40', 'camera'), 'CVE-2024-8956')).toBeUndefined();
  });

  it('CVE-2024-11120 (CNA single "0" + defaultStatus unaffected; ADP 0..*): affected through the ADP range', () => {
    expect(find(device('GeoVision', 'GV-VS12', '1.0', 'camera'), 'CVE-2024-11120')).toMatchObject({
      status: 'affected',
      source: 'adp',
      matchedRange: 'v < ∞ (custom)',
    });
    expect(find(device('GeoVision', 'GV-VS12', null, 'camera'), 'CVE-2024-11120')?.status).toBe('affected');
  });

  it('CVE-2024-11667 (CNA free text, ADP normalised ranges that disagree on USG FLEX 50W)', () => {
    expect(find(device('Zyxel', 'USG FLEX 100W', '5.20', 'firewall'), 'CVE-2024-11667')).toMatchObject({
      status: 'affected',
      source: 'adp',
      matchedRange: '5.00 ≤ v ≤ 5.38 (custom)',
    });
    // ADP says 5.10 ≤ v < 5.38 for the 50W (so "unknown" at 5.38); the vendor's text says "V5.10 through
    // V5.38" (Zyxel fixed it in V5.39): affected, with the ADP entry's view in the reason.
    const f = find(device('Zyxel', 'USG FLEX 50W', '5.38', 'firewall'), 'CVE-2024-11667')!;
    expect(f.status).toBe('affected');
    expect(f.source).toBe('cna');
    expect(f.reason).toContain('"versions V5.10 through V5.38"');
    expect(f.reason).toContain('usg_flex_50w_firmware');
  });

  it('Zyxel free-text ranges ("5.00 through 5.21 Patch 1", "4.60 through 5.35") are read when unambiguous', () => {
    // CVE-2022-30525: inside on the release numbers -> affected from the CNA text.
    expect(find(device('Zyxel', 'USG FLEX 100', '5.10', 'firewall'), 'CVE-2022-30525')).toMatchObject({
      status: 'affected',
      source: 'cna',
      matchedRange: '5.00 ≤ v ≤ 5.21 Patch 1 (read from the free text "5.00 through 5.21 Patch 1")',
    });
    // Below the lower bound, the record has no defaultStatus: "unknown", so a person looks.
    const below = find(device('Zyxel', 'VPN100', '4.20', 'firewall'), 'CVE-2022-30525')!;
    expect(below.status).toBe('needs_review');
    expect(below.reason).toContain('outside every listed version; no defaultStatus');
    // "V5.21(ABUI.1)" is a patch of 5.21: whether "5.21 Patch 1" includes it the text does not say.
    const edge = find(device('Zyxel', 'USG FLEX 200', 'V5.21(ABUI.1)', 'firewall'), 'CVE-2022-30525')!;
    expect(edge.status).toBe('needs_review');
    expect(edge.reason).toContain('sits at its edge');
    // CVE-2023-28771: the series entry "USG FLEX series firmware", 4.60 through 5.35.
    expect(find(device('Zyxel', 'ATP200', '5.30', 'firewall'), 'CVE-2023-28771')).toMatchObject({
      status: 'affected',
      matchedRange: '4.60 ≤ v ≤ 5.35 (read from the free text "4.60 through 5.35")',
    });
    expect(find(device('Zyxel', 'ATP200', '5.36', 'firewall'), 'CVE-2023-28771')?.status).toBe(
      'needs_review',
    );
    // CVE-2024-40891 "<= 1.00(AAFR.4)C0_20170615": same firmware family, an earlier patch.
    expect(find(device('Zyxel', 'VMG4325-B10A', '1.00(AAFR.3)C0', 'router'), 'CVE-2024-40891')?.status).toBe(
      'affected',
    );
    // defaultStatus "unaffected" (CVE-2024-11667): above the text range there is no finding at all.
    expect(find(device('Zyxel', 'ATP200', '5.39', 'firewall'), 'CVE-2024-11667')).toBeUndefined();
  });

  it('Dahua model wildcards (IPC-HX3XXX, NVR1XXX, "Buildtime before June, 2021") stay for review', () => {
    // The "X" stands for a housing code of one to three letters in IPC-HX3XXX but for one digit in
    // NVR6XX, and the bound is a build date, not a firmware version: no sound general reading.
    for (const [product, kind] of [
      ['IPC-HDW3441T', 'camera'],
      ['NVR4104', 'nvr'],
    ] as const)
      for (const cve of ['CVE-2021-33044', 'CVE-2021-33045']) {
        const f = find(device('Dahua', product, '2.800.0000000.25.R', kind), cve)!;
        expect(f.status, `${product} ${cve}`).toBe('needs_review');
        expect(f.reason).toContain('IPC-HX3XXX');
        expect(f.reason).toContain('needs a look');
      }
  });

  it('CVE-2021-44228 (upper bound "log4j-core*" is not a version): review, not a guess', () => {
    const f = find(device('Apache Software Foundation', 'Log4j2', '2.14.1', 'gateway'), 'CVE-2021-44228')!;
    expect(f.status).toBe('needs_review');
    expect(f.reason).toContain('upper bound "log4j-core*" is not a version');
  });

  it('CVE-2020-5722 (vendor n/a, "Grandstream UCM6200 Series", "Before 1.0.20.17")', () => {
    const f = find(device('Grandstream', 'UCM6202', '1.0.19.20', 'other'), 'CVE-2020-5722')!;
    expect(f.status).toBe('needs_review');
    expect(f.reason).toContain(
      'firmware 1.0.19.20 is in v < 1.0.20.17 (read from the free text "Before 1.0.20.17")',
    );
  });

  it('CVE-2021-38406 (lower bound "unspecified", lessThanOrEqual 2.00.07)', () => {
    expect(find(device('Delta Electronics', 'DOPSoft 2', '2.00.07', 'hmi'), 'CVE-2021-38406')).toMatchObject({
      status: 'affected',
      matchedRange: 'v ≤ 2.00.07 (custom)',
    });
    expect(find(device('Delta Electronics', 'DOPSoft 2', '2.00.08', 'hmi'), 'CVE-2021-38406')?.status).toBe(
      'needs_review',
    );
  });

  it('CVE-2025-1316 (version "All"): every firmware affected', () => {
    expect(find(device('Edimax', 'IC-7100', '9.9', 'camera'), 'CVE-2025-1316')?.status).toBe('affected');
  });

  it('records with n/a everywhere reach devices through KEV and the description', () => {
    const hik = find(device('Hikvision', 'DS-2CD2142FWD-I', '5.4.5', 'camera'), 'CVE-2021-36260')!;
    expect(hik).toMatchObject({ status: 'needs_review', source: 'kev' });
    expect(hik.reason).toContain('every camera from this vendor');
    const dlink = find(device('D-Link', 'DIR-880L', '1.07', 'router'), 'CVE-2018-6530')!;
    expect(dlink).toMatchObject({ status: 'needs_review', source: 'description' });
    const mikrotik = find(device('MikroTik', 'hAP ac2', '6.40.1', 'router'), 'CVE-2018-14847')!;
    expect(mikrotik.reason).toContain('KEV lists MikroTik "RouterOS"');
    const dahua = find(device('Dahua', 'NVR4104', '2.800', 'nvr'), 'CVE-2021-33045')!;
    expect(dahua.reason).toContain('IPC-HX3XXX');
    // The same vendor's other kinds of device are not swept in.
    expect(find(device('TP-Link', 'Tapo C200', '1.1.3', 'camera'), 'CVE-2023-33538')).toBeUndefined();
  });

  it('never a silent miss: every named vendor/product gets a finding when the firmware is unknown', () => {
    let checked = 0;
    for (const r of records)
      for (const a of r.affected) {
        if (a.vendor === null || a.product === null) continue;
        const d = device(a.vendor, a.product, null, 'other');
        const f = find(d, r.cveId);
        expect(f, `${r.cveId} ${a.vendor} / ${a.product}`).toBeDefined();
        checked++;
      }
    expect(checked).toBeGreaterThan(80);
  });

  it('joins EPSS scores by CVE id', () => {
    const epss = parseEpssCsv(
      '#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2024-8956,0.91,0.996\n',
    );
    const withEpss = buildVulnIndex({ records, kev, epss, kevOnly: true });
    const [f] = matchDevice(withEpss, device('PTZOptics', 'PT30X-SDI', '6.3.39', 'camera')).filter(
      (x) => x.cveId === 'CVE-2024-8956',
    );
    expect(f.epss).toEqual({ score: 0.91, percentile: 0.996 });
    expect(find(device('PTZOptics', 'PT30X-SDI', '6.3.39', 'camera'), 'CVE-2024-8956')?.epss).toBeNull();
  });

  it('memoised decisions still follow each device: same product, different firmware and ids', () => {
    const a = find(device('D-Link', 'DIR-645', '1.03', 'router'), 'CVE-2015-2051')!;
    const b = find(device('D-Link', 'DIR-645', '1.05', 'router'), 'CVE-2015-2051')!;
    const c = find({ ...device('D-Link', 'DIR-645', '1.03', 'router'), id: 'other-id' }, 'CVE-2015-2051')!;
    expect([a.status, b.status, c.status]).toEqual(['affected', 'needs_review', 'affected']);
    expect(c.deviceId).toBe('other-id');
    a.reason = 'changed by a caller';
    expect(find(device('D-Link', 'DIR-645', '1.03', 'router'), 'CVE-2015-2051')!.reason).not.toBe(
      'changed by a caller',
    );
  });

  it('retired devices and other vendors get nothing', () => {
    expect(
      matchDevice(index, { ...device('D-Link', 'DIR-645', '1.03', 'router'), status: 'retired' }),
    ).toEqual([]);
    expect(matchDevice(index, device('Nobody', 'Widget 9000', '1.0', 'sensor'))).toEqual([]);
  });
});
