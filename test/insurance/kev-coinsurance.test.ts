import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganisationAssessment } from '../../src/modules/risk';
import { systemActor } from '../../src/modules/tenancy';
import {
  type AssessmentSource,
  QuoteService,
  type RequestedTerms,
  SubmissionService,
} from '../../src/modules/underwriting';
import { type Store, tables } from '../../src/store';
import { freshStore, seedWorld, type World } from '../support/harness';

const TERMS: RequestedTerms = {
  aggregateLimit: { amount: 200_000_000, currency: 'USD' },
  retention: { amount: 2_500_000, currency: 'USD' },
  waitingPeriodHours: 12,
};

/**
 * EXC-KEV in the technical premium, end to end: the same insured, seed and terms quoted twice, once
 * with a CISA KEV finding on its cameras. The KEV raises the risk score and refers the quote (rated
 * side) and, through the coinsurance the insured keeps on KEV-caused losses, the technical side says so.
 */
describe('insurance: KEV coinsurance priced in the quote', () => {
  let store: Store;
  let world: World;
  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    const { db } = world.services.store;
    await db
      .update(tables.organisations)
      .set({
        industry: 'manufacturing',
        profile: {
          annualRevenue: { amount: 3_000_000_000, currency: 'USD' },
          recordsHeld: 10_000,
          jurisdictions: ['US'],
          hourlyDowntimeCost: { amount: 500_000, currency: 'USD' },
        },
      })
      .where(eq(tables.organisations.id, world.orgs.acme));
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    for (let i = 0; i < 4; i++)
      await world.services.inventory.createDevice(ctx, {
        name: `cam-${i}`,
        kind: 'camera',
        vendor: 'Hikvision',
        product: 'DS-2CD2xx',
        ipAddresses: [],
        macAddresses: [],
        internetExposed: i === 0,
        segmentedFromOffice: false,
        criticality: 'medium',
        safetyCritical: false,
        dataHeld: 'none',
        credentialState: 'unknown',
        openServices: [],
        updateMechanism: 'unknown',
        status: 'active',
      });
  }, 60_000);
  afterAll(async () => store?.close());

  const quoteWith = async (kev: boolean) => {
    const { tenancy, risk } = world.services;
    const source: AssessmentSource = {
      describe: kev ? 'assessment with a KEV finding on every camera' : 'assessment as measured',
      load: async (ctx) => {
        const a: OrganisationAssessment = await risk.assessmentInput(ctx.scope);
        if (!kev) return a;
        return {
          ...a,
          devices: a.devices.map((x) => ({
            ...x,
            vulnerabilities: [
              ...x.vulnerabilities,
              {
                cveId: 'CVE-2021-36260',
                status: 'affected' as const,
                cvssBaseScore: 9.8,
                kev: true,
                knownRansomwareCampaignUse: false,
                epss: 0.94,
              },
            ],
          })),
        };
      },
    };
    const submissions = new SubmissionService(tenancy, world.clock, source);
    const quotes = new QuoteService(world.services.store.db, tenancy, submissions, world.clock);
    const uw = await tenancy.context(await tenancy.actorByEmail(world.users['insurer-underwriter'].email));
    return quotes.createQuote(uw, world.orgs.acme, TERMS, { years: 20_000, seed: 5 });
  };

  it('prices the raised coinsurance on KEV-caused losses and refers the KEV on an exposed device', async () => {
    const clean = await quoteWith(false);
    const withKev = await quoteWith(true);
    expect(clean.technicalPremium!.derivation).not.toContain('EXC-KEV');
    expect(withKev.technicalPremium!.derivation).toContain('EXC-KEV');
    // Every driving device has the KEV: each scenario's events are all KEV-caused (100%), at the
    // 50% cap (14-day grace, 182 days open at the average loss).
    expect(withKev.technicalPremium!.derivation).toMatch(
      /ransomware_ot 100% of events at up to 50% coinsurance/,
    );
    expect(withKev.quote.referrals.map((r) => r.ruleId)).toContain('UW-APP-1');
  });
});
