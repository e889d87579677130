/** Products and their coverage sections, as data (data/products/*.json) checked at load. */
import { z } from 'zod';
import { invalid } from '../../../core/errors';
import { LOSS_SECTIONS } from '../../risk';

const coinsuranceRuleSchema = z.object({
  graceDays: z.number().int().min(0),
  periodDays: z.number().int().min(1),
  stepShare: z.number().min(0).max(1),
  maxShare: z.number().min(0).max(1),
});

export const productSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  version: z.string().min(1),
  notes: z.string().optional(),
  sections: z
    .array(
      z.object({
        id: z.string().min(1),
        name: z.string().min(1),
        party: z.enum(['first', 'third']),
        respondsTo: z.enum(LOSS_SECTIONS),
        description: z.string(),
        defaultSublimitShare: z.number().gt(0).max(1),
        defaultCoinsurance: z.number().min(0).lt(1),
        hasWaitingPeriod: z.boolean().optional(),
        exclusions: z.array(z.string()),
      }),
    )
    .min(1),
  panelServices: z.array(
    z.object({
      id: z.string(),
      service: z.enum(['forensics', 'technical_support', 'legal_advice']),
      name: z.string(),
      description: z.string(),
      providers: z.array(z.string()),
    }),
  ),
  exclusions: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      summary: z.string(),
      source: z.string(),
      coinsuranceRule: coinsuranceRuleSchema.optional(),
    }),
  ),
});

export type Product = z.infer<typeof productSchema>;
export type CoverageSection = Product['sections'][number];
export type CoinsuranceRule = z.infer<typeof coinsuranceRuleSchema>;

/** Parse product data; cross-checks that zod cannot express are reported with the offending path. */
export function parseProduct(data: unknown): Product {
  const parsed = productSchema.safeParse(data);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw invalid(
      `product data is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  const product = parsed.data;
  const exclusionIds = new Set(product.exclusions.map((e) => e.id));
  const seen = new Set<string>();
  product.sections.forEach((s, i) => {
    if (seen.has(s.id))
      throw invalid(`duplicate section id ${s.id}`, [{ path: `sections[${i}].id`, message: 'duplicate' }]);
    seen.add(s.id);
    s.exclusions.forEach((x, j) => {
      if (!exclusionIds.has(x)) {
        throw invalid(`section ${s.id} names unknown exclusion ${x}`, [
          { path: `sections[${i}].exclusions[${j}]`, message: `unknown exclusion ${x}` },
        ]);
      }
    });
  });
  return product;
}

/**
 * The insured's coinsurance share for a loss that arose from a KEV vulnerability left unpatched for
 * `daysUnpatched` days (policy wording EXC-KEV): the base share up to the grace period, then one step
 * more for every started period past it, capped at the maximum. Grace period per CISA BOD 22-01.
 */
export function kevCoinsuranceShare(base: number, daysUnpatched: number, rule: CoinsuranceRule): number {
  const past = daysUnpatched - rule.graceDays;
  if (past <= 0) return base;
  const steps = Math.ceil(past / rule.periodDays);
  // Shares are stated in whole percent steps; keep 4 decimals so 0.1 + 0.2 stays 0.3.
  return Math.min(rule.maxShare, Math.round((base + steps * rule.stepShare) * 10_000) / 10_000);
}
