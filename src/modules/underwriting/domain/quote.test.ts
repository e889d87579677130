import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock';
import { isAppError } from '../../../core/errors';
import { iotCyberFiling202601 as filing } from './catalogue';
import { manufacturerSubmission } from './fixtures';
import { canTransition, TRANSITIONS, transition } from './lifecycle';
import { createQuote, decideReferral, expireQuote } from './quote';
import { rate } from './rating';
import { parseSubmission } from './submission';

function referredQuote() {
  const input = manufacturerSubmission();
  input.assessment.kevOnExposed = 2;
  input.assessment.riskScore = 85;
  const s = parseSubmission(input);
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  return { clock, quote: createQuote(rate(s, filing), s, { id: 'q-1', clock, validityDays: 30 }) };
}

const kindOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isAppError(e) ? e.kind : 'other';
  }
  return 'none';
};

describe('quotes and referral decisions', () => {
  it('holds a referred rating with both referrals and a validity window', () => {
    const { quote } = referredQuote();
    expect(quote.status).toBe('referred');
    expect(quote.referrals.map((r) => r.ruleId)).toEqual(['UW-APP-1', 'UW-APP-3']);
    expect(quote.validUntil).toBe('2026-04-01T10:00:00.000Z');
    expect(quote.insured).toEqual({
      name: 'Harbour Precision Parts Ltd',
      industry: 'manufacturing',
      homeJurisdiction: 'US',
      jurisdictions: ['US', 'GB'],
    });
  });

  it('stays referred until every referral is approved, then becomes quoted', () => {
    const { quote, clock } = referredQuote();
    const one = decideReferral(
      quote,
      'UW-APP-1',
      { outcome: 'approve', reason: 'patched, scan attached', decidedBy: 'uw.ada' },
      clock,
    );
    expect(one.status).toBe('referred');
    expect(one.referrals[0].decision).toMatchObject({
      outcome: 'approve',
      decidedBy: 'uw.ada',
      decidedAt: '2026-03-02T10:00:00.000Z',
    });
    expect(quote.referrals[0].decision).toBeUndefined(); // the input is not mutated
    const two = decideReferral(
      one,
      'UW-APP-3',
      { outcome: 'approve', reason: 'OT segmentation verified', decidedBy: 'uw.ada' },
      clock,
    );
    expect(two.status).toBe('quoted');
    expect(two.history.map((h) => h.to)).toEqual(['referred', 'referred', 'quoted']);
  });

  it('declines the quote on one declined referral', () => {
    const { quote, clock } = referredQuote();
    const d = decideReferral(
      quote,
      'UW-APP-3',
      { outcome: 'decline', reason: 'score too high', decidedBy: 'uw.bo' },
      clock,
    );
    expect(d.status).toBe('declined');
    expect(
      kindOf(() => decideReferral(d, 'UW-APP-1', { outcome: 'approve', reason: 'x', decidedBy: 'y' }, clock)),
    ).toBe('conflict');
  });

  it('refuses a second decision, an unknown rule, a blank reason and an expired quote', () => {
    const { quote, clock } = referredQuote();
    const one = decideReferral(
      quote,
      'UW-APP-1',
      { outcome: 'approve', reason: 'ok', decidedBy: 'uw' },
      clock,
    );
    expect(
      kindOf(() =>
        decideReferral(one, 'UW-APP-1', { outcome: 'approve', reason: 'ok', decidedBy: 'uw' }, clock),
      ),
    ).toBe('conflict');
    expect(
      kindOf(() =>
        decideReferral(one, 'UW-NOPE', { outcome: 'approve', reason: 'ok', decidedBy: 'uw' }, clock),
      ),
    ).toBe('invalid');
    expect(
      kindOf(() =>
        decideReferral(one, 'UW-APP-3', { outcome: 'approve', reason: ' ', decidedBy: 'uw' }, clock),
      ),
    ).toBe('invalid');
    clock.set('2026-04-01T10:00:01Z');
    expect(
      kindOf(() =>
        decideReferral(one, 'UW-APP-3', { outcome: 'approve', reason: 'ok', decidedBy: 'uw' }, clock),
      ),
    ).toBe('conflict');
    expect(expireQuote(one, clock).status).toBe('expired');
  });

  it('will not hold an invalid rating as a quote', () => {
    const input = manufacturerSubmission();
    input.requestedTerms.retention = { amount: 100, currency: 'USD' };
    const s = parseSubmission(input);
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    expect(kindOf(() => createQuote(rate(s, filing), s, { id: 'q', clock, validityDays: 30 }))).toBe(
      'invalid',
    );
  });
});

describe('lifecycle table', () => {
  it('has no way out of declined, cancelled and expired', () => {
    for (const s of ['declined', 'cancelled', 'expired'] as const) expect(TRANSITIONS[s]).toEqual([]);
    expect(canTransition('quoted', 'in_force')).toBe(false);
    expect(canTransition('bound', 'in_force')).toBe(true);
  });

  it('throws a conflict naming the allowed moves', () => {
    try {
      transition({ status: 'expired' as const, history: [] }, 'in_force', new Date(), 'x');
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.kind).toBe('conflict');
      expect((e as Error).message).toBe('cannot move from expired to in_force');
    }
  });
});
