import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/modules/tenancy';
import { isValidPolicyNumber, type RequestedTerms } from '../../src/modules/underwriting';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, type World } from '../support/harness';

/** Terms inside the filing: USD 2 M aggregate (authority is USD 5 M), USD 25 k retention, 12 h. */
const TERMS: RequestedTerms = {
  aggregateLimit: { amount: 200_000_000, currency: 'USD' },
  retention: { amount: 2_500_000, currency: 'USD' },
  waitingPeriodHours: 12,
};
/** Above the USD 5 M underwriting authority: UW-APP-4 refers it. */
const BIG: RequestedTerms = { ...TERMS, aggregateLimit: { amount: 1_000_000_000, currency: 'USD' } };

async function setProfiles(world: World) {
  const { db } = world.services.store;
  const { organisations } = await import('../../src/store').then((m) => m.tables);
  const { eq } = await import('drizzle-orm');
  const profile = {
    annualRevenue: { amount: 4_200_000_000, currency: 'GBP' },
    recordsHeld: 12_000,
    jurisdictions: ['GB'],
    hourlyDowntimeCost: { amount: 3_500_000, currency: 'GBP' },
  };
  for (const id of [world.orgs.acme, world.orgs.clinic])
    await db
      .update(organisations)
      .set({ industry: 'manufacturing', profile })
      .where(eq(organisations.id, id));
  const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
  for (let i = 0; i < 6; i++) {
    await world.services.inventory.createDevice(ctx, {
      name: `plc-${i}`,
      kind: i < 3 ? 'plc' : 'camera',
      vendor: 'Acme',
      product: 'Controller',
      internetExposed: i === 0,
      credentialState: i < 2 ? 'default' : 'unique',
      safetyCritical: i < 3,
    } as never);
  }
}

async function ctxOf(world: World, key: string, orgId?: string) {
  const { tenancy } = world.services;
  const actor = await tenancy.actorByEmail(world.users[key].email);
  return tenancy.context(actor, orgId);
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`insurance: quote, refer, bind (${kind})`, () => {
    let store: Store;
    let world: World;
    beforeAll(async () => {
      store = await freshStore(kind);
      world = await seedWorld(store);
      await setProfiles(world);
    }, 60_000);
    afterAll(async () => store?.close());

    it('quotes from the profile and the measured assessment: worksheet, integer premium, technical premium', async () => {
      const uw = await ctxOf(world, 'insurer-underwriter');
      const q = await world.services.quotes.createQuote(uw, world.orgs.acme, TERMS, {
        years: 5_000,
        seed: 7,
      });
      expect(q.status).toBe('quoted');
      expect(q.premium?.currency).toBe('USD');
      expect(Number.isSafeInteger(q.premium?.amount)).toBe(true);
      expect(q.premium?.amount).toBeGreaterThan(0);
      // The worksheet ends at the premium, and the profile was converted once from GBP.
      expect(q.quote.worksheet.length).toBeGreaterThan(5);
      expect(q.quote.worksheet.at(-1)?.premiumAfter).toEqual(q.premium);
      expect(q.basis.conversion).toMatchObject({ from: 'GBP', to: 'USD' });
      expect(q.submission.organisation.annualRevenue.currency).toBe('USD');
      expect(q.submission.assessment.devicesByKind).toEqual({ plc: 3, camera: 3 });
      expect(q.submission.assessment.internetExposed).toBe(1);
      expect(Number.isSafeInteger(q.technicalPremium?.premium.amount)).toBe(true);
      expect(q.simulation?.total.exceedance.length).toBeGreaterThan(3);
      expect(q.simulation?.years).toBe(5_000);
      expect(q.referralState).toBe('none');
      // The quote is readable by the insurer and by the insured it is addressed to; not by the other.
      const acme = await ctxOf(world, 'acme-viewer');
      expect((await world.services.quotes.getQuote(acme, q.id)).premium).toEqual(q.premium);
      const clinic = await ctxOf(world, 'clinic-admin');
      await expect(world.services.quotes.getQuote(clinic, q.id)).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('the same seed gives identical results; another seed a different technical premium', async () => {
      const uw = await ctxOf(world, 'insurer-underwriter');
      const a = await world.services.quotes.createQuote(uw, world.orgs.acme, TERMS, {
        years: 4_000,
        seed: 11,
      });
      const b = await world.services.quotes.createQuote(uw, world.orgs.acme, TERMS, {
        years: 4_000,
        seed: 11,
      });
      const c = await world.services.quotes.createQuote(uw, world.orgs.acme, TERMS, {
        years: 4_000,
        seed: 12,
      });
      expect(b.technicalPremium).toEqual(a.technicalPremium);
      expect(b.simulation?.total).toEqual(a.simulation?.total);
      expect(b.premium).toEqual(a.premium);
      expect(c.simulation?.total.mean).not.toBe(a.simulation?.total.mean);
    });

    it('refers above the underwriting authority; the decision, reason and who are recorded', async () => {
      const uw = await ctxOf(world, 'insurer-underwriter');
      const q = await world.services.quotes.createQuote(uw, world.orgs.acme, BIG, { years: 2_000 });
      expect(q.status).toBe('referred');
      expect(q.referralState).toBe('pending');
      expect(q.quote.referrals.map((r) => r.ruleId)).toContain('UW-APP-4');
      await expect(world.services.quotes.bind(uw, q.id)).rejects.toMatchObject({ kind: 'conflict' });
      const viewer = await ctxOf(world, 'insurer-viewer');
      await expect(
        world.services.quotes.decideReferral(viewer, q.id, 'approve', 'fine'),
      ).rejects.toMatchObject({ kind: 'forbidden' });
      const acmeAdmin = await ctxOf(world, 'acme-admin');
      await expect(
        world.services.quotes.decideReferral(acmeAdmin, q.id, 'approve', 'self-approval'),
      ).rejects.toMatchObject({ kind: 'forbidden' });
      const d = await world.services.quotes.decideReferral(
        uw,
        q.id,
        'approve',
        'reinsurance treaty covers it',
      );
      expect(d.status).toBe('quoted');
      expect(d.referralState).toBe('approved');
      expect(d.referralDecision).toEqual({
        outcome: 'approve',
        reason: 'reinsurance treaty covers it',
        decidedBy: world.users['insurer-underwriter'].email,
      });
      await expect(
        world.services.quotes.decideReferral(uw, q.id, 'decline', 'changed my mind'),
      ).rejects.toMatchObject({ kind: 'conflict' });

      const q2 = await world.services.quotes.createQuote(uw, world.orgs.acme, BIG, { years: 2_000 });
      const declined = await world.services.quotes.decideReferral(uw, q2.id, 'decline', 'too large a line');
      expect(declined.status).toBe('declined');
      await expect(world.services.quotes.bind(uw, q2.id)).rejects.toMatchObject({ kind: 'conflict' });
    });

    it('binds into a policy: number, relation, declarations; the insured reads it, the other insured cannot', async () => {
      const uw = await ctxOf(world, 'insurer-underwriter');
      const q = await world.services.quotes.createQuote(uw, world.orgs.acme, TERMS, { years: 2_000 });
      const p = await world.services.quotes.bind(uw, q.id);
      expect(isValidPolicyNumber(p.number)).toBe(true);
      expect(p.premium).toEqual(q.premium);
      expect(p.insuredOrgId).toBe(world.orgs.acme);
      await expect(world.services.quotes.bind(uw, q.id)).rejects.toMatchObject({ kind: 'conflict' });

      const { insurerRelations } = (await import('../../src/store')).tables;
      const rels = await store.db.select().from(insurerRelations);
      expect(
        rels.some((r) => r.insuredOrgId === world.orgs.acme && r.basis === 'policy' && r.basisRef === p.id),
      ).toBe(true);

      const acme = await ctxOf(world, 'acme-viewer');
      const mine = await world.services.quotes.listPolicies(acme);
      expect(mine.map((x) => x.id)).toEqual([p.id]);
      const d = await world.services.quotes.declarations(acme, p.id);
      expect(d.html).toContain(p.number);
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(d.html).digest('hex')).toBe(p.declarationsHash);

      const clinic = await ctxOf(world, 'clinic-admin');
      await expect(world.services.quotes.getPolicy(clinic, p.id)).rejects.toMatchObject({
        kind: 'not_found',
      });
      await expect(world.services.quotes.declarations(clinic, p.id)).rejects.toMatchObject({
        kind: 'not_found',
      });
      expect(await world.services.quotes.listPolicies(clinic)).toEqual([]);

      // The declarations hash is evidence in the insurer's ledger.
      const { ledgerEntries } = (await import('../../src/store')).tables;
      const entries = await store.db.select().from(ledgerEntries);
      expect(entries.some((e) => e.type === 'policy_document' && e.ref === p.id)).toBe(true);
    });

    it('an insurer cannot quote an insured it holds no relation with (not found)', async () => {
      const uw = await ctxOf(world, 'insurer-underwriter');
      await expect(
        world.services.quotes.createQuote(uw, world.orgs.clinic, TERMS, { years: 1_000 }),
      ).rejects.toMatchObject({ kind: 'not_found' });
    });
  });
}
