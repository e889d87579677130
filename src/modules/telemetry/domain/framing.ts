import { type AppError, invalid } from '../../../core/errors';

/** A push parser: feed any chunking of a byte stream, then call `end()` once. */
export interface StreamReader {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** Frames above this size are rejected before any buffering, so a corrupt length cannot exhaust memory. */
const KEEP_CAPACITY = 1 << 20;

/**
 * Splits a byte stream into length-prefixed frames (pcap records, pcapng blocks). Whole frames inside a
 * chunk are handed out in place (zero copy); only a frame that straddles chunks is assembled in a carry
 * buffer, which grows with the bytes that actually arrived, never to a length the input merely claims.
 *
 * After the first error the reader stays failed and rethrows it, so a caller cannot resume mid-frame.
 */
export abstract class FramedReader implements StreamReader {
  /** Stream offset of the first byte of the frame being parsed (all earlier bytes are consumed). */
  protected frameOffset = 0;
  private carry = new Uint8Array(0);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  private failure: unknown = null;
  private ended = false;

  /**
   * Bytes needed from `at` to make progress: while a header is incomplete, the header's length; once
   * the header is readable, the whole frame's length (validated: throws `invalid` when impossible).
   * Must not change reader state: it may be called more than once for the same frame.
   */
  protected abstract need(b: Uint8Array, v: DataView, at: number, avail: number): number;

  /** Consumes one whole frame of `len` bytes at `at`. */
  protected abstract frame(b: Uint8Array, v: DataView, at: number, len: number): void;

  /** The error for a stream that ends inside a frame (or, with have = 0, before a required frame). */
  protected abstract truncated(have: number, needed: number): AppError;

  /** Called by `end()` when the stream ended on a frame boundary. */
  protected finish(): void {}

  /** Capacity of the carry buffer in bytes: what the reader holds between pushes. */
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
      if (this.carryLen > 0) {
        throw this.truncated(this.carryLen, this.need(this.carry, this.carryView, 0, this.carryLen));
      }
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
    const n = chunk.length;
    let pos = 0;
    while (this.carryLen > 0) {
      const need = this.need(this.carry, this.carryView, 0, this.carryLen);
      if (need <= this.carryLen) {
        this.frame(this.carry, this.carryView, 0, need);
        this.frameOffset += need;
        this.dropCarried(need);
        continue;
      }
      if (pos >= n) return;
      const take = Math.min(need - this.carryLen, n - pos);
      this.reserve(this.carryLen + take, need);
      this.carry.set(chunk.subarray(pos, pos + take), this.carryLen);
      this.carryLen += take;
      pos += take;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pos < n) {
      const avail = n - pos;
      const need = this.need(chunk, view, pos, avail);
      if (need > avail) break;
      this.frame(chunk, view, pos, need);
      this.frameOffset += need;
      pos += need;
    }
    if (pos < n) {
      this.reserve(n - pos, n - pos);
      this.carry.set(chunk.subarray(pos), 0);
      this.carryLen = n - pos;
    }
  }

  private dropCarried(len: number): void {
    this.carry.copyWithin(0, len, this.carryLen);
    this.carryLen -= len;
    if (this.carryLen === 0 && this.carry.length > KEEP_CAPACITY) this.resize(0);
  }

  /** Grows the carry buffer to hold `required` bytes, doubling but never past `limit` (the frame's need). */
  private reserve(required: number, limit: number): void {
    if (required <= this.carry.length) return;
    this.resize(Math.min(limit, Math.max(required, this.carry.length * 2, 256)));
  }

  private resize(capacity: number): void {
    const next = new Uint8Array(capacity);
    next.set(this.carry.subarray(0, this.carryLen));
    this.carry = next;
    this.carryView = new DataView(next.buffer);
  }
}

/** The `invalid` error of a binary reader: the message and details name the byte offset and field. */
export function invalidAt(format: string, offset: number, field: string, problem: string): AppError {
  return invalid(`${format}: ${problem} (${field} at byte offset ${offset})`, [
    { offset, field, message: problem },
  ]);
}
