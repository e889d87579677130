import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import {
  type AssessedDevice,
  buildVulnIndex,
  matchDevice,
  parseCveRecords,
  parseKevCatalog,
  type VulnerabilityFinding,
} from '../../vulnerabilities';
import { digestToCveRecord, type IotDigest } from '../../vulnerabilities/domain/iot-digest.test-support';
import { baselineById } from './baseline';
import { evaluateDevice, evaluateOrganisation } from './evaluate';

const etsi = baselineById('etsi-en-303-645')!;
const psti = baselineById('uk-psti')!;
const cra = baselineById('eu-cra-annex-i')!;

const good: AssessedDevice = {
  id: 'cam-1',
  name: 'Lobby camera',
  kind: 'camera',
  vendor: 'Hikvision',
  product: 'DS-2CD2142FWD-I',
  model: 'DS-2CD2142FWD-I',
  firmwareVersion: '5.5.0',
  internetExposed: false,
  networkSegment: 'iot',
  segmentedFromOffice: true,
  criticality: 'medium',
  safetyCritical: false,
  dataHeld: 'personal',
  credentialState: 'unique',
  openServices: [{ port: 443, protocol: 'tcp', service: 'https' }],
  supportEndDate: '2030-01-01',
  secureBoot: true,
  encryptedTransport: true,
  updateMechanism: 'automatic',
  status: 'active',
};
const asOf = '2026-11-25';
const result = (ev: ReturnType<typeof evaluateDevice>, id: string) =>
  ev.results.find((r) => r.requirementId === id)!;

describe('evaluateDevice', () => {
  it('decides ETSI 5.1-1 from credentialState and names the fact', () => {
    const ok = result(evaluateDevice(etsi, good, { asOf }), '5.1-1');
    expect(ok).toMatchObject({
      result: 'met',
      basis: 'measured',
      decidedBy: [{ kind: 'fact', name: 'credentialState', value: 'unique' }],
    });
    const bad = result(evaluateDevice(etsi, { ...good, credentialState: 'default' }, { asOf }), '5.1-1');
    expect(bad.result).toBe('not_met');
    expect(bad.explanation).toBe('credentialState is "default"');
    expect(
      result(evaluateDevice(etsi, { ...good, credentialState: 'unknown' }, { asOf }), '5.1-1').result,
    ).toBe('unknown');
  });

  it('uses configuration findings: telnet fails 5.5-1 and 5.6-1', () => {
    const ev = evaluateDevice(
      etsi,
      { ...good, openServices: [{ port: 23, protocol: 'tcp', service: 'telnet' }] },
      { asOf },
    );
    expect(result(ev, '5.5-1')).toMatchObject({
      result: 'not_met',
      decidedBy: [{ kind: 'finding', ids: ['CFG-TELNET-OPEN'] }],
    });
    expect(result(ev, '5.6-1').result).toBe('not_met');
    // Absence of exposure findings alone does not show that every unused interface is disabled.
    expect(result(evaluateDevice(etsi, good, { asOf }), '5.6-1').result).toBe('unknown');
  });

  it('support period: past end date fails NISTIR software update; 5.3-13 met from the recorded date', () => {
    const nist = baselineById('nistir-8259a')!;
    const old = { ...good, supportEndDate: '2025-01-31' };
    expect(result(evaluateDevice(nist, old, { asOf }), '5').explanation).toContain(
      'support ended 2025-01-31',
    );
    expect(result(evaluateDevice(etsi, old, { asOf }), '5.3-13').result).toBe('met');
  });

  it('personal-data provisions do not apply to devices without personal data', () => {
    const ev = evaluateDevice(
      etsi,
      { ...good, dataHeld: 'operational', encryptedTransport: false },
      { asOf },
    );
    expect(result(ev, '5.8-2')).toMatchObject({ result: 'met' });
    expect(result(ev, '5.8-2').explanation).toMatch(/not applicable/);
    const ev2 = evaluateDevice(etsi, { ...good, dataHeld: 'health', encryptedTransport: false }, { asOf });
    expect(result(ev2, '5.8-2').result).toBe('not_met');
  });

  it('attestations decide what telemetry cannot see, marked attested; measured beats attested', () => {
    const none = evaluateDevice(psti, good, { asOf });
    expect(result(none, 'Sch1-2').result).toBe('unknown');
    const att = evaluateDevice(psti, good, {
      asOf,
      attestations: {
        organisation: {
          vulnerabilityDisclosurePolicy: {
            value: true,
            evidence: 'https://vendor/psirt',
            expires: '2027-01-01',
          },
        },
      },
    });
    expect(result(att, 'Sch1-2')).toMatchObject({ result: 'met', basis: 'attested' });
    expect(att.counts.attested).toBe(1);
    // A product attestation beats the organisation one.
    const prod = evaluateDevice(psti, good, {
      asOf,
      attestations: {
        organisation: { vulnerabilityDisclosurePolicy: { value: true } },
        products: {
          'HIKVISION/DS-2CD2142FWD-I': {
            vulnerabilityDisclosurePolicy: { value: false, evidence: 'no PSIRT page' },
          },
        },
      },
    });
    expect(result(prod, 'Sch1-2')).toMatchObject({ result: 'not_met', basis: 'attested' });
    // Expired attestations decide nothing.
    const expired = evaluateDevice(psti, good, {
      asOf,
      attestations: {
        organisation: { vulnerabilityDisclosurePolicy: { value: true, expires: '2026-01-01' } },
      },
    });
    expect(result(expired, 'Sch1-2').result).toBe('unknown');
    // A requirement-level attestation cannot override a measured "not met".
    const measured = evaluateDevice(
      psti,
      { ...good, credentialState: 'default' },
      {
        asOf,
        attestations: { organisation: { 'uk-psti:Sch1-1': { value: true } } },
      },
    );
    expect(result(measured, 'Sch1-1')).toMatchObject({ result: 'not_met', basis: 'measured' });
  });

  it('vulnerability findings decide CRA I(2)(a) and II(2)', () => {
    const f = (status: VulnerabilityFinding['status'], due: string | null): VulnerabilityFinding => ({
      cveId: 'CVE-2023-1389',
      deviceId: good.id,
      status,
      reason: 'test',
      matchedRange: null,
      source: 'cna',
      cvss: null,
      kev: due ? { dateAdded: '2023-05-01', knownRansomwareCampaignUse: 'Known', dueDate: due } : null,
      epss: null,
    });
    expect(result(evaluateDevice(cra, good, { asOf, vulnFindings: [] }), 'I(2)(a)').result).toBe('met');
    expect(
      result(evaluateDevice(cra, good, { asOf, vulnFindings: [f('needs_review', null)] }), 'I(2)(a)').result,
    ).toBe('unknown');
    const overdue = evaluateDevice(cra, good, { asOf, vulnFindings: [f('affected', '2023-05-22')] });
    expect(result(overdue, 'I(2)(a)')).toMatchObject({
      result: 'not_met',
      decidedBy: [{ kind: 'vulnerability', cveIds: ['CVE-2023-1389'] }],
    });
    expect(result(overdue, 'II(2)').explanation).toContain('due 2023-05-22');
    const notYetDue = evaluateDevice(cra, good, { asOf, vulnFindings: [f('affected', '2027-01-01')] });
    expect(result(notYetDue, 'II(2)').result).toBe('unknown');
  });
});

describe('evaluateOrganisation', () => {
  it('counts per requirement and lists the failing devices with the deciding evidence', () => {
    const devices: AssessedDevice[] = [
      good,
      { ...good, id: 'cam-2', name: 'Yard camera', credentialState: 'default' },
      { ...good, id: 'cam-3', name: 'Old camera', credentialState: 'shared' },
      { ...good, id: 'cam-4', name: 'Retired', credentialState: 'default', status: 'retired' },
    ];
    const ev = evaluateOrganisation(psti, devices, { asOf });
    expect(ev.deviceCount).toBe(3);
    const pw = ev.requirements.find((r) => r.requirementId === 'Sch1-1')!;
    expect(pw).toMatchObject({ met: 1, notMet: 2, unknown: 0 });
    expect(pw.failing.map((f) => [f.deviceId, f.explanation])).toEqual([
      ['cam-2', 'credentialState is "default"'],
      ['cam-3', 'credentialState is "shared"'],
    ]);
    expect(ev.totals.met + ev.totals.not_met + ev.totals.unknown).toBe(3 * psti.requirements.length);
  });
});

const iotPath = sharedData('vuln/iot-cves.json');
const kevPath = sharedData('vuln/kev.json');

describe.skipIf(!iotPath || !kevPath)('with findings from the real KEV-listed records', () => {
  it('an affected, overdue known-exploited CVE fails CRA I(2)(a) and II(2) for that device only', () => {
    const records = parseCveRecords(
      (JSON.parse(readFileSync(iotPath!, 'utf8')) as IotDigest[]).map(digestToCveRecord),
      'iot-cves.json',
    );
    const kev = parseKevCatalog(JSON.parse(readFileSync(kevPath!, 'utf8')));
    const index = buildVulnIndex({ records, kev, kevOnly: true });
    const router: AssessedDevice = {
      ...good,
      id: 'r-1',
      name: 'Branch router',
      kind: 'router',
      vendor: 'D-Link',
      product: 'DIR-645',
      model: null,
      firmwareVersion: '1.03',
    };
    const devices = [good, router];
    const vulnFindings = devices.flatMap((d) => matchDevice(index, d));
    const ev = evaluateOrganisation(cra, devices, { asOf, vulnFindings });
    const a = ev.requirements.find((r) => r.requirementId === 'I(2)(a)')!;
    expect(a.failing.map((f) => f.deviceId)).toEqual(['r-1']);
    expect(a.failing[0].explanation).toContain('CVE-2015-2051');
    const ii2 = ev.requirements.find((r) => r.requirementId === 'II(2)')!;
    expect(ii2.failing[0].explanation).toContain('CVE-2015-2051 (due 2022-08-10)');
  });
});
