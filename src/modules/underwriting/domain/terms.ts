/** Quoted terms: the product's sections with the limits, retentions and waiting period asked for. */
import type { Money } from '../../../core/money';
import type { LossSection } from '../../risk';
import { mulDivRound, toFactor4 } from './arith';
import type { PenaltiesInsurable, RateFiling } from './filing';
import type { Product } from './product';
import type { Submission } from './submission';

export interface SectionTerms {
  sectionId: string;
  name: string;
  party: 'first' | 'third';
  /** The FAIR loss form this section pays (LOSS_SECTIONS in risk/domain/fair-types.ts). */
  respondsTo: LossSection;
  included: boolean;
  /** Most paid for any one event under this section. */
  limit: Money;
  /** Most paid in the policy year under this section; part of, not in addition to, the aggregate. */
  sublimit: Money;
  retention: Money;
  /** Hours of outage before business interruption cover starts; null where it does not apply. */
  waitingPeriodHours: number | null;
  /** Share of each covered loss after retention that the insured keeps, 0..1. */
  coinsurance: number;
  exclusions: string[];
}

export interface JurisdictionTerms {
  code: string;
  penaltiesInsurable: PenaltiesInsurable;
  source: string;
}

export interface QuotedTerms {
  productId: string;
  filingId: string;
  filingVersion: string;
  currency: string;
  aggregateLimit: Money;
  retention: Money;
  waitingPeriodHours: number;
  sections: SectionTerms[];
  jurisdictions: JurisdictionTerms[];
  /**
   * Share of regulatory loss that is fines and penalties (filing COV-1); that share is not paid for
   * jurisdictions where fines are uninsurable.
   */
  regulatoryPenaltyShare: number;
}

/** Share of regulatory loss the policy cannot pay: penalty share x share of jurisdictions where fines are uninsurable. */
export function uninsurableRegulatoryShare(terms: QuotedTerms): number {
  const n = terms.jurisdictions.length;
  if (n === 0) return 0;
  const no = terms.jurisdictions.filter((j) => j.penaltiesInsurable === 'no').length;
  return (terms.regulatoryPenaltyShare * no) / n;
}

export const EXTORTION_SECTION = 'cyber_extortion';

export function jurisdictionTerms(codes: readonly string[], filing: RateFiling): JurisdictionTerms[] {
  return codes.map((code) => {
    const rule = filing.jurisdictions.rules.find((r) => r.code === code);
    return rule
      ? { code, penaltiesInsurable: rule.penaltiesInsurable, source: rule.source }
      : {
          code,
          penaltiesInsurable: filing.jurisdictions.unknownDefault,
          source: `no rule for ${code} in ${filing.jurisdictions.clause}: default`,
        };
  });
}

/**
 * The terms to quote, before the underwriting rules judge them: each section takes what the
 * submission asks for, else the product default. The extortion default is also held to the
 * filing's cap (UW-EXT-1) so a submission that asks for nothing gets a sublimit it may have.
 */
export function resolveTerms(submission: Submission, product: Product, filing: RateFiling): QuotedTerms {
  const req = submission.requestedTerms;
  const currency = req.aggregateLimit.currency;
  const agg = req.aggregateLimit.amount;
  const share = (s: number) => mulDivRound(agg, toFactor4(s), 10_000);
  const sections = product.sections.map((s): SectionTerms => {
    const asked = req.sections?.[s.id];
    let defaultSublimit = share(s.defaultSublimitShare);
    if (s.id === EXTORTION_SECTION) {
      const cap = filing.rules.extortionSublimit;
      defaultSublimit = Math.min(defaultSublimit, share(cap.maxShareOfAggregate), cap.maxMinor);
    }
    return {
      sectionId: s.id,
      name: s.name,
      party: s.party,
      respondsTo: s.respondsTo,
      included: asked?.included ?? true,
      limit: asked?.limit ?? { amount: agg, currency },
      sublimit: asked?.sublimit ?? { amount: defaultSublimit, currency },
      retention: asked?.retention ?? req.retention,
      waitingPeriodHours: s.hasWaitingPeriod ? req.waitingPeriodHours : null,
      coinsurance: s.defaultCoinsurance,
      exclusions: s.exclusions,
    };
  });
  return {
    productId: product.id,
    filingId: filing.id,
    filingVersion: filing.version,
    currency,
    aggregateLimit: req.aggregateLimit,
    retention: req.retention,
    waitingPeriodHours: req.waitingPeriodHours,
    sections,
    jurisdictions: jurisdictionTerms(submission.organisation.jurisdictions, filing),
    regulatoryPenaltyShare: filing.sectionWeights.regulatoryPenaltyShare,
  };
}
