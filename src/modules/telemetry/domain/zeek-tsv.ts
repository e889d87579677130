import {
  AsciiInterner,
  bytesEqual,
  invalidLine,
  LineReader,
  latin1Text,
  parseDecimal,
  parseUnsigned,
  utf8Text,
} from './lines';
import type { FlowRecord } from './records';

const FORMAT = 'Zeek conn.log';
const HASH = 35; // '#'

export type OnFlow = (flow: FlowRecord) => void;

export function emptyFlow(): FlowRecord {
  return {
    uid: '',
    ts: 0,
    origHost: '',
    origPort: -1,
    respHost: '',
    respPort: -1,
    proto: '',
    service: null,
    duration: null,
    origBytes: null,
    respBytes: null,
    connState: null,
    localOrig: null,
    localResp: null,
    missedBytes: null,
    history: null,
    origPkts: null,
    origIpBytes: null,
    respPkts: null,
    respIpBytes: null,
  };
}

export const copyFlow = (f: FlowRecord): FlowRecord => ({ ...f });

type Kind = 'time' | 'string' | 'addr' | 'port' | 'interval' | 'count' | 'bool';

/** conn.log field (Zeek base/protocols/conn/main.zeek, Conn::Info) -> FlowRecord key and value kind. */
export const CONN_FIELDS: Record<string, { key: keyof FlowRecord; kind: Kind; required: boolean }> = {
  ts: { key: 'ts', kind: 'time', required: true },
  uid: { key: 'uid', kind: 'string', required: false },
  'id.orig_h': { key: 'origHost', kind: 'addr', required: true },
  'id.orig_p': { key: 'origPort', kind: 'port', required: true },
  'id.resp_h': { key: 'respHost', kind: 'addr', required: true },
  'id.resp_p': { key: 'respPort', kind: 'port', required: true },
  proto: { key: 'proto', kind: 'string', required: true },
  service: { key: 'service', kind: 'string', required: false },
  duration: { key: 'duration', kind: 'interval', required: false },
  orig_bytes: { key: 'origBytes', kind: 'count', required: false },
  resp_bytes: { key: 'respBytes', kind: 'count', required: false },
  conn_state: { key: 'connState', kind: 'string', required: false },
  local_orig: { key: 'localOrig', kind: 'bool', required: false },
  local_resp: { key: 'localResp', kind: 'bool', required: false },
  missed_bytes: { key: 'missedBytes', kind: 'count', required: false },
  history: { key: 'history', kind: 'string', required: false },
  orig_pkts: { key: 'origPkts', kind: 'count', required: false },
  orig_ip_bytes: { key: 'origIpBytes', kind: 'count', required: false },
  resp_pkts: { key: 'respPkts', kind: 'count', required: false },
  resp_ip_bytes: { key: 'respIpBytes', kind: 'count', required: false },
};

interface Column {
  name: string;
  key: keyof FlowRecord | null;
  kind: Kind;
  required: boolean;
}

/**
 * Push parser for Zeek's ASCII (TSV) log format (Zeek logging framework, ASCII writer): header lines
 * `#separator` (escaped, e.g. `\x09`), `#set_separator`, `#empty_field`, `#unset_field`, `#fields`,
 * `#types`, `#open` / `#close`; data rows are mapped by `#fields` names. Unset values become null; an
 * unset value in a required field (ts, addresses, ports, proto) is an error. A new header block (a
 * rotated or concatenated log) replaces the previous one. One FlowRecord is reused for every row.
 */
export class ZeekTsvReader extends LineReader {
  protected readonly format = FORMAT;
  private readonly flow = emptyFlow();
  private readonly interner = new AsciiInterner();
  private separator = 9;
  private unset = '-';
  private empty = '(empty)';
  private columns: Column[] | null = null;
  private count = 0;

  constructor(private readonly onFlow: OnFlow) {
    super();
  }

  get flows(): number {
    return this.count;
  }

  protected line(b: Uint8Array, start: number, end: number): void {
    if (end === start) return;
    if (b[start] === HASH) {
      this.headerLine(b, start, end);
      return;
    }
    const columns = this.columns;
    if (columns === null)
      throw invalidLine(FORMAT, this.lineNumber, '#fields', 'data row before the #fields header');
    const f = this.flow;
    const separator = this.separator;
    let column = 0;
    let from = start;
    for (;;) {
      let to = from;
      while (to < end && b[to] !== separator) to++;
      if (column >= columns.length) {
        throw invalidLine(
          FORMAT,
          this.lineNumber,
          'columns',
          `more than the ${columns.length} columns of #fields`,
        );
      }
      const c = columns[column];
      if (c.key !== null) this.value(f, c, b, from, to);
      column++;
      if (to >= end) break;
      from = to + 1;
    }
    if (column !== columns.length) {
      throw invalidLine(
        FORMAT,
        this.lineNumber,
        'columns',
        `${column} columns, #fields names ${columns.length}`,
      );
    }
    this.count++;
    this.onFlow(f);
  }

  private value(f: FlowRecord, c: Column, b: Uint8Array, from: number, to: number): void {
    const record = f as unknown as Record<string, unknown>;
    if (bytesEqual(b, from, to, this.unset)) {
      if (c.required) throw invalidLine(FORMAT, this.lineNumber, c.name, 'required field is unset');
      record[c.key!] = c.key === 'uid' ? '' : null;
      return;
    }
    switch (c.kind) {
      case 'time':
      case 'interval': {
        const v = parseDecimal(b, from, to);
        if (!Number.isFinite(v) || (c.kind === 'time' && v < 0)) this.bad(c, b, from, to);
        record[c.key!] = v;
        return;
      }
      case 'port':
      case 'count': {
        const v = parseUnsigned(b, from, to);
        if (v < 0 || (c.kind === 'port' && v > 65535)) this.bad(c, b, from, to);
        record[c.key!] = v;
        return;
      }
      case 'bool': {
        const ch = to - from === 1 ? b[from] : 0;
        if (ch !== 84 && ch !== 70) this.bad(c, b, from, to); // 'T' / 'F'
        record[c.key!] = ch === 84;
        return;
      }
      default: {
        if (bytesEqual(b, from, to, this.empty)) {
          record[c.key!] = '';
          return;
        }
        if (to === from) {
          if (c.required) throw invalidLine(FORMAT, this.lineNumber, c.name, 'required field is empty');
          record[c.key!] = '';
          return;
        }
        if (needsDecoding(b, from, to)) record[c.key!] = decodeEscaped(b, from, to);
        else record[c.key!] = c.key === 'uid' ? latin1Text(b, from, to) : this.interner.get(b, from, to);
      }
    }
  }

  private headerLine(b: Uint8Array, start: number, end: number): void {
    const text = utf8Text(b, start, end);
    if (text.startsWith('#separator')) {
      // The separator line itself is always space-separated: "#separator \x09".
      // Exactly one space follows the tag; the value itself may be whitespace once unescaped.
      const value = unescapeZeek(text.slice('#separator'.length + 1));
      if (value.length !== 1 || value.charCodeAt(0) > 127) {
        throw invalidLine(
          FORMAT,
          this.lineNumber,
          '#separator',
          `unsupported separator ${JSON.stringify(value)}`,
        );
      }
      this.separator = value.charCodeAt(0);
      return;
    }
    const parts = text.split(String.fromCharCode(this.separator));
    const tag = parts[0];
    if (tag === '#unset_field') this.unset = parts[1] ?? '-';
    else if (tag === '#empty_field') this.empty = parts[1] ?? '(empty)';
    else if (tag === '#fields') this.fieldsLine(parts.slice(1));
  }

  private fieldsLine(names: string[]): void {
    const seen = new Set(names);
    for (const [name, spec] of Object.entries(CONN_FIELDS)) {
      if (spec.required && !seen.has(name)) {
        throw invalidLine(FORMAT, this.lineNumber, '#fields', `conn.log field ${name} is missing`);
      }
    }
    const flow = this.flow;
    Object.assign(flow, emptyFlow());
    this.columns = names.map((name) => {
      const spec = CONN_FIELDS[name];
      return spec
        ? { name, key: spec.key, kind: spec.kind, required: spec.required }
        : { name, key: null, kind: 'string', required: false };
    });
  }

  private bad(c: Column, b: Uint8Array, from: number, to: number): never {
    const shown = latin1Text(b, from, Math.min(to, from + 60));
    throw invalidLine(FORMAT, this.lineNumber, c.name, `malformed ${c.kind} ${JSON.stringify(shown)}`);
  }
}

/** Whether a value holds escapes (backslash) or non-ASCII bytes, so it cannot be taken as plain ASCII. */
function needsDecoding(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] === 92 || b[i] > 127) return true;
  return false;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * The ASCII writer escapes the separator and non-printable bytes (each byte of a multi-byte UTF-8
 * character too) as \xHH; undo that on bytes, then decode the result as UTF-8.
 */
function decodeEscaped(b: Uint8Array, from: number, to: number): string {
  const out = new Uint8Array(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    if (b[i] === 92 && b[i + 1] === 120 && i + 3 < to && HEX.test(String.fromCharCode(b[i + 2], b[i + 3]))) {
      out[n++] = Number.parseInt(String.fromCharCode(b[i + 2], b[i + 3]), 16);
      i += 3;
    } else {
      out[n++] = b[i];
    }
  }
  return utf8Text(out, 0, n);
}

/** Undoes the ASCII writer's `\xHH` escaping. */
export function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
