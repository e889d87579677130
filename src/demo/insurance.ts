import type { Money } from '../core';
import type { Services } from '../server/services';

const usd = (amount: number): Money => ({ amount, currency: 'USD' });

/**
 * Northwind's book in the demo: each insured gets a quote from its measured assessment (USD 2 M
 * aggregate, USD 25 k retention, 12 h waiting period); the manufacturer's is bound. A referred
 * quote is approved first, with the reason recorded, as an underwriter would.
 */
export async function quoteDemoInsureds(
  services: Services,
  underwriterEmail: string,
  insuredIds: readonly string[],
  bindInsuredId: string,
): Promise<{ quotes: string[]; policy: string | null }> {
  const { tenancy, quotes } = services;
  const ctx = await tenancy.context(await tenancy.actorByEmail(underwriterEmail));
  const out: { quotes: string[]; policy: string | null } = { quotes: [], policy: null };
  for (const insuredId of insuredIds) {
    let q = await quotes.createQuote(ctx, insuredId, {
      aggregateLimit: usd(200_000_000),
      retention: usd(2_500_000),
      waitingPeriodHours: 12,
    });
    out.quotes.push(q.id);
    if (insuredId !== bindInsuredId) continue;
    if (q.status === 'referred')
      q = await quotes.decideReferral(
        ctx,
        q.id,
        'approve',
        'demo: segmentation plan agreed with the insured',
      );
    if (q.status === 'quoted') out.policy = (await quotes.bind(ctx, q.id)).number;
  }
  return out;
}
