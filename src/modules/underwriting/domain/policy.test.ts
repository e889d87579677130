import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock';
import { isAppError } from '../../../core/errors';
import { iotCyberFiling202601 as filing } from './catalogue';
import { endorseFromRating } from './endorsement';
import { manufacturerSubmission } from './fixtures';
import {
  advancePolicy,
  bindQuote,
  cancelPolicy,
  endorse,
  isValidPolicyNumber,
  luhnDigit,
  periodEnd,
  policyNumber,
} from './policy';
import { createQuote } from './quote';
import { rate } from './rating';
import { parseSubmission } from './submission';

function quoteA(clock: ManualClock) {
  const s = parseSubmission(manufacturerSubmission());
  return createQuote(rate(s, filing), s, { id: 'q-a', clock, validityDays: 30 });
}
const kindOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isAppError(e) ? e.kind : 'other';
  }
  return 'none';
};

describe('policy numbers', () => {
  it('carries a Luhn check digit', () => {
    // "2026000042": from the right, double every other digit starting with the last:
    // 2->4, 4, 0->0, 0, 0->0, 0, 6->12->3, 2, 0->0, 2 = 15; check digit (10 - 5) % 10 = 5.
    expect(luhnDigit('2026000042')).toBe(5);
    expect(policyNumber('iot-cyber', 2026, 42)).toBe('CW-IOTCYBER-2026-000042-5');
    expect(isValidPolicyNumber('CW-IOTCYBER-2026-000042-5')).toBe(true);
    expect(isValidPolicyNumber('CW-IOTCYBER-2026-000043-5')).toBe(false);
    expect(kindOf(() => policyNumber('iot-cyber', 2026, 0))).toBe('invalid');
  });

  it('ends a period one year on, and a 29 February start on 1 March', () => {
    expect(periodEnd('2026-03-02')).toBe('2027-03-02');
    expect(periodEnd('2028-02-29')).toBe('2029-03-01');
  });
});

describe('binding', () => {
  it('binds a quoted quote from the clock and puts it in force on its start date', () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const { quote, policy } = bindQuote(quoteA(clock), { id: 'p-1', sequence: 42, boundBy: 'uw.ada', clock });
    expect(quote.status).toBe('bound');
    expect(policy).toMatchObject({
      number: 'CW-IOTCYBER-2026-000042-5',
      status: 'in_force',
      period: { start: '2026-03-02', end: '2027-03-02' },
      premium: { amount: 1_209_251, currency: 'USD' },
      jurisdiction: 'US',
      filingId: 'iot-cyber-2026-01',
    });
    expect(policy.history.map((h) => h.to)).toEqual(['bound', 'in_force']);
    clock.set('2027-03-01T23:59:59Z');
    expect(advancePolicy(policy, clock).status).toBe('in_force');
    clock.set('2027-03-02T00:00:00Z');
    expect(advancePolicy(policy, clock).status).toBe('expired');
  });

  it('keeps a future-dated policy bound until its start', () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const { policy } = bindQuote(quoteA(clock), {
      id: 'p',
      sequence: 1,
      boundBy: 'uw',
      clock,
      periodStart: '2026-03-10',
    });
    expect(policy.status).toBe('bound');
    clock.set('2026-03-09T23:59:59Z');
    expect(advancePolicy(policy, clock).status).toBe('bound');
    clock.set('2026-03-10T00:00:00Z');
    expect(advancePolicy(policy, clock).status).toBe('in_force');
    // Cancelled before it starts: flat, the whole premium back.
    clock.set('2026-03-05T00:00:00Z');
    const c = cancelPolicy(
      policy,
      { effectiveDate: '2026-03-05', reason: 'sold the business', by: 'broker' },
      clock,
    );
    expect(c.cancellation!.returnPremium.amount).toBe(1_209_251);
    expect(c.premiumCharged.amount).toBe(0);
  });

  it('refuses an expired quote, a backdated start and a referred quote', () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const q = quoteA(clock);
    expect(
      kindOf(() => bindQuote(q, { id: 'p', sequence: 1, boundBy: 'uw', clock, periodStart: '2026-03-01' })),
    ).toBe('invalid');
    expect(
      kindOf(() => bindQuote({ ...q, status: 'referred' }, { id: 'p', sequence: 1, boundBy: 'uw', clock })),
    ).toBe('conflict');
    clock.set('2026-04-01T10:00:01Z');
    expect(kindOf(() => bindQuote(q, { id: 'p', sequence: 1, boundBy: 'uw', clock }))).toBe('conflict');
  });
});

describe('endorsements and cancellation', () => {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const { policy } = bindQuote(quoteA(clock), { id: 'p-1', sequence: 42, boundBy: 'uw', clock });
  const higher = manufacturerSubmission();
  higher.requestedTerms.aggregateLimit = { amount: 300_000_000, currency: 'USD' };
  const newTerms = rate(parseSubmission(higher), filing).terms!;

  it('charges the change in annual premium pro rata by days remaining', () => {
    // Period 2026-03-02 to 2027-03-02: 365 days. From 2026-09-01: 182 days remain.
    // (1,500,000 - 1,209,251) x 182 / 365 = 290,749 x 182 / 365 = 144,976.21 -> 144,976 cents.
    clock.set('2026-09-01T08:00:00Z');
    const p = endorse(
      policy,
      {
        effectiveDate: '2026-09-01',
        terms: newTerms,
        annualPremium: { amount: 1_500_000, currency: 'USD' },
        reason: 'new plant',
        requestedBy: 'insured.admin',
      },
      clock,
    );
    const e = p.endorsements[0];
    expect([e.daysRemaining, e.daysInPeriod, e.premiumAdjustment.amount]).toEqual([182, 365, 144_976]);
    expect(e.changes).toContain('aggregate limit USD 2,000,000.00 -> USD 3,000,000.00');
    expect(p.premiumCharged.amount).toBe(1_209_251 + 144_976);
    expect(p.terms.aggregateLimit.amount).toBe(300_000_000);

    // Cancelled from 2026-12-01: 91 days remain at the endorsed annual rate.
    // 1,500,000 x 91 / 365 = 373,972.60 -> 373,973 returned; charged 1,354,227 - 373,973 = 980,254.
    clock.set('2026-12-01T00:00:00Z');
    const c = cancelPolicy(
      p,
      { effectiveDate: '2026-12-01', reason: 'insured request', by: 'broker' },
      clock,
    );
    expect(c.status).toBe('cancelled');
    expect(c.cancellation!.returnPremium.amount).toBe(373_973);
    expect(c.premiumCharged.amount).toBe(980_254);
    expect(
      kindOf(() =>
        endorse(
          c,
          {
            effectiveDate: '2026-12-02',
            terms: newTerms,
            annualPremium: { amount: 1, currency: 'USD' },
            reason: 'x',
            requestedBy: 'y',
          },
          clock,
        ),
      ),
    ).toBe('conflict');
  });

  it('refuses backdated, out-of-period and empty endorsements', () => {
    clock.set('2026-09-01T08:00:00Z');
    const base = {
      terms: newTerms,
      annualPremium: { amount: 1_500_000, currency: 'USD' },
      reason: 'r',
      requestedBy: 'u',
    };
    expect(kindOf(() => endorse(policy, { ...base, effectiveDate: '2026-08-31' }, clock))).toBe('invalid');
    expect(kindOf(() => endorse(policy, { ...base, effectiveDate: '2027-03-02' }, clock))).toBe('invalid');
    expect(kindOf(() => endorse(policy, { ...base, effectiveDate: '2026-02-30' }, clock))).toBe('invalid');
    expect(
      kindOf(() =>
        endorse(
          policy,
          { ...base, effectiveDate: '2026-09-01', terms: policy.terms, annualPremium: policy.annualPremium },
          clock,
        ),
      ),
    ).toBe('invalid');
  });
});

describe('endorseFromRating', () => {
  it('prices a limit increase by re-rating on the policy filing, and refuses a referred one', () => {
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const { policy } = bindQuote(quoteA(clock), { id: 'p', sequence: 3, boundBy: 'uw', clock });
    clock.set('2026-09-01T00:00:00Z');
    const s = manufacturerSubmission();
    s.requestedTerms.aggregateLimit = { amount: 300_000_000, currency: 'USD' };
    const rerated = rate(parseSubmission(s), filing);
    // ILF 1.35 -> 1.60 with both 50% sublimits moving to 1.5M: the premium must rise.
    expect(rerated.premium!.amount).toBeGreaterThan(1_209_251);
    const p = endorseFromRating(
      policy,
      rerated,
      { effectiveDate: '2026-09-01', reason: 'new line', requestedBy: 'cfo' },
      clock,
    );
    const delta = rerated.premium!.amount - 1_209_251;
    expect(p.endorsements[0].premiumAdjustment.amount).toBe(Math.round((delta * 182) / 365));
    s.requestedTerms.aggregateLimit = { amount: 600_000_000, currency: 'USD' }; // above authority: UW-APP-4
    const referred = rate(parseSubmission(s), filing);
    expect(
      kindOf(() =>
        endorseFromRating(
          policy,
          referred,
          { effectiveDate: '2026-09-01', reason: 'r', requestedBy: 'u' },
          clock,
        ),
      ),
    ).toBe('conflict');
  });
});
