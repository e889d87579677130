/** What an organisation asks cover for, with the assessment CoverWatch measured (DESIGN.md §1). */
import { z } from 'zod';
import { type ErrorDetail, invalid } from '../../../core/errors';
import { CONTROLS, type ControlName } from '../../risk';

export const moneySchema = z.object({
  amount: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer of minor units'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
});

/** Controls telemetry cannot see, named as the risk module names them (DESIGN.md §5). */
export { CONTROLS };
export type Control = ControlName;

const count = z.number().int().min(0);
const instant = z.iso.datetime({ offset: true });

export const submissionSchema = z.object({
  id: z.string().min(1).optional(),
  submittedAt: instant,
  productId: z.string().min(1),
  organisation: z.object({
    name: z.string().min(1),
    industry: z.string().min(1),
    annualRevenue: moneySchema,
    recordsHeld: count,
    /** ISO 3166-1 alpha-2 codes, or 'EU' for EU-wide regulation. The first is the home jurisdiction. */
    jurisdictions: z
      .array(z.string().regex(/^([A-Z]{2}|EU)$/, 'must be an ISO 3166-1 alpha-2 code or EU'))
      .min(1),
    hourlyDowntimeCost: moneySchema,
  }),
  requestedTerms: z.object({
    aggregateLimit: moneySchema,
    retention: moneySchema,
    waitingPeriodHours: z.number().int().min(0),
    sections: z
      .record(
        z.string(),
        z.strictObject({
          included: z.boolean().optional(),
          limit: moneySchema.optional(),
          sublimit: moneySchema.optional(),
          retention: moneySchema.optional(),
        }),
      )
      .optional(),
  }),
  assessment: z.object({
    /** Organisation risk score, 0 = lowest risk, 100 = highest. */
    riskScore: z.number().min(0).max(100),
    riskFactors: z
      .array(z.object({ name: z.string(), contribution: z.number(), detail: z.string().optional() }))
      .default([]),
    devicesByKind: z.record(z.string(), count),
    internetExposed: count,
    safetyCritical: count,
    kevOnExposed: count,
    baselines: z
      .array(z.object({ baseline: z.string().min(1), met: count, notMet: count, unknown: count }))
      .default([]),
    /** Controls the assessment measured; measured beats attested (DESIGN.md §5). */
    measuredControls: z.partialRecord(z.enum(CONTROLS), z.boolean()).optional(),
  }),
  attestedControls: z
    .array(
      z.object({
        control: z.enum(CONTROLS),
        attestedAt: instant,
        expiresAt: instant,
        evidence: z.string().min(1),
      }),
    )
    .default([]),
  priorKnownIncidents: z.array(z.object({ date: z.iso.date(), description: z.string().min(1) })).default([]),
});

export type Submission = z.infer<typeof submissionSchema>;
export type SubmissionInput = z.input<typeof submissionSchema>;

/** Parse a submission; every problem is reported with the path of the field it is about. */
export function parseSubmission(data: unknown): Submission {
  const parsed = submissionSchema.safeParse(data);
  if (!parsed.success) {
    const details: ErrorDetail[] = parsed.error.issues.map((i) => ({
      path: i.path.join('.'),
      field: i.path.join('.'),
      message: i.message,
    }));
    throw invalid(
      `submission is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  return parsed.data;
}

export const totalDevices = (s: Submission): number =>
  Object.values(s.assessment.devicesByKind).reduce((a, b) => a + b, 0);
