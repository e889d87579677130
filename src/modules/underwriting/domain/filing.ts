/** Rate filings: versioned rate tables and underwriting rules as data (data/rate-filings/*.json). */
import { z } from 'zod';
import { invalid } from '../../../core/errors';

const minor = z.number().int().min(0);
const point = z.tuple([z.number(), z.number()]);
const table = z.object({
  clause: z.string(),
  interpolation: z.enum(['linear', 'log']),
  clamp: z.boolean().optional(),
  points: z.array(point).min(2),
  source: z.string(),
});

export const rateFilingSchema = z.object({
  id: z.string().min(1),
  product: z.string().min(1),
  version: z.string().min(1),
  effectiveDate: z.iso.date(),
  expiryDate: z.iso.date().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  notes: z.string().optional(),
  reference: z.object({ clause: z.string(), limitMinor: minor, retentionMinor: minor, source: z.string() }),
  revenueBands: z
    .array(
      z.object({
        clause: z.string(),
        floorMinor: minor,
        upToMinor: minor,
        basePremiumMinor: minor,
        ratePerMillionMinor: minor,
      }),
    )
    .min(1),
  revenueBandsSource: z.string(),
  industries: z.array(
    z.object({
      clause: z.string(),
      industry: z.string(),
      factor: z.number().positive(),
      minWaitingPeriodHours: z.number().int().min(0),
    }),
  ),
  industriesSource: z.string(),
  increasedLimitFactors: table,
  retentionFactors: table,
  sectionWeights: z.object({
    clause: z.string(),
    weights: z.record(z.string(), z.number().min(0).max(1)),
    regulatoryPenaltyShare: z.number().min(0).max(1),
    source: z.string(),
  }),
  waitingPeriod: table,
  downtimeIntensity: table,
  recordsHeld: table,
  securityModifier: table,
  iotExposure: z.object({
    fleet: table.extend({ kindWeights: z.record(z.string(), z.number().min(0)) }),
    internetExposed: z.object({ clause: z.string(), perShare: z.number().min(0), source: z.string() }),
    safetyCritical: z.object({
      clause: z.string(),
      perDevice: z.number().min(0),
      max: z.number().min(0),
      source: z.string(),
    }),
  }),
  complianceCredit: z.object({ clause: z.string(), maxCredit: z.number().min(0).max(1), source: z.string() }),
  controls: z.array(
    z.object({ clause: z.string(), control: z.string(), factor: z.number().positive(), source: z.string() }),
  ),
  minimumPremium: z.object({ clause: z.string(), amountMinor: minor, source: z.string() }),
  technicalPremium: z.object({
    clause: z.string(),
    targetLossRatio: z.number().gt(0).max(1),
    fixedExpenseLoadMinor: minor,
    source: z.string(),
    /** Rated / technical outside [min, max] refers the quote (the two disagree too much to trust either). */
    adequacyBand: z
      .object({ clause: z.string(), min: z.number().gt(0), max: z.number().gt(0), source: z.string() })
      .optional(),
  }),
  quoteValidityDays: z.number().int().positive(),
  rules: z.object({
    minimumRetention: z.object({
      clause: z.string(),
      bands: z.array(z.object({ revenueUpToMinor: minor, minRetentionMinor: minor })).min(1),
      source: z.string(),
    }),
    extortionSublimit: z.object({
      clause: z.string(),
      maxShareOfAggregate: z.number().gt(0).max(1),
      maxMinor: minor,
      source: z.string(),
    }),
    waitingPeriod: z.object({
      clause: z.string(),
      maxHours: z.number().int().positive(),
      source: z.string(),
    }),
    appetite: z.object({
      kevOnExposed: z.object({
        clause: z.string(),
        referAtOrAbove: z.number().int().min(1),
        source: z.string(),
      }),
      revenueAboveTopBand: z.object({ clause: z.string(), source: z.string() }),
      riskScore: z.object({
        clause: z.string(),
        referAtOrAbove: z.number().min(0).max(100),
        source: z.string(),
      }),
      aggregateLimit: z.object({ clause: z.string(), referAboveMinor: minor, source: z.string() }),
    }),
  }),
  jurisdictions: z.object({
    clause: z.string(),
    unknownDefault: z.enum(['yes', 'no', 'uncertain']),
    rules: z.array(
      z.object({
        code: z.string(),
        penaltiesInsurable: z.enum(['yes', 'no', 'uncertain']),
        source: z.string(),
      }),
    ),
    source: z.string(),
  }),
});

export type RateFiling = z.infer<typeof rateFilingSchema>;
export type RateTable = z.infer<typeof table>;
export type PenaltiesInsurable = 'yes' | 'no' | 'uncertain';

const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

/** Parse a rate filing; a table out of order or a revenue band with a gap is a filing error. */
export function parseRateFiling(data: unknown): RateFiling {
  const parsed = rateFilingSchema.safeParse(data);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw invalid(
      `rate filing is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  const f = parsed.data;
  const tables: [string, RateTable][] = [
    ['increasedLimitFactors', f.increasedLimitFactors],
    ['retentionFactors', f.retentionFactors],
    ['waitingPeriod', f.waitingPeriod],
    ['downtimeIntensity', f.downtimeIntensity],
    ['recordsHeld', f.recordsHeld],
    ['securityModifier', f.securityModifier],
    ['iotExposure.fleet', f.iotExposure.fleet],
  ];
  for (const [name, t] of tables) {
    if (!ascending(t.points.map((p) => p[0]))) {
      throw invalid(`rate filing table ${name} must have strictly ascending points`, [
        { path: `${name}.points`, message: 'not strictly ascending' },
      ]);
    }
    if (t.interpolation === 'log' && t.points[0][0] <= 0) {
      throw invalid(`rate filing table ${name} is log-interpolated and needs positive points`, [
        { path: `${name}.points[0]`, message: 'must be positive' },
      ]);
    }
  }
  f.revenueBands.forEach((b, i) => {
    const expectedFloor = i === 0 ? 0 : f.revenueBands[i - 1].upToMinor;
    if (b.floorMinor !== expectedFloor || b.upToMinor <= b.floorMinor) {
      throw invalid(`revenue band ${b.clause} must start where the previous band ends`, [
        { path: `revenueBands[${i}]`, message: `floor ${b.floorMinor}, expected ${expectedFloor}` },
      ]);
    }
  });
  const weightSum = Object.values(f.sectionWeights.weights).reduce((a, b) => a + b, 0);
  if (Math.abs(weightSum - 1) > 1e-9) {
    throw invalid(`section weights must sum to 1, got ${weightSum}`, [
      { path: 'sectionWeights.weights', message: 'must sum to 1' },
    ]);
  }
  return f;
}
