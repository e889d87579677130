/**
 * `npm run bench`: runs every bench/*.bench.ts (or those whose name contains an argument) and prints
 * one table. Each module exports `run(): Promise<BenchRow[]>`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const rows: (BenchRow & { suite: string })[] = [];
for (const f of files) {
  const suite = f.replace('.bench.ts', '');
  process.stderr.write(`running ${suite}...\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<BenchRow[]> };
    for (const r of await mod.run()) rows.push({ suite, ...r });
  } catch (e) {
    rows.push({ suite, name: 'FAILED', value: Number.NaN, unit: '', note: (e as Error).message });
  }
}

const fmt = (v: number) =>
  Number.isNaN(v) ? '-' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
const table = rows.map((r) => [r.suite, r.name, fmt(r.value), r.unit, r.target ?? '', r.note ?? '']);
const head = ['suite', 'measure', 'value', 'unit', 'target', 'note'];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const t of table) console.log(line(t.map(String)));
