/**
 * Binary snapshot container for detector state: little-endian, length-prefixed sections, so a worker can
 * take over a partition from the bytes another worker stored (DESIGN.md §7).
 */
import { invalid } from '../../../core/errors';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  f64s(a: Float64Array): void {
    this.u32(a.length);
    this.ensure(a.length * 8);
    for (let i = 0; i < a.length; i++) this.view.setFloat64(this.pos + i * 8, a[i], true);
    this.pos += a.length * 8;
  }

  i32s(a: Int32Array): void {
    this.u32(a.length);
    this.ensure(a.length * 4);
    for (let i = 0; i < a.length; i++) this.view.setInt32(this.pos + i * 4, a[i], true);
    this.pos += a.length * 4;
  }

  string(s: string): void {
    const bytes = encoder.encode(s);
    this.u32(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A string list as one NUL-separated string (keys never contain NUL). */
  strings(list: readonly string[]): void {
    this.u32(list.length);
    this.string(list.join('\0'));
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/**
 * Opens a snapshot: checks its magic number and version, and returns a reader at its first section.
 * `what` names the kind in the error ("packet detector").
 */
export function openSnapshot(bytes: Uint8Array, magic: number, version: number, what: string): ByteReader {
  const r = new ByteReader(bytes);
  if (bytes.length < 8 || r.u32() !== magic)
    throw invalid(`not a ${what} snapshot`, [{ offset: 0, message: 'magic' }]);
  const got = r.u32();
  if (got !== version)
    throw invalid(`unsupported snapshot version ${got}`, [{ offset: 4, message: `expected ${version}` }]);
  return r;
}

/** Ends a snapshot read after its last section: throws when bytes are left over. */
export function closeSnapshot(r: ByteReader): void {
  if (!r.done) throw invalid('snapshot has trailing bytes', [{ offset: r.offset, message: 'trailing' }]);
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw invalid('snapshot is truncated', [{ offset: this.pos, message: `needs ${n} more bytes` }]);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  f64s(): Float64Array {
    const n = this.u32();
    this.need(n * 8);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.view.getFloat64(this.pos + i * 8, true);
    this.pos += n * 8;
    return a;
  }

  i32s(): Int32Array {
    const n = this.u32();
    this.need(n * 4);
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.view.getInt32(this.pos + i * 4, true);
    this.pos += n * 4;
    return a;
  }

  string(): string {
    const n = this.u32();
    this.need(n);
    const s = decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  strings(): string[] {
    const n = this.u32();
    const joined = this.string();
    if (n === 0) return [];
    const list = joined.split('\0');
    if (list.length !== n)
      throw invalid('snapshot string list is corrupt', [{ offset: this.pos, message: 'count' }]);
    return list;
  }

  get offset(): number {
    return this.pos;
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
