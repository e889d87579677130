import { describe, expect, it } from 'vitest';
import type { OrganisationRiskScore } from '../../risk';
import { assessmentFromRiskScore } from './assessment-summary';
import { iotCyberFiling202601 as filing } from './catalogue';
import { manufacturerSubmission } from './fixtures';
import { rate } from './rating';
import { parseSubmission } from './submission';

const score: OrganisationRiskScore = {
  score: 61.2345,
  topDevices: 55,
  breadth: { highScoringDevices: 3, activeDevices: 270, contribution: 6.2 },
  devices: [],
  factors: [
    { id: 'f1', name: 'telnet open', contribution: 3, devices: 4, detail: '4 devices' },
    { id: 'f2', name: 'KEV on exposed camera', contribution: 12, devices: 1, detail: 'CVE-2021-36260' },
  ],
  controls: [
    { control: 'mfa_remote_access', present: true, source: 'measured', detail: 'measured: in place' },
    { control: 'offline_backups', present: true, source: 'attested', detail: 'attested' },
    { control: 'staff_training', present: false, source: 'none', detail: 'none' },
  ],
  summary: {
    devicesByKind: { camera: 200, plc: 70 },
    internetExposed: 27,
    safetyCritical: 12,
    kevOnExposed: 1,
  },
};

describe('assessmentFromRiskScore', () => {
  const a = assessmentFromRiskScore(score, [
    { baseline: 'ETSI EN 303 645', met: 30, notMet: 20, unknown: 12 },
  ]);

  it('takes the score, its largest factors first, the counts and only measured controls', () => {
    expect(a.riskScore).toBe(61.23);
    expect(a.riskFactors.map((f) => f.name)).toEqual(['KEV on exposed camera', 'telnet open']);
    expect(a.measuredControls).toEqual({ mfa_remote_access: true });
    expect(a.kevOnExposed).toBe(1);
  });

  it('makes a submission the filing can rate (and refers the KEV finding)', () => {
    const input = { ...manufacturerSubmission(), assessment: a };
    const r = rate(parseSubmission(input), filing);
    expect(r.status).toBe('referred');
    expect(r.referrals.map((x) => x.ruleId)).toEqual(['UW-APP-1']);
    expect(r.worksheet.find((l) => l.clause === 'SEC-1')!.derivation).toMatch(/KEV on exposed camera 12/);
  });
});
