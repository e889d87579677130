import { parse } from 'csv-parse/sync';
import { AppError, type ErrorDetail, invalid } from '../../../core';
import {
  CSV_COLUMNS,
  csvRecordToInput,
  type DeviceInput,
  deviceInputSchema,
  zodDetails,
} from './device-input';

/** Largest device file accepted (about 40,000 devices of CSV); larger files are refused whole. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 50_000;

export interface ParsedDeviceRow {
  /** Line in the file (CSV) or 1-based index in the array (JSON). */
  line: number;
  site?: string;
  input: DeviceInput;
}

const KNOWN = new Set<string>(CSV_COLUMNS);

/** Reject what is not UTF-8 text up front, naming the first bad byte. */
function assertText(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    throw invalid(`file is not text: byte offset ${nul} is 0x00`, [{ offset: nul, message: 'NUL byte' }]);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the offset for the message: decode growing prefixes is too slow; scan UTF-8 by hand.
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i];
      const n = b < 0x80 ? 1 : b >> 5 === 6 ? 2 : b >> 4 === 14 ? 3 : b >> 3 === 30 ? 4 : 0;
      let ok = n > 0 && i + n <= bytes.length;
      for (let k = 1; ok && k < n; k++) ok = bytes[i + k] >> 6 === 2;
      if (!ok) break;
      i += n;
    }
    throw invalid(`file is not UTF-8 text: byte offset ${i}`, [{ offset: i, message: 'invalid UTF-8' }]);
  }
}

export function sniffDeviceFormat(text: string): 'csv' | 'json' {
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '[' || first === '{' ? 'json' : 'csv';
}

/**
 * Parse and validate a whole device file. All-or-nothing: either every row is valid and all are
 * returned, or an `invalid` AppError lists every bad row with its line and field.
 */
export function parseDeviceFile(
  bytes: Uint8Array,
  format: 'csv' | 'json' | 'auto' = 'auto',
): ParsedDeviceRow[] {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw invalid(
      `file is ${bytes.length} bytes; the limit is ${MAX_IMPORT_BYTES} bytes (split it into several files)`,
      [{ field: 'file', message: 'too large' }],
    );
  }
  const text = assertText(bytes).replace(/^\uFEFF/, '');
  if (!text.trim()) throw invalid('file is empty', [{ field: 'file', message: 'empty' }]);
  const fmt = format === 'auto' ? sniffDeviceFormat(text) : format;
  const rows = fmt === 'json' ? fromJson(text) : fromCsv(text);
  if (rows.errors.length) {
    const shown = rows.errors.slice(0, 200);
    throw new AppError(
      'invalid',
      `${rows.errors.length} problem(s) in the file; nothing was imported`,
      shown,
    );
  }
  return rows.ok;
}

function checkDuplicates(rows: ParsedDeviceRow[], errors: ErrorDetail[]): void {
  const seen = new Map<string, number>();
  for (const r of rows) {
    const serial = r.input.serial;
    if (!serial) continue;
    const first = seen.get(serial);
    if (first !== undefined) {
      errors.push({
        line: r.line,
        field: 'serial',
        message: `duplicate serial "${serial}" (first on line ${first})`,
      });
    } else seen.set(serial, r.line);
  }
}

function fromCsv(text: string): { ok: ParsedDeviceRow[]; errors: ErrorDetail[] } {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    records = parse(text, {
      columns: (h: string[]) => {
        header = h.map((c) => c.trim());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
      to: MAX_IMPORT_ROWS + 1,
    }) as never;
  } catch (e) {
    const err = e as { message: string; lines?: number; code?: string };
    throw invalid(`CSV is malformed at line ${err.lines ?? '?'}: ${err.message}`, [
      { line: err.lines, message: err.message },
    ]);
  }
  const errors: ErrorDetail[] = [];
  const unknown = header.filter((c) => !KNOWN.has(c));
  for (const c of unknown)
    errors.push({ line: 1, field: c, message: `unknown column "${c}"; known: ${CSV_COLUMNS.join(', ')}` });
  for (const req of ['name', 'kind', 'vendor', 'product']) {
    if (!header.includes(req))
      errors.push({ line: 1, field: req, message: `required column "${req}" is missing` });
  }
  if (errors.length) return { ok: [], errors };
  if (records.length > MAX_IMPORT_ROWS) {
    return { ok: [], errors: [{ message: `more than ${MAX_IMPORT_ROWS} rows; split the file` }] };
  }
  const ok: ParsedDeviceRow[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    let converted: { site?: string; input: Record<string, unknown> };
    try {
      converted = csvRecordToInput(record);
    } catch (e) {
      const d = e as { field: string; message: string };
      errors.push({ line, field: d.field, message: d.message });
      continue;
    }
    const parsed = deviceInputSchema.safeParse(converted.input);
    if (!parsed.success) errors.push(...zodDetails(parsed.error, line));
    else ok.push({ line, site: converted.site, input: parsed.data });
  }
  checkDuplicates(ok, errors);
  return { ok, errors };
}

function fromJson(text: string): { ok: ParsedDeviceRow[]; errors: ErrorDetail[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw invalid(`JSON is malformed${m ? ` at byte offset ${m[1]}` : ''}: ${(e as Error).message}`, [
      { offset: m ? Number(m[1]) : undefined, message: (e as Error).message },
    ]);
  }
  const list = Array.isArray(doc) ? doc : (doc as { devices?: unknown })?.devices;
  if (!Array.isArray(list)) {
    throw invalid('JSON must be an array of devices or { "devices": [...] }', [
      { field: 'devices', message: 'not an array' },
    ]);
  }
  if (list.length > MAX_IMPORT_ROWS) throw invalid(`more than ${MAX_IMPORT_ROWS} devices; split the file`);
  const ok: ParsedDeviceRow[] = [];
  const errors: ErrorDetail[] = [];
  list.forEach((item, i) => {
    const line = i + 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      errors.push({ line, field: `devices[${i}]`, message: 'not an object' });
      return;
    }
    const { site, ...rest } = item as Record<string, unknown>;
    if (site !== undefined && typeof site !== 'string') {
      errors.push({ line, field: `devices[${i}].site`, message: 'must be a site name' });
      return;
    }
    const parsed = deviceInputSchema.safeParse(rest);
    if (!parsed.success) errors.push(...zodDetails(parsed.error, line, `devices[${i}].`));
    else ok.push({ line, site: site as string | undefined, input: parsed.data });
  });
  checkDuplicates(ok, errors);
  return { ok, errors };
}
