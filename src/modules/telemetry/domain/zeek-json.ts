import { invalidLine, LineReader, utf8Text } from './lines';
import type { FlowRecord } from './records';
import { CONN_FIELDS, emptyFlow, type OnFlow } from './zeek-tsv';

const FORMAT = 'Zeek JSON';
const FIELDS = Object.entries(CONN_FIELDS);
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Push parser for Zeek JSON logs (`LogAscii::use_json=T`): one object per line with the conn.log
 * names ("id.orig_h", flat as Zeek writes them, or nested under "id"). Zeek omits unset fields, so a
 * missing optional field is null. `ts` is epoch seconds or, with JSON::TS_ISO8601, an ISO 8601 string.
 */
export class ZeekJsonReader extends LineReader {
  protected readonly format = FORMAT;
  private readonly flow = emptyFlow();
  private count = 0;

  constructor(private readonly onFlow: OnFlow) {
    super();
  }

  get flows(): number {
    return this.count;
  }

  protected line(b: Uint8Array, start: number, end: number): void {
    let s = start;
    while (s < end && (b[s] === 32 || b[s] === 9)) s++;
    if (s === end) return;
    let obj: unknown;
    try {
      obj = JSON.parse(utf8Text(b, s, end));
    } catch (e) {
      throw invalidLine(FORMAT, this.lineNumber, 'json', `not JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw invalidLine(FORMAT, this.lineNumber, 'json', 'a line must hold one JSON object');
    }
    const row = obj as Record<string, unknown>;
    const nested = typeof row.id === 'object' && row.id !== null ? (row.id as Record<string, unknown>) : null;
    const f = this.flow as unknown as Record<string, unknown>;
    for (const [name, spec] of FIELDS) {
      let v = row[name];
      if (v === undefined && nested && name.startsWith('id.')) v = nested[name.slice(3)];
      if (v === undefined || v === null) {
        if (spec.required) throw invalidLine(FORMAT, this.lineNumber, name, 'required field is missing');
        f[spec.key] = spec.key === 'uid' ? '' : null;
        continue;
      }
      f[spec.key] = this.convert(name, spec.kind, v);
    }
    this.count++;
    this.onFlow(this.flow as FlowRecord);
  }

  private convert(name: string, kind: string, v: unknown): unknown {
    const bad = (): never => {
      throw invalidLine(
        FORMAT,
        this.lineNumber,
        name,
        `malformed ${kind} ${JSON.stringify(v)?.slice(0, 60)}`,
      );
    };
    switch (kind) {
      case 'time': {
        const t = typeof v === 'number' ? v : typeof v === 'string' ? isoSeconds(v) : Number.NaN;
        return Number.isFinite(t) && t >= 0 ? t : bad();
      }
      case 'interval':
        return typeof v === 'number' && Number.isFinite(v) ? v : bad();
      case 'port':
        return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? v : bad();
      case 'count':
        return Number.isInteger(v) && (v as number) >= 0 ? v : bad();
      case 'bool':
        return typeof v === 'boolean' ? v : bad();
      case 'addr':
        return typeof v === 'string' && v.length > 0 ? v : bad();
      default:
        // Zeek writes sets (service can be one in newer versions) as arrays; keep them comma-joined.
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
        return typeof v === 'string' ? v : bad();
    }
  }
}

/** Epoch seconds of an ISO 8601 time, keeping the sub-millisecond digits Date.parse would drop. */
export function isoSeconds(text: string): number {
  const m = ISO_TIME.exec(text);
  if (!m) return Number.NaN;
  const whole = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (Number.isNaN(whole)) return Number.NaN;
  return whole / 1000 + (m[2] ? Number(`0${m[2]}`) : 0);
}
