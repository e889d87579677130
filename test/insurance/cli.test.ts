import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared-data';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process, with no database configured: quote and fair must not need one. */
function cli(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        DATABASE_URL: '',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'cw-cli-')),
      },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const manufacturer = join(repoRoot, 'src/modules/underwriting/data/examples/submission-manufacturer.json');
const scenarios = join(repoRoot, 'src/modules/risk/data/example-scenarios.json');

describe('coverwatch quote / fair (offline)', () => {
  it('quote --json rates the example submission with a worksheet and an integer premium', async () => {
    const r = await cli(['quote', '--submission', manufacturer, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const q = JSON.parse(r.stdout);
    expect(q.insured).toBe('Harbour Precision Parts Ltd');
    expect(['quoted', 'referred']).toContain(q.status);
    expect(Number.isSafeInteger(q.premium.amount)).toBe(true);
    expect(q.worksheet.at(-1).premiumAfter).toEqual(q.premium);
    expect(q.technical).toBeNull();
  }, 60_000);

  it('quote with --scenarios adds the technical premium; the same seed gives the same output', async () => {
    const args = ['quote', '--submission', manufacturer, '--scenarios', scenarios, '--years', '3000'];
    const [a, b, c] = await Promise.all([
      cli([...args, '--seed', '5', '--json']),
      cli([...args, '--seed', '5', '--json']),
      cli([...args, '--seed', '6', '--json']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    const ta = JSON.parse(a.stdout).technical;
    expect(ta.years).toBe(3000);
    expect(Number.isSafeInteger(ta.premium.premium.amount)).toBe(true);
    expect(JSON.parse(b.stdout).technical).toEqual(ta);
    expect(JSON.parse(c.stdout).technical.insuredLoss.grossMean).not.toEqual(ta.insuredLoss.grossMean);
  }, 60_000);

  it('a submission breaking a rule exits 3 and names the rule and field', async () => {
    const bad = JSON.parse(readFileSync(manufacturer, 'utf8'));
    bad.requestedTerms.retention.amount = 100; // USD 1 against a USD 5 k minimum (UW-RET-1)
    const file = join(mkdtempSync(join(tmpdir(), 'cw-sub-')), 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await cli(['quote', '--submission', file, '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('UW-RET-1');
    expect(r.stdout).toContain('requestedTerms.retention');
  }, 60_000);

  it('quote on malformed JSON exits 3 with the line', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cw-sub-')), 'broken.json');
    writeFileSync(file, '{\n  "id": "x",\n  oops\n}');
    const r = await cli(['quote', '--submission', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/line 3/);
  }, 60_000);

  it('fair --json runs the example scenarios: same seed identical, percentiles ordered', async () => {
    const args = ['fair', '--scenarios', scenarios, '--years', '20000', '--json'];
    const [a, b] = await Promise.all([cli([...args, '--seed', '9']), cli([...args, '--seed', '9'])]);
    expect(a.code, a.stderr).toBe(0);
    // Everything but the wall time is a function of the file, years and seed.
    const { elapsedMs: _a, ...rep } = JSON.parse(a.stdout);
    const { elapsedMs: _b, ...again } = JSON.parse(b.stdout);
    expect(again).toEqual(rep);
    expect(JSON.stringify(rep)).toContain('exceedance');
    const t = rep.total.summary;
    expect(t.p50).toBeLessThanOrEqual(t.p90);
    expect(t.p90).toBeLessThanOrEqual(t.p99);
  }, 60_000);

  it('fair with a bad --years exits 3', async () => {
    const r = await cli(['fair', '--scenarios', scenarios, '--years', 'many', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.details[0].field).toBe('years');
  }, 60_000);
});
