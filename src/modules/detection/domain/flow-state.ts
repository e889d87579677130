import { invalid } from '../../../core/errors';
import type { ByteReader, ByteWriter } from './snapshot';

/**
 * Bounded per-key state for the flow detector: an open-addressing hash table whose keys are four int32
 * words and whose values are a fixed number of float64 fields in one typed array. No allocation per
 * record; memory is capped (`maxCapacity` slots) by evicting idle keys first, then the least recently
 * seen half.
 */

/** FNV-1a 32-bit over UTF-16 code units (addresses are ASCII). */
export function hashA(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** A second, independent 32-bit string hash (multiply-rotate), so a key carries 64 bits of identity. */
export function hashB(s: string): number {
  let h = 0x9e3779b9 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 13;
  }
  return h | 0;
}

function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16) ^ d, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class KeyedTable {
  /** Float64 fields per slot; field f of slot s is `values[s * fields + f]`. */
  readonly fields: number;
  values: Float64Array;
  /** Time of the last `touch` of each slot, seconds. */
  lastSeen: Float64Array;
  size = 0;
  /** Whether the last `upsert` created the key. */
  created = false;
  /** How many keys have been evicted so far (reported by the detector). */
  evicted = 0;
  private capacity: number;
  private mask: number;
  private keys: Int32Array;
  private used: Uint8Array;
  private readonly maxCapacity: number;
  private readonly idleSeconds: number;

  constructor(fields: number, opts: { initialCapacity?: number; maxCapacity: number; idleSeconds: number }) {
    this.fields = fields;
    this.maxCapacity = pow2(opts.maxCapacity);
    this.idleSeconds = opts.idleSeconds;
    this.capacity = Math.min(this.maxCapacity, pow2(opts.initialCapacity ?? 1024));
    this.mask = this.capacity - 1;
    this.keys = new Int32Array(this.capacity * 4);
    this.used = new Uint8Array(this.capacity);
    this.lastSeen = new Float64Array(this.capacity);
    this.values = new Float64Array(this.capacity * fields);
  }

  /** Slot of the key, created (fields zeroed) when absent. The slot is valid until the next upsert. */
  upsert(a: number, b: number, c: number, d: number, now: number): number {
    let s = this.probe(a, b, c, d);
    if (s >= 0 && this.used[s] === 1) {
      this.created = false;
      return s;
    }
    if ((this.size + 1) * 4 > this.capacity * 3) {
      this.maintain(now);
      s = this.probe(a, b, c, d);
    }
    this.insertAt(s, a, b, c, d, now);
    this.created = true;
    return s;
  }

  /** Slot of the key or -1. */
  find(a: number, b: number, c: number, d: number): number {
    const s = this.probe(a, b, c, d);
    return s >= 0 && this.used[s] === 1 ? s : -1;
  }

  /** Returns the matching slot, or the empty slot where the key would go. */
  private probe(a: number, b: number, c: number, d: number): number {
    const keys = this.keys;
    let s = mix(a, b, c, d) & this.mask;
    for (;;) {
      if (this.used[s] === 0) return s;
      const k = s * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return s;
      s = (s + 1) & this.mask;
    }
  }

  private insertAt(s: number, a: number, b: number, c: number, d: number, now: number): void {
    const k = s * 4;
    this.keys[k] = a;
    this.keys[k + 1] = b;
    this.keys[k + 2] = c;
    this.keys[k + 3] = d;
    this.used[s] = 1;
    this.lastSeen[s] = now;
    this.values.fill(0, s * this.fields, (s + 1) * this.fields);
    this.size++;
  }

  /** Drops idle keys; grows while under the cap; at the cap drops the least recently seen half. */
  private maintain(now: number): void {
    let cutoff = now - this.idleSeconds;
    let live = 0;
    for (let s = 0; s < this.capacity; s++) if (this.used[s] === 1 && this.lastSeen[s] >= cutoff) live++;
    let capacity = this.capacity;
    while (live * 2 > capacity && capacity < this.maxCapacity) capacity *= 2;
    if (live * 2 > capacity) {
      const seen: number[] = [];
      for (let s = 0; s < this.capacity; s++) if (this.used[s] === 1) seen.push(this.lastSeen[s]);
      seen.sort((x, y) => x - y);
      cutoff = Math.max(cutoff, seen[Math.floor(seen.length / 2)]);
    }
    this.rebuild(capacity, cutoff);
  }

  private rebuild(capacity: number, cutoff: number): void {
    const { keys, used, lastSeen, values, fields } = this;
    const old = this.capacity;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.keys = new Int32Array(capacity * 4);
    this.used = new Uint8Array(capacity);
    this.lastSeen = new Float64Array(capacity);
    this.values = new Float64Array(capacity * fields);
    const before = this.size;
    this.size = 0;
    for (let s = 0; s < old; s++) {
      if (used[s] !== 1 || lastSeen[s] < cutoff) continue;
      const k = s * 4;
      const t = this.probe(keys[k], keys[k + 1], keys[k + 2], keys[k + 3]);
      this.insertAt(t, keys[k], keys[k + 1], keys[k + 2], keys[k + 3], lastSeen[s]);
      this.values.set(values.subarray(s * fields, (s + 1) * fields), t * fields);
    }
    this.evicted += before - this.size;
  }

  /** The table as it stands (keys, slots, values), for a detector snapshot. */
  write(w: ByteWriter): void {
    w.u32(this.capacity);
    w.u32(this.size);
    w.f64(this.evicted);
    w.i32s(this.keys);
    w.i32s(Int32Array.from(this.used));
    w.f64s(this.lastSeen);
    w.f64s(this.values);
  }

  /** Replaces the table with one written by `write` (of a table with the same fields). */
  read(r: ByteReader): void {
    const at = r.offset;
    const capacity = r.u32();
    const size = r.u32();
    const evicted = r.f64();
    const keys = r.i32s();
    const used = Uint8Array.from(r.i32s());
    const lastSeen = r.f64s();
    const values = r.f64s();
    const ok =
      capacity >= 16 &&
      (capacity & (capacity - 1)) === 0 &&
      capacity <= this.maxCapacity &&
      keys.length === capacity * 4 &&
      used.length === capacity &&
      lastSeen.length === capacity &&
      values.length === capacity * this.fields &&
      size === used.reduce((n, u) => n + u, 0);
    if (!ok)
      throw invalid('flow detector snapshot: a state table does not fit', [{ offset: at, message: 'table' }]);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.size = size;
    this.evicted = evicted;
    this.keys = keys;
    this.used = used;
    this.lastSeen = lastSeen;
    this.values = values;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.capacity * (16 + 1 + 8 + 8 * this.fields);
  }
}

function pow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

/** Exponential decay factor over `dt` seconds with time constant `tau`. */
export const decay = (dt: number, tau: number): number => (dt <= 0 ? 1 : Math.exp(-dt / tau));
