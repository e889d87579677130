import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors';
import { manufacturerSubmission } from './domain/fixtures';
import { quoteSubmissionFile } from './quote-file';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, 'data/examples/submission-manufacturer.json');
const scenarios = join(here, '../risk/data/example-scenarios.json');
const tmp = mkdtempSync(join(tmpdir(), 'cw-quote-'));
const write = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e;
  }
  throw new Error('expected an AppError');
};

describe('quoteSubmissionFile', () => {
  it('rates the example file exactly as quote A was worked by hand', async () => {
    expect(JSON.parse(readFileSync(example, 'utf8'))).toEqual(manufacturerSubmission());
    const r = await quoteSubmissionFile(example);
    expect(r.status).toBe('quoted');
    expect(r.premium).toEqual({ amount: 1_209_251, currency: 'USD' });
    expect(r.premiumText).toBe('USD 12,092.51');
    expect(r.filing).toEqual({
      id: 'iot-cyber-2026-01',
      version: '2026.01',
      effectiveDate: '2026-01-01',
      currency: 'USD',
    });
    expect(r.technical).toBeNull();
    expect(JSON.parse(JSON.stringify(r)).worksheet).toHaveLength(19);
  });

  it('prices the quoted terms from a seeded simulation beside the rated premium', async () => {
    const a = await quoteSubmissionFile(example, { scenariosPath: scenarios, years: 2_000, seed: 11 });
    const b = await quoteSubmissionFile(example, { scenariosPath: scenarios, years: 2_000, seed: 11 });
    const t = a.technical!;
    expect(t.years).toBe(2_000);
    expect(b.technical!.premium).toEqual(t.premium);
    const l = t.insuredLoss;
    expect(l.insuredMean.amount).toBeGreaterThan(0);
    expect(l.insuredMean.amount).toBeLessThanOrEqual(l.grossMean.amount);
    // The parts of gross loss add back up, to within a cent per rounded part.
    const parts = [
      l.notCoveredMean,
      l.uninsurableMean,
      l.waitingPeriodMean,
      l.retentionMean,
      l.coinsuranceMean,
      l.eventLimitMean,
      l.sublimitMean,
      l.aggregateMean,
      l.insuredMean,
    ].reduce((s, m) => s + m.amount, 0);
    expect(Math.abs(parts - l.grossMean.amount)).toBeLessThanOrEqual(9);
    // TP-1: loss / 0.6 + 250.00, the division on the unrounded mean: within a cent of the rounded one.
    expect(Math.abs(t.premium.premium.amount - (l.insuredMean.amount / 0.6 + 25_000))).toBeLessThanOrEqual(1);
    expect(t.adequacy).toBeCloseTo(1_209_251 / t.premium.premium.amount, 4);
    expect(JSON.stringify(a)).not.toContain('annualInsured');
  });

  it('returns rule breaks as errors, not exceptions', async () => {
    const s = manufacturerSubmission();
    s.requestedTerms.retention = { amount: 250_000, currency: 'USD' };
    const r = await quoteSubmissionFile(write('low-retention.json', JSON.stringify(s)));
    expect(r.status).toBe('invalid');
    expect(r.premium).toBeNull();
    expect(r.errors).toEqual([
      {
        kind: 'invalid',
        message: 'rule UW-RET-1: minimum retention for revenue USD 30,000,000 is USD 5,000',
        details: [
          {
            field: 'requestedTerms.retention',
            path: 'requestedTerms.retention',
            message: 'UW-RET-1: minimum retention for revenue USD 30,000,000 is USD 5,000',
          },
        ],
      },
    ]);
  });

  it('names the field of a malformed submission', async () => {
    const s = manufacturerSubmission() as unknown as {
      organisation: { annualRevenue: { amount: number } };
      assessment: { riskScore: number };
    };
    s.organisation.annualRevenue.amount = 3.5;
    s.assessment.riskScore = 101;
    const e = await rejection(quoteSubmissionFile(write('bad.json', JSON.stringify(s))));
    expect(e.kind).toBe('invalid');
    expect(e.details.map((d) => d.field)).toEqual([
      'organisation.annualRevenue.amount',
      'assessment.riskScore',
    ]);
  });

  it('names the line of a JSON syntax error and reports an unreadable file', async () => {
    const e = await rejection(quoteSubmissionFile(write('syntax.json', '{\n  "id": "x",\n  oops\n}')));
    expect(e.details[0].line).toBe(3);
    expect((await rejection(quoteSubmissionFile(join(tmp, 'missing.json')))).details[0].field).toBe(
      'submission',
    );
  });

  it('refuses a submission dated before any filing', async () => {
    const s = manufacturerSubmission();
    s.submittedAt = '2025-06-01T00:00:00Z';
    const e = await rejection(quoteSubmissionFile(write('early.json', JSON.stringify(s))));
    expect(e.message).toMatch(
      /^rule UW-FIL-1: no rate filing for product iot-cyber is in force on 2025-06-01/,
    );
  });
});
