import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyView, PremiumReductions, QuoteView } from '../../src/modules/underwriting';
import { type Store, tables } from '../../src/store';
import { type DemoWorld, demoWorld } from '../support/demo-world';

/**
 * Endorsements, cancellation and "what would lower it" over HTTP on the demo world: Northwind bound
 * Acme's policy on 2026-11-02 (period 2026-11-02 to 2027-11-02, 365 days).
 */
describe('policy changes API', () => {
  let store: Store;
  let app: DemoWorld['app'];
  let cookie: DemoWorld['cookie'];
  let demo: DemoWorld;
  let policy: PolicyView;

  beforeAll(async () => {
    demo = await demoWorld();
    ({ store, app, cookie } = demo);
    policy = (await get('acme', '/api/v1/policies')).json().items[0];
  }, 120_000);
  afterAll(async () => demo?.close());

  const get = (who: string, url: string) =>
    app.inject({ method: 'GET', url, headers: { cookie: cookie[who] } });
  const post = (who: string, url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, headers: { cookie: cookie[who] }, payload: payload as object });
  const usd = (amount: number) => ({ amount, currency: 'USD' });

  it('demo quotes: rated and technical premium within the UW-TP-1 band, with the check on the worksheet', async () => {
    const items = (await get('northwind', '/api/v1/underwriting/quotes')).json().items as QuoteView[];
    expect(items).toHaveLength(2);
    for (const q of items) {
      const line = q.quote.worksheet.at(-1)!;
      expect(line.clause).toBe('UW-TP-1');
      expect(q.adequacy).not.toBeNull();
      expect(q.adequacy!).toBeGreaterThanOrEqual(0.5);
      expect(q.adequacy!).toBeLessThanOrEqual(2);
      expect(line.value).toBe(q.adequacy!.toFixed(4));
    }
  });

  it('refuses bad input naming the field, an insured endorsing, and another insured', async () => {
    const url = `/api/v1/policies/${policy.id}/endorsements`;
    const bad = await post('northwind', url, { effectiveDate: '2026-13-40', reason: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('effectiveDate');
    const noReason = await post('northwind', url, { effectiveDate: '2026-12-02', reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('reason');
    const backdated = await post('northwind', url, {
      effectiveDate: '2026-10-01',
      reason: 'r',
      retention: usd(5_000_000),
    });
    expect(backdated.statusCode).toBe(400);
    expect(backdated.json().error.details[0].field).toBe('effectiveDate');
    const byInsured = await post('acme', url, {
      effectiveDate: '2026-12-02',
      reason: 'we want more',
      retention: usd(5_000_000),
    });
    expect(byInsured.statusCode).toBe(403);
    const other = await post('riverside', url, { effectiveDate: '2026-12-02', reason: 'r' });
    expect(other.statusCode).toBe(404);
    const nothing = await post('northwind', url, {
      effectiveDate: '2026-12-02',
      reason: 'same terms',
      approveReferrals: true,
    });
    expect(nothing.statusCode).toBe(400);
  });

  it('a re-rating that refers is refused until the underwriter approves it, naming the rules', async () => {
    const res = await post('northwind', `/api/v1/policies/${policy.id}/endorsements`, {
      effectiveDate: '2026-12-02',
      reason: 'raise the limit above the authority',
      aggregateLimit: usd(1_000_000_000),
    });
    expect(res.statusCode, res.body).toBe(409);
    // UW-APP-4: an aggregate above the USD 5 M underwriting authority.
    expect(res.json().error.message).toMatch(
      /referred \(.*UW-APP-4.*\): an underwriter must approve it first/,
    );
    const after = (await get('northwind', `/api/v1/policies/${policy.id}`)).json() as PolicyView;
    expect(after.policy.endorsements).toHaveLength(0);
  });

  it('endorses: re-rated on the same filing, pro-rata premium for 335 of 365 days, logged and audited', async () => {
    const res = await post('northwind', `/api/v1/policies/${policy.id}/endorsements`, {
      effectiveDate: '2026-12-02',
      reason: 'insured takes a higher retention',
      retention: usd(5_000_000),
      approveReferrals: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    const v = res.json() as PolicyView;
    const e = v.policy.endorsements[0];
    expect(e.number).toBe(1);
    // Section retentions that only follow the policy retention are not repeated.
    expect(e.changes).toEqual(['retention USD 25,000.00 -> USD 50,000.00']);
    expect(v.policy.filingId).toBe(policy.policy.filingId);
    // A higher retention lowers the rate: a return premium for the 335 days left of 365.
    expect(e.annualPremiumAfter.amount).toBeLessThan(e.annualPremiumBefore.amount);
    expect([e.daysRemaining, e.daysInPeriod]).toEqual([335, 365]);
    const delta = e.annualPremiumAfter.amount - e.annualPremiumBefore.amount;
    expect(e.premiumAdjustment.amount).toBe(Math.round((delta * 335) / 365));
    expect(v.policy.premiumCharged.amount).toBe(
      policy.policy.premiumCharged.amount + e.premiumAdjustment.amount,
    );
    expect(e.documentSha256).toMatch(/^[0-9a-f]{64}$/);
    // Persisted: the insured reads it back.
    const mine = (await get('acme', `/api/v1/policies/${policy.id}`)).json() as PolicyView;
    expect(mine.policy.endorsements).toHaveLength(1);
    const entries = await store.db.select().from(tables.ledgerEntries);
    expect(
      entries.some(
        (x) =>
          x.type === 'policy_document' &&
          x.ref === policy.id &&
          JSON.stringify(x).includes(e.documentSha256!),
      ),
    ).toBe(true);
    const audits = await store.db.select().from(tables.auditLog);
    expect(audits.some((a) => a.action === 'policy.endorse' && a.entityId === policy.id)).toBe(true);
  });

  it('lists what would lower the premium for the insured, largest saving first', async () => {
    const res = await get('acme', `/api/v1/policies/${policy.id}/premium-reductions`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as PremiumReductions;
    expect(r.items.length).toBeGreaterThan(0);
    for (let i = 1; i < r.items.length; i++)
      expect(r.items[i - 1].saving.amount).toBeGreaterThanOrEqual(r.items[i].saving.amount);
    for (const x of r.items) {
      expect(x.text).toMatch(/premium −USD [\d,.]+ \(−\d+\.\d %\)/);
    }
    expect((await get('riverside', `/api/v1/policies/${policy.id}/premium-reductions`)).statusCode).toBe(404);
  });

  it('cancels with the pro-rata return premium; a second cancel is a conflict', async () => {
    const url = `/api/v1/policies/${policy.id}/cancel`;
    expect((await post('acme', url, { effectiveDate: '2027-01-01', reason: 'sold' })).statusCode).toBe(403);
    const res = await post('northwind', url, {
      effectiveDate: '2027-01-01',
      reason: 'insured sold the plant',
    });
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json() as PolicyView;
    expect(v.status).toBe('cancelled');
    const c = v.policy.cancellation!;
    // 2027-01-01 to 2027-11-02 = 305 days of 365 at the endorsed annual rate.
    expect(c.daysRemaining).toBe(305);
    expect(c.returnPremium.amount).toBe(Math.round((v.policy.annualPremium.amount * 305) / 365));
    expect(c.documentSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await post('northwind', url, { effectiveDate: '2027-01-02', reason: 'again' });
    expect(again.statusCode).toBe(409);
    const endorse = await post('northwind', `/api/v1/policies/${policy.id}/endorsements`, {
      effectiveDate: '2027-02-01',
      reason: 'too late',
      retention: usd(2_500_000),
    });
    expect(endorse.statusCode).toBe(409);
  });
});
