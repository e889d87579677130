import { describe, expect, it } from 'vitest';
import { type Attestation, effectiveControls, type OrganisationAssessment } from './assessment';
import { aggregateScores, scoreOrganisation } from './organisation-score';
import { RandomStream } from './random';
import { recommendations } from './recommendations';
import { scoreDevice } from './risk-score';
import { riskInput, vuln } from './testing';

const asOf = '2026-06-01T00:00:00Z';
const none = effectiveControls([], undefined, asOf);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// An internet-exposed camera with default credentials, telnet open and CVE-2021-36260 (KEV).
const hikvision = riskInput(
  {
    internetExposed: true,
    credentialState: 'default',
    dataHeld: 'personal',
    openServices: [{ port: 23, protocol: 'tcp', service: 'telnet' }],
  },
  { vulnerabilities: [vuln('CVE-2021-36260', { kev: true, epss: 0.94 })] },
);

describe('device risk score', () => {
  it('matches a hand-checked score', () => {
    // likelihood points: CVSS 9.8 x 2.5 = 24.5; KEV 20; EPSS 0.94 x 15 = 14.1; exposed 20;
    // default credentials 20; telnet while exposed 8  => P = 106.6
    // likelihood = 1 - e^(-106.6/50) = 1 - 0.118600 = 0.881400
    // impact = (medium 25 + personal data 12) / 100 = 0.37
    // score = 100 x 0.881400 x 0.37 = 32.61
    const s = scoreDevice(hikvision, none, asOf);
    expect(s.likelihood).toBeCloseTo(0.8814, 4);
    expect(s.impact).toBeCloseTo(0.37, 10);
    expect(s.score).toBeCloseTo(32.61, 2);
    const kev = s.factors.find((f) => f.id === 'kev')!;
    expect(kev.points).toBe(20);
    expect(kev.contribution).toBeCloseTo((32.6118 * 20) / 106.6, 2);
  });

  it('applies attested controls as documented multipliers and says they are attested', () => {
    const mfa: Attestation = {
      control: 'mfa_remote_access',
      attested: true,
      evidence: 'VPN config export',
      expiresAt: '2027-01-01',
    };
    const s = scoreDevice(hikvision, effectiveControls([mfa], undefined, asOf), asOf);
    // 32.61 x 0.85 = 27.72
    expect(s.score).toBeCloseTo(27.72, 2);
    const c = s.factors.find((f) => f.id === 'control:mfa_remote_access')!;
    expect(c.source).toBe('attested');
    expect(c.contribution).toBeCloseTo(27.72 - 32.61, 1);
  });

  it('a clean device scores 0 and a quarantined one less than when active', () => {
    expect(scoreDevice(riskInput(), none, asOf).score).toBe(0);
    const q = { ...hikvision, device: { ...hikvision.device, status: 'quarantined' as const } };
    expect(scoreDevice(q, none, asOf).score).toBeCloseTo(scoreDevice(hikvision, none, asOf).score * 0.25, 6);
  });

  it('counts a device past its support end at asOf, not before', () => {
    const old = riskInput({ supportEndDate: '2026-05-31' });
    expect(scoreDevice(old, none, asOf).factors.some((f) => f.id === 'past_support_end')).toBe(true);
    expect(
      scoreDevice(old, none, '2026-05-01T00:00:00Z').factors.some((f) => f.id === 'past_support_end'),
    ).toBe(false);
  });
});

describe('controls', () => {
  it('expired attestations count as absent; measured beats attested; evidence is required', () => {
    const atts: Attestation[] = [
      {
        control: 'offline_backups',
        attested: true,
        evidence: 'restore test 2026-03',
        expiresAt: '2026-05-01',
      },
      { control: 'mfa_remote_access', attested: true, evidence: 'policy', expiresAt: '2027-01-01' },
      { control: 'staff_training', attested: true, evidence: '  ', expiresAt: '2027-01-01' },
      { control: 'ir_plan_tested', attested: true, evidence: 'tabletop minutes', expiresAt: '2027-01-01' },
    ];
    const c = effectiveControls(atts, { mfa_remote_access: false }, asOf);
    expect(c.offline_backups).toMatchObject({ present: false, source: 'none' });
    expect(c.offline_backups.detail).toMatch(/expired/);
    expect(c.mfa_remote_access).toMatchObject({ present: false, source: 'measured' });
    expect(c.staff_training.present).toBe(false);
    expect(c.ir_plan_tested).toMatchObject({
      present: true,
      source: 'attested',
      evidence: 'tabletop minutes',
    });
    const denied = effectiveControls(
      [
        {
          control: 'vendor_secure_update',
          attested: false,
          evidence: 'vendor has no policy',
          expiresAt: '2027-01-01',
        },
      ],
      undefined,
      asOf,
    );
    expect(denied.vendor_secure_update).toMatchObject({ present: false, source: 'attested' });
    expect(() => effectiveControls([], undefined, 'yesterday')).toThrow(/asOf/);
  });

  it("a device's measured secure-boot facts beat the organisation's attestation", () => {
    const att: Attestation = {
      control: 'vendor_secure_update',
      attested: true,
      evidence: 'vendor letter',
      expiresAt: '2027-01-01',
    };
    const controls = effectiveControls([att], undefined, asOf);
    const bad = { ...hikvision, device: { ...hikvision.device, secureBoot: false } };
    const f = scoreDevice(bad, controls, asOf).factors;
    expect(f.some((x) => x.id === 'control:vendor_secure_update')).toBe(false);
    const good = scoreDevice(hikvision, controls, asOf).factors.find(
      (x) => x.id === 'control:vendor_secure_update',
    );
    expect(good?.source).toBe('attested');
  });
});

/** A seeded random fleet of devices for property tests. */
function randomFleet(seed: number, n: number): OrganisationAssessment {
  const rs = new RandomStream(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rs.uniform() * xs.length)];
  const devices = Array.from({ length: n }, (_, i) =>
    riskInput(
      {
        id: `d${i}`,
        name: `device ${i}`,
        kind: pick(['camera', 'plc', 'router', 'infusion_pump', 'door_controller'] as const),
        internetExposed: rs.uniform() < 0.3,
        credentialState: pick(['unique', 'default', 'shared', 'unknown'] as const),
        criticality: pick(['low', 'medium', 'high', 'critical'] as const),
        safetyCritical: rs.uniform() < 0.2,
        dataHeld: pick(['none', 'operational', 'personal', 'health', 'payment'] as const),
        segmentedFromOffice: pick([true, false, null]),
        openServices:
          rs.uniform() < 0.4 ? [{ port: pick([23, 502, 445, 80]), protocol: 'tcp', service: null }] : [],
        supportEndDate: rs.uniform() < 0.2 ? '2024-01-01' : null,
        secureBoot: pick([true, false, null]),
        updateMechanism: pick(['automatic', 'manual', 'none', 'unknown'] as const),
      },
      {
        vulnerabilities: Array.from({ length: Math.floor(rs.uniform() * 4) }, (_, k) =>
          vuln(`CVE-2024-${1000 + Math.floor(rs.uniform() * 20)}${k}`, {
            status: rs.uniform() < 0.8 ? 'affected' : 'needs_review',
            cvssBaseScore: rs.uniform() < 0.1 ? null : Math.round(rs.uniform() * 100) / 10,
            kev: rs.uniform() < 0.2,
            knownRansomwareCampaignUse: rs.uniform() < 0.1,
            epss: rs.uniform() < 0.5 ? rs.uniform() : null,
          }),
        ),
        configFindings:
          rs.uniform() < 0.3
            ? [{ id: 'CFG-1', severity: pick(['low', 'medium', 'high', 'critical'] as const) }]
            : [],
        alerts:
          rs.uniform() < 0.2
            ? { last30Days: 3, highOrCritical30Days: rs.uniform() < 0.5 ? 1 : 0 }
            : { last30Days: 0, highOrCritical30Days: 0 },
      },
    ),
  );
  return {
    asOf,
    devices,
    attestations: [
      { control: 'mfa_remote_access', attested: true, evidence: 'export', expiresAt: '2027-01-01' },
    ],
  };
}

describe('properties', () => {
  const fleet = randomFleet(17, 40);

  it('factor contributions sum to the device score, and organisation factors to the organisation score', () => {
    const org = scoreOrganisation(fleet);
    for (const d of org.devices) {
      expect(sum(d.factors.map((f) => f.contribution))).toBeCloseTo(d.score, 9);
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThan(100);
    }
    expect(sum(org.factors.map((f) => f.contribution))).toBeCloseTo(org.score, 9);
    expect(org.score).toBeLessThanOrEqual(100);
  });

  it('adding a KEV finding never lowers a device score or the organisation score', () => {
    const before = scoreOrganisation(fleet);
    for (let i = 0; i < fleet.devices.length; i++) {
      for (const extra of [
        vuln('CVE-2021-36260', { kev: true, cvssBaseScore: 9.8 }),
        vuln('CVE-2099-0001', {
          kev: true,
          cvssBaseScore: null,
          status: 'needs_review',
          knownRansomwareCampaignUse: true,
        }),
        vuln('CVE-2099-0002', { kev: true, cvssBaseScore: 2.0, epss: 0.01 }),
      ]) {
        const devices = fleet.devices.slice();
        devices[i] = { ...devices[i], vulnerabilities: [...devices[i].vulnerabilities, extra] };
        const after = scoreOrganisation({ ...fleet, devices });
        expect(after.devices[i].score).toBeGreaterThanOrEqual(before.devices[i].score);
        expect(after.score).toBeGreaterThanOrEqual(before.score - 1e-12);
      }
    }
  });

  it('organisation aggregation: one device alone keeps its score; more bad devices raise it', () => {
    expect(aggregateScores([30]).score).toBeCloseTo(30, 10);
    // 1 - (1 - 0.3)(1 - 0.3)^(1/2) = 1 - 0.7 x 0.836660 = 0.414338; no device >= 40 so no breadth
    expect(aggregateScores([30, 30]).score).toBeCloseTo(41.4338, 3);
    // top = 1 - 0.5 x 0.5^(1/2) = 0.646447; breadth 2/2 => 64.6447 + 35.3553 x 0.25 = 73.4835
    expect(aggregateScores([50, 50]).score).toBeCloseTo(73.4835, 3);
    expect(aggregateScores([]).score).toBe(0);
  });
});

describe('recommendations', () => {
  const cameras = Array.from({ length: 12 }, (_, i) =>
    riskInput(
      { id: `cam${i}`, name: `camera ${i}`, internetExposed: i < 3, criticality: 'high' },
      { vulnerabilities: [vuln('CVE-2021-36260', { kev: true })] },
    ),
  );
  const plc = riskInput(
    {
      id: 'plc1',
      name: 'line PLC',
      kind: 'plc',
      criticality: 'critical',
      safetyCritical: true,
      credentialState: 'default',
    },
    { vulnerabilities: [vuln('CVE-2022-0001', { cvssBaseScore: 5 })] },
  );
  const assessment: OrganisationAssessment = { asOf, devices: [...cameras, plc], attestations: [] };

  it('are computed by re-scoring with the fix applied, largest reduction first', () => {
    const recs = recommendations(assessment, 50);
    const before = scoreOrganisation(assessment).score;
    const patch = recs.find((r) => r.kind === 'patch_cve' && r.target === 'CVE-2021-36260')!;
    expect(patch.summary).toMatch(/^patch CVE-2021-36260 on 12 cameras: -\d+(\.\d)? points$/);
    const patched = {
      ...assessment,
      devices: assessment.devices.map((x) => ({
        ...x,
        vulnerabilities: x.vulnerabilities.filter((v) => v.cveId !== 'CVE-2021-36260'),
      })),
    };
    expect(patch.reduction).toBeCloseTo(before - scoreOrganisation(patched).score, 9);
    const creds = recs.find((r) => r.kind === 'change_credentials')!;
    expect(creds.summary).toMatch(/on 1 PLC:/);
    const reductions = recs.map((r) => r.reduction);
    expect(reductions).toEqual([...reductions].sort((a, b) => b - a));
    for (const r of recs) expect(r.reduction).toBeGreaterThan(0);
    const mfa = recs.find((r) => r.kind === 'implement_control' && r.target === 'mfa_remote_access')!;
    expect(mfa.scoreAfter).toBeCloseTo(
      scoreOrganisation({
        ...assessment,
        attestations: [
          { control: 'mfa_remote_access', attested: true, evidence: 'x', expiresAt: '2030-01-01' },
        ],
      }).score,
      9,
    );
  });
});
