/** On-demand cover changes priced by re-rating the changed terms on the policy's own filing. */
import type { Clock } from '../../../core/clock';
import { conflict, invalid } from '../../../core/errors';
import { checkEndorsable, endorse, type Policy } from './policy';
import type { RatingResult } from './rating';

/**
 * Apply a re-rating of changed terms as an endorsement. The rating must come from the filing the
 * policy was written under (a mid-term change is priced on the original rates) and must be clean:
 * a rule break is invalid, a referral needs an underwriter first.
 */
export function endorseFromRating(
  policy: Policy,
  rating: RatingResult,
  input: { effectiveDate: string; reason: string; requestedBy: string },
  clock: Clock,
): Policy {
  // The policy's state and the date are judged first: a bad date is the caller's to fix whatever the
  // re-rating says.
  checkEndorsable(policy, input.effectiveDate, clock);
  if (rating.filingId !== policy.filingId) {
    throw conflict(
      `policy ${policy.number} is rated on ${policy.filingId}; the re-rating used ${rating.filingId}`,
    );
  }
  if (rating.status === 'invalid') {
    throw invalid(
      rating.errors.map((e) => e.message).join('; '),
      rating.errors.flatMap((e) => e.details),
    );
  }
  if (rating.status !== 'quoted' || !rating.premium || !rating.terms) {
    const rules = rating.referrals.map((r) => r.ruleId).join(', ');
    throw conflict(
      `endorsement is ${rating.status}${rules ? ` (${rules})` : ''}: an underwriter must approve it first`,
    );
  }
  return endorse(policy, { ...input, terms: rating.terms, annualPremium: rating.premium }, clock);
}
