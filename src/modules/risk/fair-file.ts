import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type ErrorDetail, invalid } from '../../core/errors';
import { annualLossBySection, type FairScenario, simulate } from './domain/fair';
import { LOSS_SECTIONS, type LossSection, type LossSummary, SECTION_COUNT } from './domain/fair-types';

/**
 * Offline runner behind `coverwatch fair --scenarios FILE --years N --seed S [--json]`.
 * The file is JSON: either an array of scenarios, or { "currency": "USD", "scenarios": [...] }, each
 * scenario shaped like FairScenario (domain/fair.ts).
 */

const nonNegative = z.number().finite().min(0);
const probability = z.number().min(0).max(1);
const pert = z.strictObject({
  dist: z.literal('pert'),
  min: nonNegative,
  mode: nonNegative,
  max: nonNegative,
  lambda: nonNegative.optional(),
});
const magnitude = z.union([
  z.strictObject({ dist: z.literal('constant'), value: nonNegative }),
  pert,
  z.strictObject({
    dist: z.literal('lognormal'),
    mu: z.number().finite(),
    sigma: nonNegative,
    cap: nonNegative.optional(),
  }),
  z.strictObject({
    dist: z.literal('lognormal'),
    median: z.number().positive(),
    p90: z.number().positive(),
    cap: nonNegative.optional(),
  }),
]);
const gated = z.strictObject({ probability, magnitude });
const scenarioSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  threatEventFrequency: z.union([z.strictObject({ dist: z.literal('poisson'), rate: nonNegative }), pert]),
  vulnerability: probability,
  primary: z.strictObject({
    incidentResponse: magnitude.optional(),
    outageHours: magnitude.optional(),
    hourlyDowntimeCost: magnitude.optional(),
    restoration: magnitude.optional(),
    extortion: gated.optional(),
  }),
  secondary: z
    .strictObject({
      probability,
      notification: z.strictObject({ records: magnitude, costPerRecord: magnitude }).optional(),
      regulatory: gated.optional(),
      liability: gated.optional(),
    })
    .optional(),
});
const fileSchema = z.union([
  z.array(scenarioSchema).min(1),
  z.strictObject({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
      .default('USD'),
    scenarios: z.array(scenarioSchema).min(1),
  }),
]);

export interface ScenarioFile {
  currency: string;
  scenarios: FairScenario[];
}

/** Line and column (1-based) of a character offset, for error messages. */
function lineOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Offset of the first syntax error in `text` (RFC 8259 grammar), for parsers whose message has no
 * position (V8 reports none for some errors). -1 if the text is valid JSON.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else throw i;
  };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) throw i;
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) throw i;
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) throw i;
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw i;
        str();
        ws();
        if (text[i] !== ':') throw i;
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else throw i;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else throw i;
      }
    }
    if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

/** Parse and validate a scenario file's text; errors name the line (bad JSON) or the field. */
export function parseScenarioFile(text: string, name = 'scenarios file'): ScenarioFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const detail: ErrorDetail = { message };
    const offset = jsonErrorOffset(text);
    if (offset >= 0) {
      detail.offset = offset;
      detail.line = lineOf(text, offset).line;
    }
    throw invalid(`${name} is not valid JSON${detail.line ? ` (line ${detail.line})` : ''}: ${message}`, [
      detail,
    ]);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw invalid(
      `${name}: ${details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  const v = parsed.data;
  return Array.isArray(v)
    ? { currency: 'USD', scenarios: v as FairScenario[] }
    : { currency: v.currency, scenarios: v.scenarios as FairScenario[] };
}

export interface FairReport {
  years: number;
  seed: number;
  currency: string;
  lossEvents: number;
  elapsedMs: number;
  total: { summary: LossSummary; bySection: Record<LossSection, number> };
  scenarios: {
    id: string;
    name: string;
    lossEventsPerYear: number;
    summary: LossSummary;
    bySection: Record<LossSection, number>;
  }[];
}

/** Simulate a parsed scenario file; the report holds summaries, not the per-event arrays. */
export function runScenarioFile(file: ScenarioFile, years: number, seed: number): FairReport {
  const t0 = performance.now();
  const r = simulate(file.scenarios, { years, seed, currency: file.currency });
  const elapsedMs = performance.now() - t0;
  const S = r.scenarios.length;
  const sums = new Float64Array(S * SECTION_COUNT);
  const events = new Float64Array(S);
  const { loss, scenario, count } = r.events;
  for (let e = 0; e < count; e++) {
    const s = scenario[e];
    events[s]++;
    for (let k = 0; k < SECTION_COUNT; k++) sums[s * SECTION_COUNT + k] += loss[e * SECTION_COUNT + k];
  }
  const bySection = (s: number) =>
    Object.fromEntries(LOSS_SECTIONS.map((name, k) => [name, sums[s * SECTION_COUNT + k] / years])) as Record<
      LossSection,
      number
    >;
  return {
    years,
    seed,
    currency: r.currency,
    lossEvents: count,
    elapsedMs,
    total: { summary: r.summary, bySection: annualLossBySection(r) },
    scenarios: r.scenarios.map((sc, s) => ({
      id: sc.id,
      name: sc.name,
      lossEventsPerYear: events[s] / years,
      summary: sc.summary,
      bySection: bySection(s),
    })),
  };
}

export interface FairFileOptions {
  scenariosPath: string;
  years: number;
  seed: number;
}

/** Read, validate and simulate a scenario file. */
export async function runFairFile(options: FairFileOptions): Promise<FairReport> {
  let text: string;
  try {
    text = await readFile(options.scenariosPath, 'utf8');
  } catch (e) {
    throw invalid(`cannot read ${options.scenariosPath}: ${(e as Error).message}`, [
      { field: 'scenarios', message: (e as Error).message },
    ]);
  }
  return runScenarioFile(parseScenarioFile(text, options.scenariosPath), options.years, options.seed);
}

/** Plain-text rendering of a report for the terminal (the CLI prints JSON with --json). */
export function formatFairReport(r: FairReport): string {
  const money = (x: number) => `${r.currency} ${Math.round(x).toLocaleString('en-US')}`;
  const row = (name: string, s: LossSummary) =>
    `${name.padEnd(34)} ${money(s.mean).padStart(18)} ${money(s.p50).padStart(18)} ${money(s.p90).padStart(18)} ${money(s.p99).padStart(18)}`;
  const lines = [
    `${r.years.toLocaleString('en-US')} simulated years, seed ${r.seed}, ${r.lossEvents.toLocaleString('en-US')} loss events, ${Math.round(r.elapsedMs)} ms`,
    `${'scenario'.padEnd(34)} ${'mean (ALE)'.padStart(18)} ${'P50'.padStart(18)} ${'P90'.padStart(18)} ${'P99'.padStart(18)}`,
    ...r.scenarios.map((s) => row(s.name, s.summary)),
    row('total', r.total.summary),
    '',
    'loss exceedance (total): probability that annual loss exceeds',
    ...r.total.summary.exceedance.map(
      (p) => `  ${money(p.loss).padStart(22)}  ${(p.probability * 100).toFixed(2)}%`,
    ),
  ];
  return lines.join('\n');
}
