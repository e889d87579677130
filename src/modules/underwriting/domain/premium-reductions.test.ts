import { describe, expect, it } from 'vitest';
import type { OrganisationAssessment } from '../../risk';
import { riskInput } from '../../risk/domain/testing';
import { iotCyberFiling202601 as filing } from './catalogue';
import { manufacturerSubmission } from './fixtures';
import { premiumReductions } from './premium-reductions';
import { parseSubmission } from './submission';

const asOf = new Date('2026-03-02T10:00:00Z');
/** Four benign cameras, one of them reachable from the internet; no control measured or attested. */
const assessment: OrganisationAssessment = {
  asOf: asOf.toISOString(),
  attestations: [],
  devices: [0, 1, 2, 3].map((i) => riskInput({ id: `c${i}`, name: `cam ${i}`, internetExposed: i === 0 })),
};
const submission = { ...parseSubmission(manufacturerSubmission()), attestedControls: [] };

describe('premiumReductions: what would lower it', () => {
  const r = premiumReductions(submission, filing, assessment, asOf);

  it('offers only the changes that apply: the exposed camera and the five uncredited controls', () => {
    expect(r.items.map((x) => x.id).sort()).toEqual([
      'control:ir_plan_tested',
      'control:mfa_remote_access',
      'control:offline_backups',
      'control:staff_training',
      'control:vendor_secure_update',
      'exposure',
    ]);
    for (let i = 1; i < r.items.length; i++)
      expect(r.items[i - 1].saving.amount).toBeGreaterThanOrEqual(r.items[i].saving.amount);
  });

  it('taking the camera off the internet re-rates two lines: IOT-2 and the security modifier', () => {
    // Risk score 8.24 with the exposed camera (SEC-1: 0.75 + 0.15 x 8.24 / 25 = 0.7994), 0 without
    // (0.7500); IOT-2: 1 + 0.4 x 1/4 = 1.1000 -> 1.0000. Expected ratio 0.75 / 0.7994 / 1.1 = 0.85291,
    // within a cent of per-line rounding.
    const x = r.items.find((i) => i.id === 'exposure')!;
    expect(x.action).toBe('take 1 camera off the internet (VPN or gateway)');
    expect(x.devices).toBe(1);
    expect(x.premium.amount / r.premium!.amount).toBeCloseTo(0.75 / 0.7994 / 1.1, 3);
    expect(x.text).toBe(
      `take 1 camera off the internet (VPN or gateway): premium −USD ${(x.saving.amount / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })} (−${(x.savingShare * 100).toFixed(1)} %)`,
    );
  });

  it('names a KEV CVE with the devices it is on, and patching it never raises the premium', () => {
    const kev = {
      cveId: 'CVE-2021-36260',
      status: 'affected' as const,
      cvssBaseScore: 9.8,
      kev: true,
      knownRansomwareCampaignUse: false,
      epss: 0.9,
    };
    const withKev: OrganisationAssessment = {
      ...assessment,
      devices: assessment.devices.map((d, i) => (i < 2 ? { ...d, vulnerabilities: [kev] } : d)),
    };
    const k = premiumReductions(submission, filing, withKev, asOf);
    const patch = k.items.find((i) => i.id === 'patch:CVE-2021-36260')!;
    expect(patch.action).toBe('patch CVE-2021-36260 (CISA KEV) on 2 cameras, 1 internet-exposed');
    expect(k.premium!.amount).toBeGreaterThan(r.premium!.amount);
  });
});
