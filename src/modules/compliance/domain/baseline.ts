import { z } from 'zod';
import { invalid } from '../../../core/errors';
import etsi from '../baselines/etsi-en-303-645.json';
import cra from '../baselines/eu-cra-annex-i.json';
import nistir from '../baselines/nistir-8259a.json';
import psti from '../baselines/uk-psti.json';

/**
 * Baselines are data (../baselines/*.json). Each requirement carries an evaluation rule, also data,
 * naming the device facts, configuration finding ids, vulnerability findings or attestations that
 * decide it. A requirement without a rule is 'unknown' unless attested.
 */
export const FACT_NAMES = [
  'kind',
  'vendor',
  'product',
  'model',
  'firmwareVersion',
  'internetExposed',
  'networkSegment',
  'segmentedFromOffice',
  'criticality',
  'safetyCritical',
  'dataHeld',
  'credentialState',
  'supportEndDate',
  'secureBoot',
  'encryptedTransport',
  'updateMechanism',
] as const;
export type FactName = (typeof FACT_NAMES)[number];

export type Rule =
  /** met when the fact is one of `met`, not met when one of `notMet`, otherwise unknown. */
  | { fact: FactName; met: unknown[]; notMet: unknown[] }
  /** met when the fact is known (not null); never not met. */
  | { factPresent: FactName }
  /** not met when the date is before the assessment date; met when on or after; unknown when null. */
  | { dateNotPassed: 'supportEndDate' }
  /** not met when any of these configuration findings is present, met otherwise. */
  | { noFindings: string[] }
  /**
   * Vulnerability findings: 'affected' = any affected finding; 'kev-overdue' = an affected KEV
   * finding past its KEV due date. Not met when present; unknown when only needs_review findings
   * exist or the firmware is unknown; met otherwise.
   */
  | { noVulnerabilities: 'affected' | 'kev-overdue' }
  | { attestation: string }
  | { all: Rule[] }
  | { any: Rule[] }
  /** The first rule that decides (met or not met) wins: measured first, attested after. */
  | { first: Rule[] }
  /** The fact can show failure but not success: met becomes unknown. */
  | { onlyNotMet: Rule }
  | { onlyMet: Rule }
  /** Applies `apply` only when the fact is one of `in`; otherwise the result is `otherwise`. */
  | { ifFact: { fact: FactName; in: unknown[] }; apply: Rule; otherwise: 'met' | 'unknown' };

const factName = z.enum(FACT_NAMES);
const rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ fact: factName, met: z.array(z.unknown()), notMet: z.array(z.unknown()) }).strict(),
    z.object({ factPresent: factName }).strict(),
    z.object({ dateNotPassed: z.literal('supportEndDate') }).strict(),
    z.object({ noFindings: z.array(z.string().regex(/^CFG-[A-Z-]+$/)).min(1) }).strict(),
    z.object({ noVulnerabilities: z.enum(['affected', 'kev-overdue']) }).strict(),
    z.object({ attestation: z.string().min(1) }).strict(),
    z.object({ all: z.array(rule).min(1) }).strict(),
    z.object({ any: z.array(rule).min(1) }).strict(),
    z.object({ first: z.array(rule).min(1) }).strict(),
    z.object({ onlyNotMet: rule }).strict(),
    z.object({ onlyMet: rule }).strict(),
    z
      .object({
        ifFact: z.object({ fact: factName, in: z.array(z.unknown()) }),
        apply: rule,
        otherwise: z.enum(['met', 'unknown']),
      })
      .strict(),
  ]),
);

const requirement = z
  .object({
    id: z.string().min(1),
    group: z.string(),
    groupTitle: z.string(),
    title: z.string().min(1),
    text: z.string().min(1),
    modality: z.enum(['shall', 'should']).optional(),
    source: z.string().min(1),
    rule: rule.optional(),
  })
  .strict();

const baseline = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string(),
    version: z.string(),
    source: z.string(),
    requirements: z.array(requirement).min(1),
  })
  .strict();

export type Requirement = z.infer<typeof requirement>;
export type Baseline = z.infer<typeof baseline>;

/** Validate a baseline document; errors name the requirement and field. */
export function parseBaseline(input: unknown): Baseline {
  const r = baseline.safeParse(input);
  if (!r.success)
    throw invalid(
      `baseline: ${r.error.issues.length} problem(s)`,
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  const ids = new Set<string>();
  for (const q of r.data.requirements) {
    if (ids.has(q.id))
      throw invalid(`baseline ${r.data.id}: duplicate requirement ${q.id}`, [
        { field: 'id', message: 'duplicate' },
      ]);
    ids.add(q.id);
  }
  return r.data;
}

let cache: Baseline[] | null = null;

/** The four shipped baselines, validated once. */
export function builtInBaselines(): Baseline[] {
  cache ??= [etsi, psti, nistir, cra].map(parseBaseline);
  return cache;
}

export function baselineById(id: string): Baseline | undefined {
  return builtInBaselines().find((b) => b.id === id);
}
