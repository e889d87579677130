/** The terms an endorsement asks for, as a submission's requested terms built from the policy's current terms. */
import type { Money } from '../../../core/money';
import type { Submission } from './submission';
import type { QuotedTerms } from './terms';

export interface TermsChange {
  aggregateLimit?: Money;
  retention?: Money;
  waitingPeriodHours?: number;
  sections?: Record<string, { included?: boolean; limit?: Money; sublimit?: Money; retention?: Money }>;
}

/**
 * Current terms with the change applied. Sections not named keep their terms, except that a new
 * aggregate carries along: a limit equal to the old aggregate follows it, and sublimits become the
 * product's defaults for the new aggregate; a new policy retention carries to sections that had the old one.
 */
export function changedTerms(current: QuotedTerms, change: TermsChange): Submission['requestedTerms'] {
  const oldAgg = current.aggregateLimit.amount;
  const agg = change.aggregateLimit ?? current.aggregateLimit;
  const retention = change.retention ?? current.retention;
  const cur = current.currency;
  const aggChanged = agg.amount !== oldAgg;
  const sections: NonNullable<Submission['requestedTerms']['sections']> = {};
  for (const s of current.sections) {
    const asked = change.sections?.[s.sectionId] ?? {};
    const limit = s.limit.amount === oldAgg ? agg.amount : Math.min(s.limit.amount, agg.amount);
    const sublimit = asked.sublimit ?? (aggChanged ? undefined : s.sublimit);
    sections[s.sectionId] = {
      included: asked.included ?? s.included,
      limit: asked.limit ?? { amount: limit, currency: cur },
      // A new aggregate takes the product's default sublimits for it (resolveTerms, UW-EXT-1 cap).
      ...(sublimit ? { sublimit } : {}),
      retention:
        asked.retention ?? (s.retention.amount === current.retention.amount ? retention : s.retention),
    };
  }
  for (const [id, asked] of Object.entries(change.sections ?? {})) {
    if (!sections[id]) sections[id] = asked;
  }
  return {
    aggregateLimit: agg,
    retention,
    waitingPeriodHours: change.waitingPeriodHours ?? current.waitingPeriodHours,
    sections,
  };
}
