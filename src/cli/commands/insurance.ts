import type { Command } from 'commander';
import { invalid } from '../../core';
import { formatFairReport, runFairFile } from '../../modules/risk';
import { formatQuoteResult, quoteSubmissionFile } from '../../modules/underwriting';
import { printJson } from '../output';

/** A whole number option, or a usage error naming the option. */
function integerOption(value: string | undefined, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw invalid(`--${name} must be an integer >= ${min}, got "${value}"`, [
      { field: name, message: 'not an integer in range' },
    ]);
  return n;
}

/**
 * Offline insurance commands: no server, no database. `quote` rates a submission file against the
 * filing in force on its date (and with --scenarios prices the terms from a seeded FAIR run); `fair`
 * simulates a scenario file.
 */
export function registerInsurance(
  program: Command,
  run: (fn: () => Promise<void>, json?: boolean) => Promise<void>,
) {
  program
    .command('quote')
    .description('rate a submission file offline: premium, worksheet, referrals (exit 3 when invalid)')
    .requiredOption('--submission <file>', 'submission JSON (see src/modules/underwriting/data/examples)')
    .option('--scenarios <file>', 'FAIR scenario file for the technical premium')
    .option('--years <n>', 'simulated years for the technical premium', '10000')
    .option('--seed <n>', 'simulation seed', '1')
    .option('--json', 'machine-readable output')
    .action((o: { submission: string; scenarios?: string; years?: string; seed?: string; json?: boolean }) =>
      run(async () => {
        const result = await quoteSubmissionFile(o.submission, {
          scenariosPath: o.scenarios,
          years: integerOption(o.years, 'years', 1, 10_000),
          seed: integerOption(o.seed, 'seed', 0, 1),
        });
        if (o.json) printJson(result);
        else process.stdout.write(`${formatQuoteResult(result)}\n`);
        // A submission that breaks a filing rule cannot be quoted: same exit code as any invalid input.
        if (result.status === 'invalid') {
          const first = result.errors[0];
          throw invalid(first?.message ?? 'submission cannot be rated', first?.details ?? []);
        }
      }, o.json),
    );

  program
    .command('fair')
    .description('run a FAIR scenario file offline: annualised loss, percentiles, exceedance curve')
    .requiredOption('--scenarios <file>', 'scenario JSON (see src/modules/risk/data/example-scenarios.json)')
    .option('--years <n>', 'simulated years', '100000')
    .option('--seed <n>', 'seed: the same seed gives the same result', '1')
    .option('--json', 'machine-readable output')
    .action((o: { scenarios: string; years?: string; seed?: string; json?: boolean }) =>
      run(async () => {
        const report = await runFairFile({
          scenariosPath: o.scenarios,
          years: integerOption(o.years, 'years', 1, 100_000),
          seed: integerOption(o.seed, 'seed', 0, 1),
        });
        if (o.json) printJson(report);
        else process.stdout.write(`${formatFairReport(report)}\n`);
      }, o.json),
    );
}
