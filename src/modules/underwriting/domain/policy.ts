/**
 * Policies: a bound quote, its period, lifecycle and endorsements. Pure: time comes from a Clock,
 * ids and sequence numbers from the caller. Period dates are UTC calendar dates; the period runs from
 * 00:00 UTC on `start` to 00:00 UTC on `end` (exclusive).
 */
import type { Clock } from '../../../core/clock';
import { conflict, invalid } from '../../../core/errors';
import { formatMoney, type Money } from '../../../core/money';
import { mulDivRound } from './arith';
import { type LifecycleState, type TransitionRecord, transition } from './lifecycle';
import type { Insured, Quote } from './quote';
import type { QuotedTerms } from './terms';

export interface Endorsement {
  number: number;
  effectiveDate: string;
  reason: string;
  requestedBy: string;
  changes: string[];
  terms: QuotedTerms;
  annualPremiumBefore: Money;
  annualPremiumAfter: Money;
  daysRemaining: number;
  daysInPeriod: number;
  /** Additional (positive) or return (negative) premium for the rest of the period, pro rata by days. */
  premiumAdjustment: Money;
  createdAt: string;
  /** Referrals the re-rating raised and the underwriter approved with the endorsement. */
  approvedReferrals?: { ruleId: string; reason: string }[];
  /** SHA-256 of the endorsement document as issued (logged in the evidence ledger). */
  documentSha256?: string;
}

export interface Cancellation {
  effectiveDate: string;
  reason: string;
  by: string;
  daysRemaining: number;
  returnPremium: Money;
  /** SHA-256 of the cancellation notice as issued (logged in the evidence ledger). */
  documentSha256?: string;
}

export interface Policy {
  id: string;
  number: string;
  quoteId: string;
  productId: string;
  filingId: string;
  filingVersion: string;
  status: LifecycleState;
  insured: Insured;
  /** Governing law: the insured's home jurisdiction. */
  jurisdiction: string;
  period: { start: string; end: string };
  terms: QuotedTerms;
  /** Premium at binding. */
  premium: Money;
  /** Annual premium rate after endorsements. */
  annualPremium: Money;
  /** Premium charged so far: binding premium plus endorsement adjustments, less any return premium. */
  premiumCharged: Money;
  endorsements: Endorsement[];
  cancellation: Cancellation | null;
  /** Incidents the insured declared as known before inception: excluded (EXC-PRIOR). */
  priorKnownIncidents: { date: string; description: string }[];
  boundAt: string;
  boundBy: string;
  history: TransitionRecord[];
}

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const today = (clock: Clock) => clock.now().toISOString().slice(0, 10);
const days = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

function checkDate(value: string, field: string): void {
  if (
    !DATE_RE.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  ) {
    throw invalid(`${field} must be a date YYYY-MM-DD, got ${value}`, [
      { field, message: 'not a calendar date' },
    ]);
  }
}

/** One year on: 2026-03-02 -> 2027-03-02; a 29 February start ends on 1 March. */
export function periodEnd(start: string): string {
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().slice(0, 10);
}

/** Luhn check digit (ISO/IEC 7812-1 Annex B) over the digits of the number, to catch typing errors. */
export function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** CW-IOTCYBER-2026-000042-7: product code, inception year, sequence, Luhn check digit. */
export function policyNumber(productId: string, year: number, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999_999) {
    throw invalid(`policy sequence must be 1..999999, got ${sequence}`, [
      { field: 'sequence', message: 'out of range' },
    ]);
  }
  const seq = String(sequence).padStart(6, '0');
  const code = productId.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return `CW-${code}-${year}-${seq}-${luhnDigit(`${year}${seq}`)}`;
}

export const isValidPolicyNumber = (n: string): boolean => {
  const m = /^CW-[A-Z0-9]+-(\d{4})-(\d{6})-(\d)$/.exec(n);
  return !!m && luhnDigit(`${m[1]}${m[2]}`) === Number(m[3]);
};

export interface BindOptions {
  id: string;
  sequence: number;
  boundBy: string;
  clock: Clock;
  /** Inception date; defaults to the clock's date. Never earlier than today. */
  periodStart?: string;
}

/** Bind a quoted (all referrals approved) and unexpired quote into a policy. */
export function bindQuote(quote: Quote, options: BindOptions): { quote: Quote; policy: Policy } {
  const now = options.clock.now();
  if (quote.status !== 'quoted') {
    const pending = quote.referrals.filter((r) => !r.decision).map((r) => r.ruleId);
    throw conflict(
      `quote ${quote.id} is ${quote.status}${pending.length ? ` (referrals pending: ${pending.join(', ')})` : ''}; only a quoted quote can be bound`,
    );
  }
  if (now.toISOString() > quote.validUntil)
    throw conflict(`quote ${quote.id} expired on ${quote.validUntil}`);
  if (!quote.premium) throw conflict(`quote ${quote.id} has no premium`);
  const start = options.periodStart ?? today(options.clock);
  checkDate(start, 'periodStart');
  if (start < today(options.clock)) {
    throw invalid(`period start ${start} is before today ${today(options.clock)}`, [
      { field: 'periodStart', message: 'backdated' },
    ]);
  }
  const boundQuote = transition(quote, 'bound', now, 'bound', options.boundBy);
  let policy: Policy = {
    id: options.id,
    number: policyNumber(quote.productId, Number(start.slice(0, 4)), options.sequence),
    quoteId: quote.id,
    productId: quote.productId,
    filingId: quote.filingId,
    filingVersion: quote.filingVersion,
    status: 'bound',
    insured: quote.insured,
    jurisdiction: quote.insured.homeJurisdiction,
    period: { start, end: periodEnd(start) },
    terms: quote.terms,
    premium: quote.premium,
    annualPremium: quote.premium,
    premiumCharged: quote.premium,
    endorsements: [],
    cancellation: null,
    priorKnownIncidents: quote.priorKnownIncidents,
    boundAt: now.toISOString(),
    boundBy: options.boundBy,
    history: [
      {
        from: 'quoted',
        to: 'bound',
        at: now.toISOString(),
        reason: `bound from quote ${quote.id}`,
        by: options.boundBy,
      },
    ],
  };
  policy = advancePolicy(policy, options.clock);
  return { quote: boundQuote, policy };
}

/** Move a policy along by the calendar: in force from its start, expired from its end. */
export function advancePolicy(policy: Policy, clock: Clock): Policy {
  const d = today(clock);
  const now = clock.now();
  let p = policy;
  if (p.status === 'bound' && d >= p.period.start)
    p = transition(p, 'in_force', now, `period started ${p.period.start}`);
  if (p.status === 'in_force' && d >= p.period.end)
    p = transition(p, 'expired', now, `period ended ${p.period.end}`);
  return p;
}

function describeChanges(before: QuotedTerms, after: QuotedTerms): string[] {
  const out: string[] = [];
  const amt = formatMoney;
  if (before.aggregateLimit.amount !== after.aggregateLimit.amount)
    out.push(`aggregate limit ${amt(before.aggregateLimit)} -> ${amt(after.aggregateLimit)}`);
  if (before.retention.amount !== after.retention.amount)
    out.push(`retention ${amt(before.retention)} -> ${amt(after.retention)}`);
  if (before.waitingPeriodHours !== after.waitingPeriodHours)
    out.push(`waiting period ${before.waitingPeriodHours} h -> ${after.waitingPeriodHours} h`);
  for (const a of after.sections) {
    const b = before.sections.find((s) => s.sectionId === a.sectionId);
    if (!b) {
      out.push(`${a.sectionId} added`);
      continue;
    }
    if (b.included !== a.included) out.push(`${a.sectionId} ${a.included ? 'added' : 'removed'}`);
    for (const k of ['limit', 'sublimit', 'retention'] as const) {
      if (b[k].amount === a[k].amount) continue;
      // A section term that only follows the policy's aggregate or retention is said once, above.
      const follows =
        k === 'retention'
          ? b[k].amount === before.retention.amount && a[k].amount === after.retention.amount
          : k === 'limit' &&
            b[k].amount === before.aggregateLimit.amount &&
            a[k].amount === after.aggregateLimit.amount;
      if (!follows) out.push(`${a.sectionId} ${k} ${amt(b[k])} -> ${amt(a[k])}`);
    }
  }
  return out;
}

export interface EndorseInput {
  effectiveDate: string;
  /** The new terms, re-rated by the caller against the policy's filing. */
  terms: QuotedTerms;
  /** The annual premium for the new terms. */
  annualPremium: Money;
  reason: string;
  requestedBy: string;
}

/**
 * Whether the policy can be endorsed from `effectiveDate`: it must be bound or in force, and the date
 * a calendar date inside the period, not in the past, not before the last endorsement.
 */
export function checkEndorsable(policy: Policy, effectiveDate: string, clock: Clock): void {
  if (policy.status !== 'bound' && policy.status !== 'in_force')
    throw conflict(
      `policy ${policy.number} is ${policy.status}; only a bound or in-force policy can be endorsed`,
    );
  checkDate(effectiveDate, 'effectiveDate');
  const { start, end } = policy.period;
  if (effectiveDate < start || effectiveDate >= end) {
    throw invalid(`endorsement date ${effectiveDate} is outside the period ${start} to ${end}`, [
      { field: 'effectiveDate', message: 'outside the policy period' },
    ]);
  }
  if (effectiveDate < today(clock)) {
    throw invalid(
      `endorsement date ${effectiveDate} is before today ${today(clock)}: cover is not changed backwards`,
      [{ field: 'effectiveDate', message: 'backdated' }],
    );
  }
  const last = policy.endorsements.at(-1);
  if (last && effectiveDate < last.effectiveDate) {
    throw conflict(
      `endorsement date ${effectiveDate} is before endorsement ${last.number} (${last.effectiveDate})`,
    );
  }
}

/**
 * An on-demand cover change from `effectiveDate` to the end of the period. The adjustment is the
 * change in annual premium x days remaining / days in the period, rounded once to the minor unit.
 */
export function endorse(policy: Policy, input: EndorseInput, clock: Clock): Policy {
  checkEndorsable(policy, input.effectiveDate, clock);
  const { start, end } = policy.period;
  if (
    input.annualPremium.currency !== policy.annualPremium.currency ||
    input.terms.currency !== policy.terms.currency
  ) {
    throw invalid('endorsement must be in the policy currency', [
      { field: 'annualPremium.currency', message: 'currency mismatch' },
    ]);
  }
  if (!input.reason.trim())
    throw invalid('an endorsement needs a reason', [{ field: 'reason', message: 'required' }]);
  const changes = describeChanges(policy.terms, input.terms);
  if (!changes.length && input.annualPremium.amount === policy.annualPremium.amount) {
    throw invalid('endorsement changes nothing', [{ field: 'terms', message: 'same as the current terms' }]);
  }
  const daysInPeriod = days(start, end);
  const daysRemaining = days(input.effectiveDate, end);
  const delta = input.annualPremium.amount - policy.annualPremium.amount;
  const adjustment = mulDivRound(delta, daysRemaining, daysInPeriod);
  const cur = policy.annualPremium.currency;
  const e: Endorsement = {
    number: policy.endorsements.length + 1,
    effectiveDate: input.effectiveDate,
    reason: input.reason,
    requestedBy: input.requestedBy,
    changes,
    terms: input.terms,
    annualPremiumBefore: policy.annualPremium,
    annualPremiumAfter: input.annualPremium,
    daysRemaining,
    daysInPeriod,
    premiumAdjustment: { amount: adjustment, currency: cur },
    createdAt: clock.now().toISOString(),
  };
  return {
    ...policy,
    terms: input.terms,
    annualPremium: input.annualPremium,
    premiumCharged: { amount: policy.premiumCharged.amount + adjustment, currency: cur },
    endorsements: [...policy.endorsements, e],
  };
}

/** Cancel from a date; the unearned premium at the current annual rate is returned pro rata by days. */
export function cancelPolicy(
  policy: Policy,
  input: { effectiveDate: string; reason: string; by: string },
  clock: Clock,
): Policy {
  checkDate(input.effectiveDate, 'effectiveDate');
  const { start, end } = policy.period;
  // A policy bound but not yet in force is cancelled flat: all of its premium is returned.
  const flat = policy.status === 'bound' && input.effectiveDate < start;
  if ((!flat && input.effectiveDate < start) || input.effectiveDate > end) {
    throw invalid(`cancellation date ${input.effectiveDate} is outside the period ${start} to ${end}`, [
      { field: 'effectiveDate', message: 'outside the policy period' },
    ]);
  }
  if (input.effectiveDate < today(clock)) {
    throw invalid(`cancellation date ${input.effectiveDate} is before today ${today(clock)}`, [
      { field: 'effectiveDate', message: 'backdated' },
    ]);
  }
  const last = policy.endorsements.at(-1);
  if (last && input.effectiveDate < last.effectiveDate)
    throw conflict(`cancellation date is before endorsement ${last.number}`);
  if (!input.reason.trim())
    throw invalid('a cancellation needs a reason', [{ field: 'reason', message: 'required' }]);
  const daysRemaining = days(flat ? start : input.effectiveDate, end);
  const ret = mulDivRound(policy.annualPremium.amount, daysRemaining, days(start, end));
  const cur = policy.annualPremium.currency;
  const p = transition(policy, 'cancelled', clock.now(), input.reason, input.by);
  return {
    ...p,
    cancellation: { ...input, daysRemaining, returnPremium: { amount: ret, currency: cur } },
    premiumCharged: { amount: policy.premiumCharged.amount - ret, currency: cur },
  };
}
