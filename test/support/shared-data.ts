import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/shared-data.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/data beside the repository; tests and benchmarks only, never the product. */
export const sharedDataDir = resolve(repoRoot, '..', 'shared', 'data');

/**
 * Path of a file under ../shared/data, or undefined (after printing why) when it is absent, so a
 * test can `describe.skipIf(!file)` and say what it skipped.
 */
export function sharedData(relative: string): string | undefined {
  const p = resolve(sharedDataDir, relative);
  if (existsSync(p)) return p;
  console.warn(`skipping: ../shared/data/${relative} is not present`);
  return undefined;
}
