import { eq } from 'drizzle-orm';
import { tables } from '../../src/store';
import type { World } from './harness';

/** Gives Acme the underwriting profile the demo seeds (seedWorld leaves it without one): quotes need it. */
export async function giveAcmeProfile(world: World): Promise<void> {
  await world.services.store.db
    .update(tables.organisations)
    .set({
      industry: 'manufacturing',
      profile: {
        annualRevenue: { amount: 4_200_000_000, currency: 'GBP' },
        recordsHeld: 12_000,
        jurisdictions: ['GB'],
        hourlyDowntimeCost: { amount: 3_500_000, currency: 'GBP' },
      },
    })
    .where(eq(tables.organisations.id, world.orgs.acme));
}

/** Gives Acme its profile and binds a policy on it as the insurer's underwriter (approving a referral). */
export async function bindAcmePolicy(world: World) {
  await giveAcmeProfile(world);
  const { tenancy, quotes } = world.services;
  const uw = await tenancy.context(await tenancy.actorByEmail(world.users['insurer-underwriter'].email));
  const q = await quotes.createQuote(uw, world.orgs.acme, {
    aggregateLimit: { amount: 200_000_000, currency: 'USD' },
    retention: { amount: 2_500_000, currency: 'USD' },
    waitingPeriodHours: 12,
  });
  if (q.status === 'referred') await quotes.decideReferral(uw, q.id, 'approve', 'within appetite');
  return quotes.bind(uw, q.id);
}
