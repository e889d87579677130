import { type AppError, invalid } from '../../../core/errors';
import type { StreamReader } from './framing';

/** A line longer than this is corrupt input (a missing newline), not a record; it bounds memory. */
export const MAX_LINE_BYTES = 1 << 20;
const LF = 10;
const CR = 13;

/** The `invalid` error of a text reader: the message and details name the line number and field. */
export function invalidLine(format: string, line: number, field: string, problem: string): AppError {
  return invalid(`${format}: ${problem} (${field} on line ${line})`, [{ line, field, message: problem }]);
}

/**
 * Splits a byte stream into lines (LF or CRLF) for push parsers of text formats. Lines inside a chunk
 * are handed out in place; only a line that straddles chunks is copied into a carry buffer. After the
 * first error the reader stays failed and rethrows it.
 */
export abstract class LineReader implements StreamReader {
  /** Number of the line being parsed, from 1. */
  protected lineNumber = 0;
  private carry = new Uint8Array(256);
  private carryLen = 0;
  private failure: unknown = null;
  private ended = false;

  protected abstract readonly format: string;

  /** One line without its terminator: bytes `b[start, end)`. */
  protected abstract line(b: Uint8Array, start: number, end: number): void;

  /** Called at the end of the stream, after the last line. */
  protected finish(): void {}

  get bufferedCapacity(): number {
    return this.carry.length;
  }

  push(chunk: Uint8Array): void {
    this.guard();
    try {
      this.pushChunk(chunk);
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  end(): void {
    this.guard();
    this.ended = true;
    try {
      if (this.carryLen > 0) this.emit(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      this.finish();
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  private guard(): void {
    if (this.failure !== null) throw this.failure;
    if (this.ended) throw invalid('the stream has already ended', [{ message: 'push or end after end()' }]);
  }

  private pushChunk(input: Uint8Array): void {
    // Node hands out Buffers; one plain Uint8Array view keeps element access monomorphic in the hot loops.
    const chunk =
      input.constructor === Uint8Array
        ? input
        : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    let pos = 0;
    const n = chunk.length;
    if (this.carryLen > 0) {
      const nl = chunk.indexOf(LF);
      const upto = nl < 0 ? n : nl;
      this.append(chunk, 0, upto);
      if (nl < 0) return;
      this.emit(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      if (this.carry.length > 64 * 1024) this.carry = new Uint8Array(256);
      pos = nl + 1;
    }
    while (pos < n) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) break;
      this.emit(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < n) this.append(chunk, pos, n);
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const need = this.carryLen + (to - from);
    if (need > MAX_LINE_BYTES) {
      throw invalidLine(this.format, this.lineNumber + 1, 'line', `line longer than ${MAX_LINE_BYTES} bytes`);
    }
    if (need > this.carry.length) {
      const next = new Uint8Array(Math.min(MAX_LINE_BYTES, Math.max(need, this.carry.length * 2)));
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
    }
    this.carry.set(chunk.subarray(from, to), this.carryLen);
    this.carryLen = need;
  }

  private emit(b: Uint8Array, start: number, end: number): void {
    this.lineNumber++;
    if (end - start > MAX_LINE_BYTES) {
      throw invalidLine(this.format, this.lineNumber, 'line', `line longer than ${MAX_LINE_BYTES} bytes`);
    }
    if (end > start && b[end - 1] === CR) end--;
    // A UTF-8 byte-order mark (editors on Windows add one) is not part of the first line's text.
    if (
      this.lineNumber === 1 &&
      end - start >= 3 &&
      b[start] === 0xef &&
      b[start + 1] === 0xbb &&
      b[start + 2] === 0xbf
    ) {
      start += 3;
    }
    this.line(b, start, end);
  }
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

export const latin1Text = (b: Uint8Array, start: number, end: number): string =>
  latin1.decode(b.subarray(start, end));
export const utf8Text = (b: Uint8Array, start: number, end: number): string =>
  utf8.decode(b.subarray(start, end));

/**
 * Interns short ASCII fields (addresses, protocol names, states) through a direct-mapped table, so a
 * value seen before costs a hash and a compare, not a new string.
 */
export class AsciiInterner {
  private readonly keys: string[];
  private readonly mask: number;

  constructor(size = 4096) {
    this.keys = new Array(size).fill('');
    this.mask = size - 1;
  }

  get(b: Uint8Array, start: number, end: number): string {
    const len = end - start;
    if (len === 0) return '';
    if (len > 64) return latin1Text(b, start, end);
    let h = 0x811c9dc5; // FNV-1a
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const slot = (h >>> 0) & this.mask;
    const hit = this.keys[slot];
    if (hit.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (hit.charCodeAt(i) !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return hit;
    }
    const text = latin1Text(b, start, end);
    this.keys[slot] = text;
    return text;
  }
}

/** Unsigned decimal integer of `b[start, end)`, or -1 when it is not one (empty, non-digits, > 2^53). */
export function parseUnsigned(b: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 16) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact doubles up to 1e22
const EXACT_INT = 2 ** 53;

/**
 * Decimal number of `b[start, end)` ("1540446382.933899000", "-0.5", "1e-06"), NaN when it is not one.
 * When the digits fit an exact integer (<= 2^53) and the scale an exact power of ten (<= 1e22), one
 * correctly rounded division gives exactly Number(text) (Clinger's fast path); otherwise Number().
 */
export function parseDecimal(b: Uint8Array, start: number, end: number): number {
  if (end <= start) return Number.NaN;
  let i = start;
  const negative = b[i] === 45; // '-'
  if (negative || b[i] === 43) i++;
  let mantissa = 0;
  let scale = 0;
  let pendingZeros = 0; // fraction zeros, only counted once a non-zero digit follows them
  let seenDot = false;
  let any = false;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 46 && !seenDot) {
      seenDot = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return slowDecimal(b, start, end);
    any = true;
    if (seenDot) {
      if (d === 0) {
        pendingZeros++;
        continue;
      }
      mantissa *= POW10[Math.min(pendingZeros, 22)];
      scale += pendingZeros + 1;
      pendingZeros = 0;
    }
    mantissa = mantissa * 10 + d;
    if (mantissa > EXACT_INT || scale > 22) return slowDecimal(b, start, end);
  }
  if (!any) return Number.NaN;
  const v = scale === 0 ? mantissa : mantissa / POW10[scale];
  return negative ? -v : v;
}

function slowDecimal(b: Uint8Array, start: number, end: number): number {
  const text = latin1Text(b, start, end);
  // Number() accepts hex, "Infinity" and blanks; a field must be a plain decimal or exponent form.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

/** Whether `b[start, end)` equals the ASCII text `s`. */
export function bytesEqual(b: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[start + i] !== s.charCodeAt(i)) return false;
  return true;
}
