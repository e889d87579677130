/** Quotes: a rating result held for the insured, and the underwriter's referral decisions on it. */
import type { Clock } from '../../../core/clock';
import { AppError, conflict, invalid } from '../../../core/errors';
import type { Money } from '../../../core/money';
import type { TechnicalPremium } from './insured-loss';
import { type LifecycleState, type TransitionRecord, transition } from './lifecycle';
import type { RatingResult, WorksheetLine } from './rating';
import type { Referral, ReferralDecision } from './rules';
import type { Submission } from './submission';
import type { QuotedTerms } from './terms';

export interface Insured {
  name: string;
  industry: string;
  /** The first jurisdiction of the submission: governing law of the policy. */
  homeJurisdiction: string;
  jurisdictions: string[];
}

export interface Quote {
  id: string;
  submissionId: string | null;
  productId: string;
  filingId: string;
  filingVersion: string;
  insured: Insured;
  status: LifecycleState;
  quotedAt: string;
  validUntil: string;
  premium: Money | null;
  /** Technical premium from the FAIR simulation, shown beside the rated premium; null when not run. */
  technical: TechnicalPremium | null;
  terms: QuotedTerms;
  worksheet: WorksheetLine[];
  referrals: Referral[];
  priorKnownIncidents: { date: string; description: string }[];
  history: TransitionRecord[];
}

const DAY_MS = 86_400_000;

export interface CreateQuoteOptions {
  id: string;
  clock: Clock;
  validityDays: number;
  technical?: TechnicalPremium | null;
}

/** Hold a rating result as a quote. An invalid rating cannot become a quote. */
export function createQuote(
  result: RatingResult,
  submission: Submission,
  options: CreateQuoteOptions,
): Quote {
  if (result.status === 'invalid' || !result.terms) {
    const details = result.errors.flatMap((e) => e.details);
    throw new AppError(
      'invalid',
      result.errors.map((e) => e.message).join('; ') || 'submission cannot be rated',
      details,
    );
  }
  const now = options.clock.now();
  const status: LifecycleState = result.status;
  const o = submission.organisation;
  return {
    id: options.id,
    submissionId: submission.id ?? null,
    productId: result.terms.productId,
    filingId: result.filingId,
    filingVersion: result.filingVersion,
    insured: {
      name: o.name,
      industry: o.industry,
      homeJurisdiction: o.jurisdictions[0],
      jurisdictions: [...o.jurisdictions],
    },
    status,
    quotedAt: now.toISOString(),
    validUntil: new Date(now.getTime() + options.validityDays * DAY_MS).toISOString(),
    premium: result.premium,
    technical: options.technical ?? null,
    terms: result.terms,
    worksheet: result.worksheet,
    referrals: result.referrals,
    priorKnownIncidents: submission.priorKnownIncidents,
    history: [{ from: null, to: status, at: now.toISOString(), reason: 'rated' }],
  };
}

export interface DecisionInput {
  outcome: 'approve' | 'decline';
  reason: string;
  decidedBy: string;
}

/**
 * An underwriter's decision on one referral, as a pure state transition: the quote is returned with
 * the decision recorded; all referrals approved -> quoted, any declined -> declined, else referred.
 */
export function decideReferral(quote: Quote, ruleId: string, input: DecisionInput, clock: Clock): Quote {
  if (quote.status !== 'referred') throw conflict(`quote ${quote.id} is ${quote.status}, not referred`);
  const i = quote.referrals.findIndex((r) => r.ruleId === ruleId);
  if (i < 0)
    throw invalid(`quote ${quote.id} has no referral ${ruleId}`, [
      { field: 'ruleId', message: 'unknown referral' },
    ]);
  const referral = quote.referrals[i];
  if (referral.decision)
    throw conflict(`referral ${ruleId} was already decided (${referral.decision.outcome})`);
  if (referral.action === 'decline')
    throw conflict(`referral ${ruleId} is outside the filing and cannot be decided`);
  if (!input.reason.trim())
    throw invalid('a referral decision needs a reason', [{ field: 'reason', message: 'required' }]);
  if (!input.decidedBy.trim())
    throw invalid('a referral decision needs who decided', [{ field: 'decidedBy', message: 'required' }]);
  const now = clock.now();
  if (now.toISOString() > quote.validUntil)
    throw conflict(`quote ${quote.id} expired on ${quote.validUntil}`);
  const decision: ReferralDecision = { ...input, decidedAt: now.toISOString() };
  const referrals = quote.referrals.map((r, j) => (j === i ? { ...r, decision } : r));
  const next = { ...quote, referrals };
  const why = `${ruleId} ${input.outcome}d by ${input.decidedBy}: ${input.reason}`;
  if (input.outcome === 'decline') return transition(next, 'declined', now, why, input.decidedBy);
  if (referrals.every((r) => r.decision?.outcome === 'approve'))
    return transition(next, 'quoted', now, why, input.decidedBy);
  return {
    ...next,
    history: [
      ...next.history,
      { from: 'referred', to: 'referred', at: now.toISOString(), reason: why, by: input.decidedBy },
    ],
  };
}

/** A quote not bound within its validity lapses. */
export function expireQuote(quote: Quote, clock: Clock): Quote {
  const now = clock.now();
  if ((quote.status === 'quoted' || quote.status === 'referred') && now.toISOString() > quote.validUntil) {
    return transition(quote, 'expired', now, `not bound by ${quote.validUntil}`);
  }
  return quote;
}
