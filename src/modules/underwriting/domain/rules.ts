/**
 * Underwriting rules of a rate filing. A rule break is an `invalid` AppError whose message starts with
 * the rule id; a risk outside appetite is a referral carrying the rule id and the facts behind it.
 */
import { type AppError, invalid } from '../../../core/errors';
import { minorUnitExponent } from '../../../core/money';
import { formatAmount, mulDivRound, toFactor4 } from './arith';
import type { RateFiling } from './filing';
import type { Product } from './product';
import { type Submission, totalDevices } from './submission';
import { EXTORTION_SECTION, type QuotedTerms } from './terms';

export interface ReferralDecision {
  outcome: 'approve' | 'decline';
  reason: string;
  decidedBy: string;
  decidedAt: string;
}

export interface Referral {
  ruleId: string;
  /** 'refer' waits for an underwriter; 'decline' is outside the filing and cannot be approved. */
  action: 'refer' | 'decline';
  reason: string;
  facts: Record<string, string | number>;
  decision?: ReferralDecision;
}

export const ruleError = (ruleId: string, message: string, field: string): AppError =>
  invalid(`rule ${ruleId}: ${message}`, [{ field, path: field, message: `${ruleId}: ${message}` }]);

export type RevenueBand = RateFiling['revenueBands'][number];
export type IndustryRow = RateFiling['industries'][number];

/** Bands are closed above: revenue of exactly the band's upper bound belongs to that band. */
export const revenueBand = (filing: RateFiling, revenueMinor: number): RevenueBand | undefined =>
  filing.revenueBands.find((b) => revenueMinor <= b.upToMinor);

export const industryRow = (filing: RateFiling, industry: string): IndustryRow | undefined =>
  filing.industries.find((i) => i.industry === industry);

export function minimumRetentionMinor(filing: RateFiling, revenueMinor: number): number | undefined {
  return filing.rules.minimumRetention.bands.find((b) => revenueMinor <= b.revenueUpToMinor)
    ?.minRetentionMinor;
}

/** Money fields that must be in the filing's currency, with their paths. */
function moneyFields(s: Submission): [string, { currency: string }][] {
  const fields: [string, { currency: string }][] = [
    ['organisation.annualRevenue', s.organisation.annualRevenue],
    ['organisation.hourlyDowntimeCost', s.organisation.hourlyDowntimeCost],
    ['requestedTerms.aggregateLimit', s.requestedTerms.aggregateLimit],
    ['requestedTerms.retention', s.requestedTerms.retention],
  ];
  for (const [id, asked] of Object.entries(s.requestedTerms.sections ?? {})) {
    for (const k of ['limit', 'sublimit', 'retention'] as const) {
      const m = asked[k];
      if (m) fields.push([`requestedTerms.sections.${id}.${k}`, m]);
    }
  }
  return fields;
}

/** Rules that make a submission impossible to rate at all; checked before terms are resolved. */
export function checkPreconditions(s: Submission, product: Product, filing: RateFiling): AppError[] {
  const errors: AppError[] = [];
  if (s.productId !== product.id || filing.product !== product.id) {
    errors.push(
      ruleError(
        'UW-PRD-1',
        `submission is for product ${s.productId}; filing ${filing.id} rates ${filing.product}`,
        'productId',
      ),
    );
  }
  for (const [field, m] of moneyFields(s)) {
    if (m.currency !== filing.currency) {
      errors.push(
        ruleError(
          'UW-CUR-1',
          `${field} is in ${m.currency}; filing ${filing.id} rates in ${filing.currency}`,
          field,
        ),
      );
    }
  }
  const day = s.submittedAt.slice(0, 10);
  if (day < filing.effectiveDate || (filing.expiryDate && day >= filing.expiryDate)) {
    errors.push(
      ruleError(
        'UW-FIL-1',
        `filing ${filing.id} is effective from ${filing.effectiveDate}${filing.expiryDate ? ` to ${filing.expiryDate}` : ''}; submission is dated ${day}`,
        'submittedAt',
      ),
    );
  }
  if (!industryRow(filing, s.organisation.industry)) {
    errors.push(
      ruleError(
        'UW-IND-1',
        `industry ${s.organisation.industry} is not in filing ${filing.id} (${filing.industries.map((i) => i.industry).join(', ')})`,
        'organisation.industry',
      ),
    );
  }
  return errors;
}

/** Rules on the quoted terms and the assessment's consistency. */
export function checkTerms(
  s: Submission,
  terms: QuotedTerms,
  product: Product,
  filing: RateFiling,
): AppError[] {
  const errors: AppError[] = [];
  const e = minorUnitExponent(filing.currency);
  const fmt = (minor: number) => formatAmount(minor, filing.currency, e);
  const revenue = s.organisation.annualRevenue.amount;
  const retention = terms.retention.amount;
  const agg = terms.aggregateLimit.amount;

  const minRet = minimumRetentionMinor(filing, revenue);
  if (minRet !== undefined && retention < minRet) {
    errors.push(
      ruleError(
        filing.rules.minimumRetention.clause,
        `minimum retention for revenue ${fmt(revenue)} is ${fmt(minRet)}`,
        'requestedTerms.retention',
      ),
    );
  }
  const retPoints = filing.retentionFactors.points;
  const retMax = retPoints[retPoints.length - 1][0];
  if (retention > retMax || retention < retPoints[0][0]) {
    errors.push(
      ruleError(
        'UW-RET-2',
        `retention must be between ${fmt(retPoints[0][0])} and ${fmt(retMax)} (table ${filing.retentionFactors.clause})`,
        'requestedTerms.retention',
      ),
    );
  }
  const ilf = filing.increasedLimitFactors.points;
  if (agg < ilf[0][0] || agg > ilf[ilf.length - 1][0]) {
    errors.push(
      ruleError(
        'UW-LIM-1',
        `aggregate limit must be between ${fmt(ilf[0][0])} and ${fmt(ilf[ilf.length - 1][0])} (table ${filing.increasedLimitFactors.clause})`,
        'requestedTerms.aggregateLimit',
      ),
    );
  }
  const known = new Set(product.sections.map((x) => x.id));
  for (const id of Object.keys(s.requestedTerms.sections ?? {})) {
    if (!known.has(id)) {
      errors.push(
        ruleError(
          'UW-SEC-1',
          `section ${id} is not in product ${product.id}`,
          `requestedTerms.sections.${id}`,
        ),
      );
    }
  }
  if (!terms.sections.some((x) => x.included)) {
    errors.push(
      ruleError('UW-SEC-2', 'at least one coverage section must be included', 'requestedTerms.sections'),
    );
  }
  for (const sec of terms.sections) {
    const path = `requestedTerms.sections.${sec.sectionId}`;
    for (const k of ['limit', 'sublimit'] as const) {
      const v = sec[k].amount;
      if (v <= 0 || v > agg) {
        errors.push(
          ruleError(
            'UW-LIM-2',
            `${sec.sectionId} ${k} ${fmt(v)} must be above zero and at most the aggregate limit ${fmt(agg)}`,
            `${path}.${k}`,
          ),
        );
      }
    }
    if (sec.retention.amount < retention) {
      errors.push(
        ruleError(
          'UW-RET-3',
          `${sec.sectionId} retention ${fmt(sec.retention.amount)} must be at least the policy retention ${fmt(retention)}`,
          `${path}.retention`,
        ),
      );
    }
    if (sec.sectionId === EXTORTION_SECTION && sec.included) {
      const cap = filing.rules.extortionSublimit;
      const byShare = mulDivRound(agg, toFactor4(cap.maxShareOfAggregate), 10_000);
      const max = Math.min(byShare, cap.maxMinor);
      if (sec.sublimit.amount > max) {
        errors.push(
          ruleError(
            cap.clause,
            `extortion sublimit ${fmt(sec.sublimit.amount)} exceeds the cap ${fmt(max)} (${cap.maxShareOfAggregate * 100}% of the aggregate, at most ${fmt(cap.maxMinor)})`,
            `${path}.sublimit`,
          ),
        );
      }
    }
    if (sec.waitingPeriodHours !== null && sec.included) {
      const ind = industryRow(filing, s.organisation.industry);
      const wp = filing.rules.waitingPeriod;
      if (ind && sec.waitingPeriodHours < ind.minWaitingPeriodHours) {
        errors.push(
          ruleError(
            wp.clause,
            `minimum business interruption waiting period for ${ind.industry} is ${ind.minWaitingPeriodHours} hours (${ind.clause})`,
            'requestedTerms.waitingPeriodHours',
          ),
        );
      }
      if (sec.waitingPeriodHours > wp.maxHours) {
        errors.push(
          ruleError(
            wp.clause,
            `maximum business interruption waiting period is ${wp.maxHours} hours`,
            'requestedTerms.waitingPeriodHours',
          ),
        );
      }
    }
  }
  const devices = totalDevices(s);
  for (const k of ['internetExposed', 'safetyCritical'] as const) {
    if (s.assessment[k] > devices) {
      errors.push(
        ruleError(
          'UW-DAT-1',
          `${k} (${s.assessment[k]}) exceeds the device count (${devices})`,
          `assessment.${k}`,
        ),
      );
    }
  }
  return errors;
}

/** Appetite: facts that send the quote to an underwriter, or outside the filing altogether. */
export function checkAppetite(s: Submission, filing: RateFiling): Referral[] {
  const a = filing.rules.appetite;
  const e = minorUnitExponent(filing.currency);
  const fmt = (minor: number) => formatAmount(minor, filing.currency, e);
  const out: Referral[] = [];
  const revenue = s.organisation.annualRevenue.amount;
  const top = filing.revenueBands[filing.revenueBands.length - 1];
  if (revenue > top.upToMinor) {
    out.push({
      ruleId: a.revenueAboveTopBand.clause,
      action: 'decline',
      reason: `annual revenue ${fmt(revenue)} is above the top revenue band (${top.clause}, up to ${fmt(top.upToMinor)})`,
      facts: { annualRevenue: fmt(revenue), topBand: top.clause, topBandUpTo: fmt(top.upToMinor) },
    });
  }
  if (s.assessment.kevOnExposed >= a.kevOnExposed.referAtOrAbove) {
    out.push({
      ruleId: a.kevOnExposed.clause,
      action: 'refer',
      reason: `${s.assessment.kevOnExposed} CISA KEV finding(s) on internet-exposed devices`,
      facts: { kevOnExposed: s.assessment.kevOnExposed, internetExposed: s.assessment.internetExposed },
    });
  }
  if (s.assessment.riskScore >= a.riskScore.referAtOrAbove) {
    out.push({
      ruleId: a.riskScore.clause,
      action: 'refer',
      reason: `organisation risk score ${s.assessment.riskScore} is at or above ${a.riskScore.referAtOrAbove}`,
      facts: { riskScore: s.assessment.riskScore, threshold: a.riskScore.referAtOrAbove },
    });
  }
  const agg = s.requestedTerms.aggregateLimit.amount;
  if (agg > a.aggregateLimit.referAboveMinor) {
    out.push({
      ruleId: a.aggregateLimit.clause,
      action: 'refer',
      reason: `aggregate limit ${fmt(agg)} is above the underwriting authority of ${fmt(a.aggregateLimit.referAboveMinor)}`,
      facts: { aggregateLimit: fmt(agg), authority: fmt(a.aggregateLimit.referAboveMinor) },
    });
  }
  return out;
}
