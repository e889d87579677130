/**
 * Offline runner behind `coverwatch quote --submission FILE [--scenarios FILE] --json`: read a
 * submission, rate it against the filing in force on its date and, when FAIR scenarios are given,
 * price the quoted terms from a seeded simulation so the technical premium stands beside the rated one.
 */
import { readFile } from 'node:fs/promises';
import { type AppError, type ErrorDetail, invalid } from '../../core/errors';
import { formatMoney, type Money } from '../../core/money';
import { parseScenarioFile, simulate } from '../risk';
import { filingInForce, rateFilings } from './domain/catalogue';
import type { RateFiling } from './domain/filing';
import {
  adequacy,
  type InsuredLossResult,
  insuredLoss,
  type TechnicalPremium,
  technicalPremium,
} from './domain/insured-loss';
import { type QuoteStatus, rate, type WorksheetLine } from './domain/rating';
import type { Referral } from './domain/rules';
import { parseSubmission } from './domain/submission';
import { checkAgainstTechnical } from './domain/technical-check';
import type { QuotedTerms } from './domain/terms';

export interface QuoteFileOptions {
  /** A FAIR scenario file (risk module format) for the technical premium. */
  scenariosPath?: string;
  years?: number;
  seed?: number;
  /** Filings to choose from; defaults to the shipped ones. */
  filings?: readonly RateFiling[];
}

export interface QuoteFileResult {
  status: QuoteStatus;
  submissionId: string | null;
  insured: string;
  filing: { id: string; version: string; effectiveDate: string; currency: string };
  premium: Money | null;
  premiumText: string | null;
  worksheet: WorksheetLine[];
  referrals: Referral[];
  errors: { kind: string; message: string; details: ErrorDetail[] }[];
  terms: QuotedTerms | null;
  technical: {
    years: number;
    seed: number;
    events: number;
    insuredLoss: Omit<InsuredLossResult, 'annualInsured'>;
    premium: TechnicalPremium;
    /** Rated premium / technical premium. */
    adequacy: number | null;
  } | null;
}

const plainError = (e: AppError) => ({ kind: e.kind, message: e.message, details: e.details });

/** Line of a character offset (1-based), for JSON syntax errors. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

async function readText(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw invalid(`cannot read ${path}: ${(e as Error).message}`, [{ field, message: (e as Error).message }]);
  }
}

/** Parse submission JSON text; errors name the line and offset (syntax) or the field (shape). */
export function parseSubmissionText(text: string, name = 'submission') {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    const detail: ErrorDetail = { message };
    if (m) {
      detail.offset = Number(m[1]);
      detail.line = lineAt(text, detail.offset);
    }
    throw invalid(`${name} is not valid JSON${detail.line ? ` (line ${detail.line})` : ''}: ${message}`, [
      detail,
    ]);
  }
  return parseSubmission(json);
}

export async function quoteSubmissionFile(
  path: string,
  options: QuoteFileOptions = {},
): Promise<QuoteFileResult> {
  const submission = parseSubmissionText(await readText(path, 'submission'), path);
  const on = new Date(submission.submittedAt);
  const filing = filingInForce(submission.productId, on, options.filings ?? rateFilings);
  if (!filing) {
    throw invalid(
      `rule UW-FIL-1: no rate filing for product ${submission.productId} is in force on ${submission.submittedAt.slice(0, 10)}`,
      [{ field: 'submittedAt', message: 'no filing in force' }],
    );
  }
  let r = rate(submission, filing);
  let technical: QuoteFileResult['technical'] = null;
  if (options.scenariosPath && r.terms && r.status !== 'invalid') {
    const file = parseScenarioFile(await readText(options.scenariosPath, 'scenarios'), options.scenariosPath);
    const years = options.years ?? 10_000;
    const seed = options.seed ?? 1;
    const sim = simulate(file.scenarios, { years, seed, currency: file.currency });
    const full = insuredLoss(sim, r.terms);
    const { annualInsured: _, ...loss } = full;
    const tp = technicalPremium(full, filing);
    technical = {
      years,
      seed,
      events: sim.events.count,
      insuredLoss: loss,
      premium: tp,
      adequacy: r.premium ? adequacy(r.premium, tp.premium) : null,
    };
    r = checkAgainstTechnical(r, tp, filing);
  }
  return {
    status: r.status,
    submissionId: submission.id ?? null,
    insured: submission.organisation.name,
    filing: {
      id: filing.id,
      version: filing.version,
      effectiveDate: filing.effectiveDate,
      currency: filing.currency,
    },
    premium: r.premium,
    premiumText: r.premium ? formatMoney(r.premium) : null,
    worksheet: r.worksheet,
    referrals: r.referrals,
    errors: r.errors.map(plainError),
    terms: r.terms,
    technical,
  };
}

/** Terminal rendering of a quote result (the CLI prints JSON with --json). */
export function formatQuoteResult(q: QuoteFileResult): string {
  const out = [
    `${q.insured}: ${q.status}${q.premiumText ? `, premium ${q.premiumText}` : ''} (filing ${q.filing.id} v${q.filing.version})`,
  ];
  for (const e of q.errors) out.push(`  error   ${e.message}`);
  for (const r of q.referrals) out.push(`  ${r.action.padEnd(7)} ${r.ruleId}: ${r.reason}`);
  if (q.worksheet.length) {
    out.push(
      '',
      `${'#'.padStart(3)}  ${'clause'.padEnd(8)} ${'factor'.padEnd(36)} ${'value'.padStart(16)} ${'premium'.padStart(18)}`,
    );
    for (const l of q.worksheet) {
      out.push(
        `${String(l.step).padStart(3)}  ${l.clause.padEnd(8)} ${l.name.slice(0, 36).padEnd(36)} ${l.value.padStart(16)} ${formatMoney(l.premiumAfter).padStart(18)}`,
      );
      out.push(`     ${l.derivation}`);
    }
  }
  if (q.technical) {
    const t = q.technical;
    out.push(
      '',
      `technical premium ${formatMoney(t.premium.premium)} = expected insured loss ${formatMoney(t.premium.expectedInsuredLoss)} / ${t.premium.targetLossRatio} + expense ${formatMoney(t.premium.expenseLoad)} (${t.years.toLocaleString('en-US')} years, seed ${t.seed})`,
      `gross ${formatMoney(t.insuredLoss.grossMean)}; not covered ${formatMoney(t.insuredLoss.notCoveredMean)}; uninsurable fines ${formatMoney(t.insuredLoss.uninsurableMean)}; waiting period ${formatMoney(t.insuredLoss.waitingPeriodMean)}; retention ${formatMoney(t.insuredLoss.retentionMean)}; coinsurance ${formatMoney(t.insuredLoss.coinsuranceMean)}; over limits ${formatMoney(t.insuredLoss.eventLimitMean)} / sublimits ${formatMoney(t.insuredLoss.sublimitMean)} / aggregate ${formatMoney(t.insuredLoss.aggregateMean)}`,
      `rated / technical = ${t.adequacy?.toFixed(4) ?? 'n/a'}`,
    );
  }
  return out.join('\n');
}
