import { describe, expect, it } from 'vitest';
import data from '../data/scenarios.json';
import type { Attestation, OrganisationAssessment } from './assessment';
import { magnitudeMean, simulate } from './fair';
import { scenarioVulnerability } from './scenario-vulnerability';
import { type OrganisationProfile, scenariosForOrganisation } from './scenarios';
import { riskInput, vuln } from './testing';

const asOf = '2026-06-01T00:00:00Z';
const hospital: OrganisationProfile = {
  industry: 'healthcare',
  region: 'us',
  currency: 'USD',
  annualRevenue: 1_000_000_000, // the reference size: size factor 1
  recordsHeld: 200_000,
  hourlyDowntimeCost: 40_000,
};
const devices = [
  riskInput(
    {
      id: 'pump',
      name: 'infusion pump',
      kind: 'infusion_pump',
      safetyCritical: true,
      dataHeld: 'health',
      criticality: 'critical',
      segmentedFromOffice: false,
    },
    { vulnerabilities: [vuln('CVE-2020-0001', { cvssBaseScore: 7.5 })] },
  ),
  riskInput(
    { id: 'cam', name: 'lobby camera', internetExposed: true, credentialState: 'default' },
    { vulnerabilities: [vuln('CVE-2021-36260', { kev: true })] },
  ),
];
const assessment: OrganisationAssessment = { asOf, devices, attestations: [] };

describe('default parameter file', () => {
  it('gives every number a source and marks it as a default', () => {
    const leaves: string[] = [];
    const walk = (x: unknown, path: string) => {
      if (x === null || typeof x !== 'object') return;
      const o = x as Record<string, unknown>;
      if ('value' in o || 'dist' in o) {
        expect(typeof o.source === 'string' && o.source.length > 5, `${path} has a source`).toBe(true);
        expect(o.default, `${path} is a default`).toBe(true);
        leaves.push(path);
        return;
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
    };
    walk(data.scenarios, 'scenarios');
    walk(data.breachCost, 'breachCost');
    walk(data.profile, 'profile');
    walk(data.controls, 'controls');
    expect(leaves.length).toBeGreaterThan(40);
    expect(data.breachCost.global.value).toBe(4_440_000);
    expect(data.breachCost.byRegion.us.value).toBe(10_220_000);
    expect(data.breachCost.byIndustry.healthcare.value).toBe(7_420_000);
  });
});

describe('scenariosForOrganisation', () => {
  const built = scenariosForOrganisation(hospital, assessment);

  it('builds all five scenarios when the device mix has a way into each', () => {
    expect(built.scenarios.map((s) => s.id)).toEqual([
      'botnet_recruitment',
      'ransomware_ot',
      'data_breach',
      'service_disruption',
      'safety_event',
    ]);
    for (const s of built.scenarios) {
      expect(s.vulnerability).toBeGreaterThan(0);
      expect(s.vulnerability).toBeLessThanOrEqual(1);
    }
  });

  it('calibrates the data-breach loss per event (without notification) to the IBM 2025 healthcare average', () => {
    const s = built.scenarios.find((x) => x.id === 'data_breach')!;
    const sec = s.secondary!;
    const mean =
      magnitudeMean(s.primary.incidentResponse!) +
      sec.probability *
        (sec.regulatory!.probability * magnitudeMean(sec.regulatory!.magnitude) +
          sec.liability!.probability * magnitudeMean(sec.liability!.magnitude));
    expect(mean).toBeCloseTo(7_420_000, -1);
    expect(magnitudeMean(sec.notification!.records)).toBeCloseTo(200_000 * ((0.01 + 4 * 0.1 + 1) / 6), 6);
  });

  it('takes business interruption from the hourly downtime cost and weighs medical safety events more', () => {
    const rw = built.scenarios.find((x) => x.id === 'ransomware_ot')!;
    // hourly downtime cost 40,000 x ransomware downtime dependency 0.2 (data/scenarios.json)
    expect(magnitudeMean(rw.primary.hourlyDowntimeCost!)).toBeCloseTo(8_000, 6);
    const safety = built.scenarios.find((x) => x.id === 'safety_event')!;
    // infusion pump weight 3 x median 250,000
    expect(safety.secondary!.liability!.magnitude).toMatchObject({ dist: 'lognormal', median: 750_000 });
  });

  it('scales threat event frequency by size: (revenue / reference)^0.45 on top of the device multiplier', () => {
    const explained = built.explanations.find((x) => x.id === 'ransomware_ot')!;
    const small = scenariosForOrganisation(
      { ...hospital, annualRevenue: hospital.annualRevenue / 100 },
      assessment,
    );
    const mode = (o: typeof built) =>
      (o.scenarios.find((x) => x.id === 'ransomware_ot')!.threatEventFrequency as { mode: number }).mode;
    // 1/100 of the revenue -> 100^-0.45 = 0.12589 of the frequency
    expect(mode(small) / mode(built)).toBeCloseTo(100 ** -0.45, 6);
    expect(explained.notes.some((n) => n.startsWith('frequency size factor'))).toBe(true);
  });

  it('omits scenarios with no relevant device, and converts currency', () => {
    const officeOnly: OrganisationAssessment = { asOf, devices: [devices[1]], attestations: [] };
    const eur = scenariosForOrganisation({ ...hospital, currency: 'EUR', usdRate: 0.9 }, officeOnly);
    expect(eur.omitted.map((o) => o.id)).toEqual(['safety_event']);
    const usd = scenariosForOrganisation(hospital, officeOnly);
    const ir = (r: typeof eur) =>
      magnitudeMean(r.scenarios.find((s) => s.id === 'botnet_recruitment')!.primary.incidentResponse!);
    // revenue of 1e9 EUR = 1.11e9 USD: size (1.111)^0.4 = 1.0430, then x 0.9 EUR/USD
    expect(ir(eur) / ir(usd)).toBeCloseTo(0.9 * (1 / 0.9) ** 0.4, 6);
    expect(() => scenariosForOrganisation({ ...hospital, currency: 'EUR' }, officeOnly)).toThrow(/usdRate/);
  });

  it('offline backups lower ransom probability and restoration; MFA lowers ransomware vulnerability by its weight', () => {
    const atts: Attestation[] = [
      { control: 'offline_backups', attested: true, evidence: 'restore test', expiresAt: '2027-01-01' },
      { control: 'mfa_remote_access', attested: true, evidence: 'VPN export', expiresAt: '2027-01-01' },
    ];
    const withControls = scenariosForOrganisation(hospital, { ...assessment, attestations: atts });
    const a = built.scenarios.find((x) => x.id === 'ransomware_ot')!;
    const b = withControls.scenarios.find((x) => x.id === 'ransomware_ot')!;
    expect(b.primary.extortion!.probability).toBeCloseTo(a.primary.extortion!.probability * 0.5, 12);
    expect(magnitudeMean(b.primary.restoration!)).toBeCloseTo(magnitudeMean(a.primary.restoration!) * 0.6, 3);
    expect(b.vulnerability).toBeCloseTo(a.vulnerability * 0.7, 12);
  });

  it('a KEV finding on a relevant device never lowers a scenario vulnerability', () => {
    for (const id of [
      'botnet_recruitment',
      'ransomware_ot',
      'data_breach',
      'service_disruption',
      'safety_event',
    ] as const) {
      const before = scenarioVulnerability(id, assessment).vulnerability;
      const more = {
        ...assessment,
        devices: [
          {
            ...devices[0],
            vulnerabilities: [...devices[0].vulnerabilities, vuln('CVE-2024-9999', { kev: true })],
          },
          devices[1],
        ],
      };
      expect(scenarioVulnerability(id, more).vulnerability).toBeGreaterThanOrEqual(before);
    }
  });

  it('runs through the simulation', () => {
    const r = simulate(built.scenarios, { years: 20_000, seed: 1, currency: built.currency });
    expect(r.scenarios).toHaveLength(5);
    expect(r.summary.mean).toBeGreaterThan(0);
    expect(r.summary.p99).toBeGreaterThan(r.summary.p50);
  });
});
