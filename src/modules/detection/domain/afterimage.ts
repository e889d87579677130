/**
 * AfterImage: damped incremental statistics per packet stream (Mirsky et al., "Kitsune: An Ensemble of
 * Autoencoders for Online Network Intrusion Detection", NDSS 2018, §IV-B; Kitsune-py AfterImage.py and
 * netStat.py).
 *
 * A stream's statistics are the decayed weight w, linear sum LS and squared sum SS; before each insert they
 * are multiplied by 2^(-λ Δt) (paper eq. 1). Two-direction streams also keep the decayed sum of residual
 * products SR (incStat_cov.update_cov) for covariance and correlation.
 *
 * Deviations from Kitsune-py, on purpose:
 * - The channel group's 1D statistics are those of the directed channel src→dst, as in the paper; Kitsune-py
 *   uses the source-IP stream there (HT_H keyed by srcIP) and then leaves the source-IP group out. Here the
 *   source-IP group is a group of its own, giving the paper's 115 features.
 * - The residual product is added once per packet; Kitsune-py adds it twice (incStat.insert and again in
 *   update_get_2D_Stats).
 * - Std is reported (paper Table I); some Kitsune-py revisions report the variance in allstats_1D.
 *
 * All state is struct-of-arrays in Float64Arrays indexed by an integer slot (Map<string, slot>), bounded by
 * `maxStreams` per table: when a table is full, streams whose slowest-window weight decayed below
 * `cutoffWeight` are dropped (Kitsune-py incStatDB.cleanOutOldRecords), else the least recently updated
 * quarter.
 */
import type { PacketRecord } from '../../telemetry/domain/records';
import type { ByteReader, ByteWriter } from './snapshot';

/** Decay factors λ (paper §IV-B: windows of 100 ms, 500 ms, 1.5 s, 10 s and 1 min). */
export const LAMBDAS: readonly number[] = [5, 3, 1, 0.1, 0.01];
const L = 5;

/** Stands in for the factors when Δt ≤ 0 (nothing decays; the tables do not read it). */
const NO_DECAY = new Float64Array(L).fill(1);

/**
 * The decay factors 2^(-λΔt) of the last Δt asked for, shared by every table: V8's `2 ** x` costs ~150 ns,
 * and a packet's tables often see the same Δt (streams last updated by the same earlier packet). Computed
 * with `**` itself, not Math.exp: the features must not change in their last bits (the model downstream
 * amplifies rounding noise of features that are constant in training).
 */
class DecayCache {
  /** Two entries: a packet's channel and socket streams usually share one Δt, its host streams another. */
  private readonly dts = Float64Array.of(Number.NaN, Number.NaN);
  private readonly factors = [new Float64Array(L), new Float64Array(L)];
  private older = 0;

  /** The factors for dt; computed only when neither entry holds dt (then it replaces the older one). */
  of(dt: number): Float64Array {
    if (dt === this.dts[0]) return this.factors[0];
    if (dt === this.dts[1]) return this.factors[1];
    const e = this.older;
    this.older = 1 - e;
    this.dts[e] = dt;
    const f = this.factors[e];
    for (let l = 0; l < L; l++) f[l] = 2 ** (-LAMBDAS[l] * dt);
    return f;
  }
}

/** Kitsune-py incStat initial weight: avoids division by zero before the first insert. */
const W0 = 1e-20;

/** Feature layout (per group, per λ in LAMBDAS order). */
export const FEATURE_GROUPS = [
  { name: 'srcMacIp', stats: ['weight', 'mean', 'std'] },
  { name: 'srcIp', stats: ['weight', 'mean', 'std'] },
  { name: 'channel', stats: ['weight', 'mean', 'std', 'radius', 'magnitude', 'covariance', 'pcc'] },
  { name: 'channelJitter', stats: ['weight', 'mean', 'std'] },
  { name: 'socket', stats: ['weight', 'mean', 'std', 'radius', 'magnitude', 'covariance', 'pcc'] },
] as const;
export const FEATURE_COUNT = FEATURE_GROUPS.reduce((n, g) => n + g.stats.length * L, 0);

/** Feature names, e.g. "channel_l0.1_pcc"; index i names feature i. */
export function featureNames(): string[] {
  const names: string[] = [];
  for (const g of FEATURE_GROUPS)
    for (const lambda of LAMBDAS) for (const s of g.stats) names.push(`${g.name}_l${lambda}_${s}`);
  return names;
}

const OFF_MI = 0;
const OFF_H = 15;
const OFF_HH = 30;
const OFF_JIT = 65;
const OFF_SOCK = 80;

export interface AfterImageOptions {
  /** Most streams (or stream pairs) kept per statistics table. */
  maxStreams?: number;
  /** A stream whose weight at the slowest λ fell below this is stale and may be dropped. */
  cutoffWeight?: number;
}

/**
 * Memoised `${a}${separator}${b}` for stream keys. The readers intern address strings, so looking them up
 * reuses V8's cached string hash, and the joined key comes back as the same flat string with its own hash
 * cached; a template string per packet would be built, flattened and hashed again for each of the five
 * tables. A pure cache, emptied when it holds `max` keys.
 */
class KeyJoiner {
  private readonly byFirst = new Map<string, Map<string, string>>();
  private size = 0;

  constructor(
    private readonly separator: string,
    private readonly max = 1 << 16,
  ) {}

  join(a: string, b: string): string {
    let second = this.byFirst.get(a);
    if (second === undefined) {
      second = new Map();
      this.byFirst.set(a, second);
    }
    let key = second.get(b);
    if (key === undefined) {
      if (this.size >= this.max) {
        this.byFirst.clear();
        this.size = 0;
        second = new Map();
        this.byFirst.set(a, second);
      }
      key = `${a}${this.separator}${b}`;
      second.set(b, key);
      this.size++;
    }
    return key;
  }
}

/** Decimal port and `p<protocol>` strings, made once each (socket keys). */
const PORT_NAMES: string[] = [];
const PROTOCOL_NAMES: string[] = [];
const portName = (port: number): string => (PORT_NAMES[port] ??= String(port));
const protocolName = (protocol: number): string => (PROTOCOL_NAMES[protocol] ??= `p${protocol}`);

/** Slot allocator shared by both table kinds: key ↔ slot, free list, growth up to a bound, eviction. */
abstract class SlotTable {
  readonly slots = new Map<string, number>();
  keys: string[] = [];
  lastT: Float64Array;
  capacity: number;
  private freeList: number[] = [];
  private next = 0;

  constructor(
    readonly maxStreams: number,
    readonly cutoffWeight: number,
    initial: number,
    protected readonly decay: DecayCache,
  ) {
    this.capacity = Math.min(initial, maxStreams);
    this.lastT = new Float64Array(this.capacity);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Slot of `key`, created (and zeroed) at time t when absent. */
  slotOf(key: string, t: number): number {
    const s = this.slots.get(key);
    if (s !== undefined) return s;
    if (this.freeList.length === 0 && this.next >= this.capacity) {
      if (this.capacity < this.maxStreams) this.grow(Math.min(this.maxStreams, this.capacity * 2));
      else this.evict(t);
    }
    const slot = this.freeList.length > 0 ? this.freeList.pop()! : this.next++;
    this.slots.set(key, slot);
    this.keys[slot] = key;
    this.lastT[slot] = t;
    this.reset(slot);
    return slot;
  }

  private grow(capacity: number): void {
    const t = new Float64Array(capacity);
    t.set(this.lastT);
    this.lastT = t;
    this.resize(capacity);
    this.capacity = capacity;
  }

  /** Drops stale streams; when none is stale, the least recently updated quarter (LRU). */
  private evict(now: number): void {
    let removed = 0;
    for (const [key, slot] of this.slots) {
      if (this.slowWeight(slot) * 2 ** (-LAMBDAS[L - 1] * (now - this.lastT[slot])) < this.cutoffWeight) {
        this.drop(key, slot);
        removed++;
      }
    }
    if (removed > 0) return;
    const times = Float64Array.from(this.slots.values(), (s) => this.lastT[s]).sort();
    const cut = times[Math.floor(times.length / 4)];
    for (const [key, slot] of this.slots) if (this.lastT[slot] <= cut) this.drop(key, slot);
  }

  private drop(key: string, slot: number): void {
    this.slots.delete(key);
    this.keys[slot] = '';
    this.freeList.push(slot);
  }

  protected abstract reset(slot: number): void;
  protected abstract resize(capacity: number): void;
  protected abstract slowWeight(slot: number): number;
  protected abstract arrays(): Float64Array[];

  write(w: ByteWriter): void {
    w.u32(this.capacity);
    w.u32(this.next);
    w.strings(this.keys.slice(0, this.next));
    w.f64s(this.lastT.subarray(0, this.next));
    for (const a of this.arrays()) w.f64s(a.subarray(0, (a.length / this.capacity) * this.next));
  }

  read(r: ByteReader): void {
    const capacity = r.u32();
    this.next = r.u32();
    if (capacity > this.capacity) this.grow(capacity);
    this.keys = r.strings();
    this.slots.clear();
    this.freeList = [];
    for (let s = 0; s < this.keys.length; s++) {
      if (this.keys[s] === '') this.freeList.push(s);
      else this.slots.set(this.keys[s], s);
    }
    this.lastT.set(r.f64s());
    for (const a of this.arrays()) a.set(r.f64s());
  }
}

/** One-direction streams: weight, linear sum, squared sum for each λ. */
class Table1D extends SlotTable {
  w: Float64Array;
  ls: Float64Array;
  ss: Float64Array;

  constructor(maxStreams: number, cutoffWeight: number, decay: DecayCache) {
    super(maxStreams, cutoffWeight, 1024, decay);
    this.w = new Float64Array(this.capacity * L);
    this.ls = new Float64Array(this.capacity * L);
    this.ss = new Float64Array(this.capacity * L);
  }

  protected reset(slot: number): void {
    const b = slot * L;
    this.w.fill(W0, b, b + L);
    this.ls.fill(0, b, b + L);
    this.ss.fill(0, b, b + L);
  }

  protected resize(capacity: number): void {
    this.w = extend(this.w, capacity * L);
    this.ls = extend(this.ls, capacity * L);
    this.ss = extend(this.ss, capacity * L);
  }

  protected slowWeight(slot: number): number {
    return this.w[slot * L + L - 1];
  }

  protected arrays(): Float64Array[] {
    return [this.w, this.ls, this.ss];
  }

  /**
   * Inserts v at time t and writes (weight, mean, std) per λ at out[off..off+15). `diff`: the value is the
   * time since the stream's previous packet (Kitsune-py isTypeDiff, the jitter streams).
   */
  update(key: string, t: number, v: number, diff: boolean, out: Float64Array, off: number): void {
    const slot = this.slotOf(key, t);
    const dt = t - this.lastT[slot];
    if (diff) v = Math.max(dt, 0);
    const b = slot * L;
    const { w, ls, ss } = this;
    const decay = dt > 0 ? this.decay.of(dt) : NO_DECAY;
    for (let l = 0; l < L; l++) {
      const i = b + l;
      if (dt > 0) {
        const f = decay[l];
        w[i] *= f;
        ls[i] *= f;
        ss[i] *= f;
      }
      w[i] += 1;
      ls[i] += v;
      ss[i] += v * v;
      const mean = ls[i] / w[i];
      const o = off + l * 3;
      out[o] = w[i];
      out[o + 1] = mean;
      out[o + 2] = Math.sqrt(Math.abs(ss[i] / w[i] - mean * mean));
    }
    if (dt > 0) this.lastT[slot] = t;
  }
}

/**
 * Two-direction streams (a channel or a socket pair): both directions' weight, linear and squared sums, the
 * residual-product sum SR with its weight, and each direction's last residual. One lastT per pair: every
 * update decays both directions and SR to the same instant, as Kitsune-py's update_cov does.
 */
class Table2D extends SlotTable {
  w: Float64Array;
  ls: Float64Array;
  ss: Float64Array;
  sr: Float64Array;
  w3: Float64Array;
  res: Float64Array;

  constructor(
    maxStreams: number,
    cutoffWeight: number,
    decay: DecayCache,
    /** Joins the pair's ends into its key, `${a}>${b}` with a < b. */
    private readonly pairs: KeyJoiner,
  ) {
    super(maxStreams, cutoffWeight, 1024, decay);
    const c = this.capacity * L;
    this.w = new Float64Array(c * 2);
    this.ls = new Float64Array(c * 2);
    this.ss = new Float64Array(c * 2);
    this.sr = new Float64Array(c);
    this.w3 = new Float64Array(c);
    this.res = new Float64Array(c * 2);
  }

  protected reset(slot: number): void {
    const b = slot * L;
    this.w.fill(W0, b * 2, (b + L) * 2);
    this.ls.fill(0, b * 2, (b + L) * 2);
    this.ss.fill(0, b * 2, (b + L) * 2);
    this.sr.fill(0, b, b + L);
    this.w3.fill(W0, b, b + L);
    this.res.fill(0, b * 2, (b + L) * 2);
  }

  protected resize(capacity: number): void {
    const c = capacity * L;
    this.w = extend(this.w, c * 2);
    this.ls = extend(this.ls, c * 2);
    this.ss = extend(this.ss, c * 2);
    this.sr = extend(this.sr, c);
    this.w3 = extend(this.w3, c);
    this.res = extend(this.res, c * 2);
  }

  protected slowWeight(slot: number): number {
    const i = (slot * L + L - 1) * 2;
    return this.w[i] + this.w[i + 1];
  }

  protected arrays(): Float64Array[] {
    return [this.w, this.ls, this.ss, this.sr, this.w3, this.res];
  }

  /**
   * Inserts v for the direction src→dst at time t; writes (weight, mean, std, radius, magnitude, covariance,
   * pcc) per λ at out[off..off+35) (paper Table I; Kitsune-py incStat_cov.get_stats2 order).
   */
  update(src: string, dst: string, t: number, v: number, out: Float64Array, off: number): void {
    const forward = src < dst;
    const slot = this.slotOf(forward ? this.pairs.join(src, dst) : this.pairs.join(dst, src), t);
    const d = forward ? 0 : 1;
    const o2 = 1 - d;
    const dt = t - this.lastT[slot];
    const { w, ls, ss, sr, w3, res } = this;
    const decay = dt > 0 ? this.decay.of(dt) : NO_DECAY;
    for (let l = 0; l < L; l++) {
      const k = slot * L + l;
      const i = k * 2 + d;
      const j = k * 2 + o2;
      if (dt > 0) {
        const f = decay[l];
        w[i] *= f;
        ls[i] *= f;
        ss[i] *= f;
        // A long-silent direction's weight underflows to 0 at λ = 5; keep incStat's floor so its mean is 0.
        w[j] = Math.max(w[j] * f, W0);
        ls[j] *= f;
        ss[j] *= f;
        sr[k] *= f;
        w3[k] *= f;
      }
      w[i] += 1;
      ls[i] += v;
      ss[i] += v * v;
      const mean = ls[i] / w[i];
      const varI = Math.abs(ss[i] / w[i] - mean * mean);
      const meanJ = ls[j] / w[j];
      const varJ = Math.abs(ss[j] / w[j] - meanJ * meanJ);
      // Kitsune-py incStat_cov.update_cov: residual of this direction times the other's last residual.
      const r = v - mean;
      sr[k] += r * res[j];
      w3[k] += 1;
      res[i] = r;
      const cov = sr[k] / w3[k];
      const stdI = Math.sqrt(varI);
      const ssd = stdI * Math.sqrt(varJ);
      const o = off + l * 7;
      out[o] = w[i];
      out[o + 1] = mean;
      out[o + 2] = stdI;
      out[o + 3] = Math.sqrt(varI * varI + varJ * varJ);
      out[o + 4] = Math.sqrt(mean * mean + meanJ * meanJ);
      out[o + 5] = cov;
      out[o + 6] = ssd !== 0 ? cov / ssd : 0;
    }
    if (dt > 0) this.lastT[slot] = t;
  }
}

function extend(a: Float64Array, length: number): Float64Array {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}

/** The stream identities of one packet, following Kitsune-py FeatureExtractor.get_next_vector. */
function hostOf(p: PacketRecord, src: boolean): string {
  if (p.arpOp !== 0) return src ? p.arpSenderIp : p.arpTargetIp;
  if (p.ipVersion !== 0) return src ? p.srcIp : p.dstIp;
  return src ? p.srcMac : p.dstMac;
}

export class AfterImage {
  private readonly macIp: Table1D;
  private readonly host: Table1D;
  private readonly channel: Table2D;
  private readonly jitter: Table1D;
  private readonly socket: Table2D;
  /** `${src}>${dst}`: the jitter key, and the channel key when src < dst (one string for both). */
  private readonly directed = new KeyJoiner('>');
  private readonly macAndHost = new KeyJoiner('|');
  private readonly hostAndPort = new KeyJoiner(':');

  constructor(options: AfterImageOptions = {}) {
    const max = options.maxStreams ?? 1 << 16;
    const cut = options.cutoffWeight ?? 1e-3;
    const decay = new DecayCache();
    this.macIp = new Table1D(max, cut, decay);
    this.host = new Table1D(max, cut, decay);
    this.channel = new Table2D(max, cut, decay, this.directed);
    this.jitter = new Table1D(max, cut, decay);
    this.socket = new Table2D(max, cut, decay, new KeyJoiner('>'));
  }

  /** Streams held per table, for memory accounting. */
  streamCounts(): { macIp: number; host: number; channel: number; jitter: number; socket: number } {
    return {
      macIp: this.macIp.size,
      host: this.host.size,
      channel: this.channel.size,
      jitter: this.jitter.size,
      socket: this.socket.size,
    };
  }

  /** Updates all streams of packet p and writes its FEATURE_COUNT features into out (no allocation). */
  update(p: PacketRecord, out: Float64Array): void {
    const t = p.time;
    const v = p.length;
    const src = hostOf(p, true);
    const dst = hostOf(p, false);
    this.macIp.update(this.macAndHost.join(p.srcMac, src), t, v, false, out, OFF_MI);
    this.host.update(src, t, v, false, out, OFF_H);
    this.channel.update(src, dst, t, v, out, OFF_HH);
    this.jitter.update(this.directed.join(src, dst), t, 0, true, out, OFF_JIT);
    let srcSock: string;
    let dstSock: string;
    if (p.srcPort >= 0) {
      srcSock = this.hostAndPort.join(src, portName(p.srcPort));
      dstSock = this.hostAndPort.join(dst, portName(p.dstPort));
    } else if (p.arpOp !== 0 || p.ipVersion === 0) {
      // Kitsune-py: ARP and non-IP sockets are the MAC addresses.
      srcSock = p.srcMac;
      dstSock = p.dstMac;
    } else if (p.icmpType >= 0) {
      srcSock = this.hostAndPort.join(src, 'icmp');
      dstSock = this.hostAndPort.join(dst, 'icmp');
    } else {
      srcSock = this.hostAndPort.join(src, protocolName(p.protocol));
      dstSock = this.hostAndPort.join(dst, protocolName(p.protocol));
    }
    this.socket.update(srcSock, dstSock, t, v, out, OFF_SOCK);
  }

  write(w: ByteWriter): void {
    for (const t of [this.macIp, this.host, this.channel, this.jitter, this.socket]) t.write(w);
  }

  read(r: ByteReader): void {
    for (const t of [this.macIp, this.host, this.channel, this.jitter, this.socket]) t.read(r);
  }
}
