/** The assessment part of a submission, taken from the risk module's organisation score. */
import type { OrganisationRiskScore } from '../../risk';
import type { Submission } from './submission';

export interface BaselineResult {
  baseline: string;
  met: number;
  notMet: number;
  unknown: number;
}

/**
 * What underwriting reads of a measured assessment: the score, its largest factors, the device
 * counts and only the controls CoverWatch measured (attested controls travel separately, with
 * their evidence and expiry, in `attestedControls`).
 */
export function assessmentFromRiskScore(
  score: OrganisationRiskScore,
  baselines: readonly BaselineResult[],
  topFactors = 10,
): Submission['assessment'] {
  const measuredControls: NonNullable<Submission['assessment']['measuredControls']> = {};
  for (const c of score.controls) if (c.source === 'measured') measuredControls[c.control] = c.present;
  return {
    riskScore: Math.round(score.score * 100) / 100,
    riskFactors: [...score.factors]
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, topFactors)
      .map((f) => ({ name: f.name, contribution: f.contribution, detail: f.detail })),
    devicesByKind: { ...score.summary.devicesByKind },
    internetExposed: score.summary.internetExposed,
    safetyCritical: score.summary.safetyCritical,
    kevOnExposed: score.summary.kevOnExposed,
    baselines: baselines.map((b) => ({ ...b })),
    measuredControls,
  };
}
