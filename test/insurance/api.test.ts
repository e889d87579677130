import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidPolicyNumber, type PolicyView, type QuoteView } from '../../src/modules/underwriting';
import type { Services } from '../../src/server/services';
import { type DemoWorld, demoWorld } from '../support/demo-world';

/** The demo world over HTTP: Northwind quoted both insureds on load and bound the manufacturer. */
describe('insurance API on the demo world', () => {
  let services: Services;
  let app: DemoWorld['app'];
  let cookie: DemoWorld['cookie'];
  let demo: DemoWorld;

  beforeAll(async () => {
    demo = await demoWorld();
    ({ services, app, cookie } = demo);
  }, 120_000);
  afterAll(async () => demo?.close());

  const get = (who: string, url: string) =>
    app.inject({ method: 'GET', url, headers: { cookie: cookie[who] } });

  it('the underwriter sees both insureds with quotes; the manufacturer has a policy', async () => {
    const res = await get('northwind', '/api/v1/underwriting/submissions');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as {
      insured: { slug: string };
      latestQuote: { policyId: string | null };
    }[];
    expect(items.map((i) => i.insured.slug).sort()).toEqual(['acme', 'riverside']);
    expect(items.find((i) => i.insured.slug === 'acme')?.latestQuote.policyId).toBeTruthy();
    expect(items.find((i) => i.insured.slug === 'riverside')?.latestQuote.policyId).toBeNull();
  });

  it('a quote carries the worksheet, the exceedance curve and both premiums', async () => {
    const list = (await get('northwind', '/api/v1/underwriting/quotes')).json().items as QuoteView[];
    expect(list).toHaveLength(2);
    const q = (await get('northwind', `/api/v1/underwriting/quotes/${list[0].id}`)).json() as QuoteView;
    expect(q.quote.worksheet.length).toBeGreaterThan(5);
    expect(q.simulation?.total.exceedance.length).toBeGreaterThan(3);
    expect(Number.isSafeInteger(q.premium?.amount)).toBe(true);
    expect(Number.isSafeInteger(q.technicalPremium?.premium.amount)).toBe(true);
    expect(q.submission.assessment.devicesByKind).not.toEqual({});
  });

  it('the insured reads its own policy and declarations; the other insured gets 404', async () => {
    const mine = (await get('acme', '/api/v1/policies')).json().items as PolicyView[];
    expect(mine).toHaveLength(1);
    expect(isValidPolicyNumber(mine[0].number)).toBe(true);
    const decl = await get('acme', `/api/v1/policies/${mine[0].id}/declarations`);
    expect(decl.statusCode).toBe(200);
    expect(decl.headers['content-type']).toContain('text/html');
    expect(decl.body).toContain(mine[0].number);
    expect(decl.headers['x-content-sha256']).toBe(mine[0].declarationsHash);
    expect((await get('riverside', '/api/v1/policies')).json().items).toEqual([]);
    expect((await get('riverside', `/api/v1/policies/${mine[0].id}`)).statusCode).toBe(404);
    expect((await get('riverside', `/api/v1/policies/${mine[0].id}/declarations`)).statusCode).toBe(404);
  });

  it('quote -> decision -> bind over HTTP; validation names the field', async () => {
    const riverside = (await services.tenancy.organisationBySlug('riverside')).id;
    const post = (url: string, payload: unknown) =>
      app.inject({ method: 'POST', url, headers: { cookie: cookie.northwind }, payload: payload as object });
    const bad = await post('/api/v1/underwriting/quotes', {
      insuredOrgId: riverside,
      waitingPeriodHours: 12,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('aggregateLimit');
    const created = await post('/api/v1/underwriting/quotes', {
      insuredOrgId: riverside,
      aggregateLimit: { amount: 1_000_000_000, currency: 'USD' },
      retention: { amount: 2_500_000, currency: 'USD' },
      waitingPeriodHours: 12,
      years: 2000,
    });
    expect(created.statusCode, created.body).toBe(201);
    const q = created.json() as QuoteView;
    expect(q.status).toBe('referred');
    const decided = await post(`/api/v1/underwriting/quotes/${q.id}/decision`, {
      outcome: 'approve',
      reason: 'within treaty capacity',
    });
    expect(decided.json().status).toBe('quoted');
    const bound = await post(`/api/v1/underwriting/quotes/${q.id}/bind`, {});
    expect(bound.statusCode, bound.body).toBe(201);
    const policies = (await get('riverside', '/api/v1/policies')).json().items as PolicyView[];
    expect(policies.map((p) => p.id)).toEqual([bound.json().id]);
  });
});
