/**
 * KitNET (Mirsky et al., NDSS 2018, §V; Kitsune-py KitNET/KitNET.py and dA.py): an ensemble of small
 * autoencoders, one per feature cluster, whose reconstruction RMSEs feed an output autoencoder; the output
 * RMSE is the anomaly score.
 *
 * Each autoencoder has tied weights (W' = Wᵀ), sigmoid units, n_hidden = ceil(hiddenRatio · n_visible),
 * weights uniform in ±1/n_visible from a seeded generator, and learns by plain SGD on the squared error of
 * its 0-1 normalised input (min/max learned while training, frozen afterwards). Deviation: biases get their
 * per-unit gradient; dA.py adds the mean of the gradient to every bias.
 *
 * Weights live in Float64Arrays and every buffer is preallocated: training and execution allocate nothing.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { FeatureMapper } from './feature-mapper';
import type { ByteReader, ByteWriter } from './snapshot';

/** dA.py: 1e-16 keeps a feature that was constant in training from dividing by zero. */
const NORM_EPS = 1e-16;

/** 2^k for k in [-64, 64], the integer part of the exponent in `sigmoidInPlace`. */
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));

/**
 * Logistic function 1 / (1 + e^-a) applied in place to a[from..to), with exp by range reduction:
 * e^-a = 2^k · e^f, |f| ≤ ln2/2, e^f by its degree-8 Taylor polynomial (relative error < 2e-10). Math.exp
 * costs ~3x more in V8 and the ensemble evaluates ~250 units per packet. Beyond |a| = 40 the result is
 * within 5e-18 of 0 or 1. The autoencoders call this on whole layers rather than a scalar function per
 * unit: a call that V8 does not inline returns its double boxed on the heap, and the ensemble's loops are
 * too large for it to inline ~250 calls a packet.
 */
export function sigmoidInPlace(a: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (v >= 40) a[i] = 1;
    else if (v <= -40) a[i] = 4.248354255291589e-18;
    else {
      const t = -v * Math.LOG2E;
      const k = Math.round(t);
      const f = (t - k) * Math.LN2;
      const ef =
        1 +
        f *
          (1 +
            f *
              (0.5 +
                f * (1 / 6 + f * (1 / 24 + f * (1 / 120 + f * (1 / 720 + f * (1 / 5040 + f / 40320)))))));
      a[i] = 1 / (1 + ef * POW2[k + 64]);
    }
  }
}

/**
 * Autoencoders stored flat: every parameter and scratch vector of every member lives in one Float64Array
 * per kind, member k's slice starting at its offset. One call scores (and, learning, trains) all members,
 * so a packet costs two calls instead of ~100 small ones, and the logistic function runs as two long loops
 * over all hidden and all output units: each unit's exp is independent, so the CPU overlaps them.
 *
 * Member k reads input i (a "visible" unit, global index g = visibleStart[k] + i) from src[index[g]].
 */
export class AutoencoderBank {
  readonly count: number;
  /** Visible and hidden units per member. */
  readonly visible: Int32Array;
  readonly hidden: Int32Array;
  /** Offsets of member k in the visible-unit, hidden-unit and weight arrays; [count] is the total. */
  readonly visibleStart: Int32Array;
  readonly hiddenStart: Int32Array;
  readonly weightStart: Int32Array;
  /** Member k's W is visible × hidden, row-major, tied (the decoder uses Wᵀ). */
  readonly weights: Float64Array;
  readonly hiddenBias: Float64Array;
  readonly visibleBias: Float64Array;
  readonly normMin: Float64Array;
  readonly normMax: Float64Array;
  /** SGD steps taken (every member learns on every training call). */
  trained = 0;
  /** 1 / (normMax - normMin + ε), refreshed whenever training widens the range. */
  private readonly invRange: Float64Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  /** Output pre-activations, then the reconstruction. */
  private readonly z: Float64Array;
  private readonly e: Float64Array;
  private readonly hiddenDelta: Float64Array;

  /** Weights are drawn from `random` member by member, in weight order (seeded, reproducible). */
  constructor(
    sizes: readonly number[],
    hiddenRatio: number,
    private readonly learningRate: number,
    random: () => number,
    private readonly clip = Number.POSITIVE_INFINITY,
  ) {
    const m = sizes.length;
    this.count = m;
    this.visible = Int32Array.from(sizes);
    this.hidden = Int32Array.from(sizes, (n) => Math.ceil(n * hiddenRatio));
    this.visibleStart = new Int32Array(m + 1);
    this.hiddenStart = new Int32Array(m + 1);
    this.weightStart = new Int32Array(m + 1);
    for (let k = 0; k < m; k++) {
      this.visibleStart[k + 1] = this.visibleStart[k] + this.visible[k];
      this.hiddenStart[k + 1] = this.hiddenStart[k] + this.hidden[k];
      this.weightStart[k + 1] = this.weightStart[k] + this.visible[k] * this.hidden[k];
    }
    const nv = this.visibleStart[m];
    const nh = this.hiddenStart[m];
    this.weights = new Float64Array(this.weightStart[m]);
    for (let k = 0; k < m; k++) {
      const a = 1 / this.visible[k];
      for (let i = this.weightStart[k]; i < this.weightStart[k + 1]; i++)
        this.weights[i] = -a + 2 * a * random();
    }
    this.hiddenBias = new Float64Array(nh);
    this.visibleBias = new Float64Array(nv);
    this.normMin = new Float64Array(nv).fill(Number.POSITIVE_INFINITY);
    this.normMax = new Float64Array(nv).fill(Number.NEGATIVE_INFINITY);
    this.invRange = new Float64Array(nv);
    this.x = new Float64Array(nv);
    this.y = new Float64Array(nh);
    this.z = new Float64Array(nv);
    this.e = new Float64Array(nv);
    this.hiddenDelta = new Float64Array(nh);
  }

  /**
   * Reconstructs every member's input and writes its RMSE to out[k]. With `learn`, first widens the
   * normalisation ranges, then takes one SGD step per member; the RMSE is the one before the step
   * (dA.train).
   */
  run(src: Float64Array, index: Int32Array, out: Float64Array, learn: boolean): void {
    const { x, y, z, e, normMin, normMax, invRange, visibleStart: vs } = this;
    const nv = vs[this.count];
    const lo = -this.clip;
    const hi = 1 + this.clip;
    for (let g = 0; g < nv; g++) {
      const v = src[index[g]];
      if (learn && (v > normMax[g] || v < normMin[g])) {
        if (v > normMax[g]) normMax[g] = v;
        if (v < normMin[g]) normMin[g] = v;
        invRange[g] = 1 / (normMax[g] - normMin[g] + NORM_EPS);
      }
      const u = (v - normMin[g]) * invRange[g];
      // Deviation from dA.py: a value outside the training range is clipped to `clip` ranges beyond it.
      // Unclipped, a feature constant in training (range 0, divided by 1e-16) turns any change into an
      // RMSE of ~1e15 that swamps every other feature and the threshold.
      x[g] = Math.max(lo, Math.min(u, hi));
    }
    this.encode();
    sigmoidInPlace(y, 0, this.hiddenStart[this.count]);
    this.decode();
    sigmoidInPlace(z, 0, nv);
    for (let k = 0; k < this.count; k++) {
      let sse = 0;
      for (let g = vs[k]; g < vs[k + 1]; g++) {
        const err = x[g] - z[g];
        e[g] = err;
        sse += err * err;
      }
      out[k] = Math.sqrt(sse / this.visible[k]);
    }
    if (learn) {
      this.trained++;
      this.backpropagate();
    }
  }

  /** Whether learning on src would widen some member's normalisation range (change what run computes). */
  wouldWiden(src: Float64Array, index: Int32Array): boolean {
    const { normMin, normMax } = this;
    const nv = this.visibleStart[this.count];
    for (let g = 0; g < nv; g++) {
      const v = src[index[g]];
      if (v > normMax[g] || v < normMin[g]) return true;
    }
    return false;
  }

  /**
   * y = W x + b per member, four hidden sums at a time: each sum is a chain of dependent additions that
   * waits on the adder's latency, four independent chains keep it busy. Every sum still adds its terms in
   * the order of the plain loop (bias, then visible units in order), so the result is the same bits.
   */
  private encode(): void {
    const { x, y, weights: w, hiddenBias: hb, visibleStart: vs, hiddenStart: hs, weightStart: ws } = this;
    for (let k = 0; k < this.count; k++) {
      const v0 = vs[k];
      const v1 = vs[k + 1];
      const h0 = hs[k];
      const h = this.hidden[k];
      const w0 = ws[k];
      let j = 0;
      for (; j + 3 < h; j += 4) {
        let a0 = hb[h0 + j];
        let a1 = hb[h0 + j + 1];
        let a2 = hb[h0 + j + 2];
        let a3 = hb[h0 + j + 3];
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) {
          const xg = x[g];
          a0 += xg * w[q];
          a1 += xg * w[q + 1];
          a2 += xg * w[q + 2];
          a3 += xg * w[q + 3];
        }
        y[h0 + j] = a0;
        y[h0 + j + 1] = a1;
        y[h0 + j + 2] = a2;
        y[h0 + j + 3] = a3;
      }
      // The last 1-3 sums in one pass too: most clusters are small (h of 1-3 is common).
      const rest = h - j;
      if (rest === 3) {
        let a0 = hb[h0 + j];
        let a1 = hb[h0 + j + 1];
        let a2 = hb[h0 + j + 2];
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) {
          const xg = x[g];
          a0 += xg * w[q];
          a1 += xg * w[q + 1];
          a2 += xg * w[q + 2];
        }
        y[h0 + j] = a0;
        y[h0 + j + 1] = a1;
        y[h0 + j + 2] = a2;
      } else if (rest === 2) {
        let a0 = hb[h0 + j];
        let a1 = hb[h0 + j + 1];
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) {
          const xg = x[g];
          a0 += xg * w[q];
          a1 += xg * w[q + 1];
        }
        y[h0 + j] = a0;
        y[h0 + j + 1] = a1;
      } else if (rest === 1) {
        let a = hb[h0 + j];
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) a += x[g] * w[q];
        y[h0 + j] = a;
      }
    }
  }

  /** z = Wᵀ y + b' per member (decoder pre-activations), four visible sums at a time (see encode). */
  private decode(): void {
    const { y, z, weights: w, visibleBias: vb, visibleStart: vs, hiddenStart: hs, weightStart: ws } = this;
    for (let k = 0; k < this.count; k++) {
      const v0 = vs[k];
      const n = this.visible[k];
      const h0 = hs[k];
      const h1 = hs[k + 1];
      const h = h1 - h0;
      const w0 = ws[k];
      let i = 0;
      for (; i + 3 < n; i += 4) {
        const r0 = w0 + i * h - h0;
        const r1 = r0 + h;
        const r2 = r1 + h;
        const r3 = r2 + h;
        let a0 = vb[v0 + i];
        let a1 = vb[v0 + i + 1];
        let a2 = vb[v0 + i + 2];
        let a3 = vb[v0 + i + 3];
        for (let q = h0; q < h1; q++) {
          const yq = y[q];
          a0 += yq * w[r0 + q];
          a1 += yq * w[r1 + q];
          a2 += yq * w[r2 + q];
          a3 += yq * w[r3 + q];
        }
        z[v0 + i] = a0;
        z[v0 + i + 1] = a1;
        z[v0 + i + 2] = a2;
        z[v0 + i + 3] = a3;
      }
      const rest = n - i;
      if (rest === 3) {
        const r0 = w0 + i * h - h0;
        const r1 = r0 + h;
        const r2 = r1 + h;
        let a0 = vb[v0 + i];
        let a1 = vb[v0 + i + 1];
        let a2 = vb[v0 + i + 2];
        for (let q = h0; q < h1; q++) {
          const yq = y[q];
          a0 += yq * w[r0 + q];
          a1 += yq * w[r1 + q];
          a2 += yq * w[r2 + q];
        }
        z[v0 + i] = a0;
        z[v0 + i + 1] = a1;
        z[v0 + i + 2] = a2;
      } else if (rest === 2) {
        const r0 = w0 + i * h - h0;
        const r1 = r0 + h;
        let a0 = vb[v0 + i];
        let a1 = vb[v0 + i + 1];
        for (let q = h0; q < h1; q++) {
          const yq = y[q];
          a0 += yq * w[r0 + q];
          a1 += yq * w[r1 + q];
        }
        z[v0 + i] = a0;
        z[v0 + i + 1] = a1;
      } else if (rest === 1) {
        const r = w0 + i * h - h0;
        let a = vb[v0 + i];
        for (let q = h0; q < h1; q++) a += y[q] * w[r + q];
        z[v0 + i] = a;
      }
    }
  }

  /** One SGD step of every member on the squared error left in e (dA.train). */
  private backpropagate(): void {
    const { x, y, e, weights: w, hiddenDelta: dh, visibleStart: vs, hiddenStart: hs, weightStart: ws } = this;
    const { visibleBias: vb, hiddenBias: hb, learningRate: lr } = this;
    for (let k = 0; k < this.count; k++) {
      const v0 = vs[k];
      const v1 = vs[k + 1];
      const h0 = hs[k];
      const h1 = hs[k + 1];
      const h = h1 - h0;
      const w0 = ws[k];
      // Hidden deltas use the pre-update weights, as dA.train computes L_h1 before changing W. Four column
      // sums at a time, each in row order (see encode).
      let j = 0;
      for (; j + 3 < h; j += 4) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) {
          const eg = e[g];
          s0 += eg * w[q];
          s1 += eg * w[q + 1];
          s2 += eg * w[q + 2];
          s3 += eg * w[q + 3];
        }
        const y0 = y[h0 + j];
        const y1 = y[h0 + j + 1];
        const y2 = y[h0 + j + 2];
        const y3 = y[h0 + j + 3];
        dh[h0 + j] = s0 * y0 * (1 - y0);
        dh[h0 + j + 1] = s1 * y1 * (1 - y1);
        dh[h0 + j + 2] = s2 * y2 * (1 - y2);
        dh[h0 + j + 3] = s3 * y3 * (1 - y3);
      }
      const rest = h - j;
      if (rest === 3) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) {
          const eg = e[g];
          s0 += eg * w[q];
          s1 += eg * w[q + 1];
          s2 += eg * w[q + 2];
        }
        const y0 = y[h0 + j];
        const y1 = y[h0 + j + 1];
        const y2 = y[h0 + j + 2];
        dh[h0 + j] = s0 * y0 * (1 - y0);
        dh[h0 + j + 1] = s1 * y1 * (1 - y1);
        dh[h0 + j + 2] = s2 * y2 * (1 - y2);
      } else if (rest === 2) {
        let s0 = 0;
        let s1 = 0;
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) {
          const eg = e[g];
          s0 += eg * w[q];
          s1 += eg * w[q + 1];
        }
        const y0 = y[h0 + j];
        const y1 = y[h0 + j + 1];
        dh[h0 + j] = s0 * y0 * (1 - y0);
        dh[h0 + j + 1] = s1 * y1 * (1 - y1);
      } else if (rest === 1) {
        let s = 0;
        for (let g = v0, q = w0 + j; g < v1; g++, q += h) s += e[g] * w[q];
        const yj = y[h0 + j];
        dh[h0 + j] = s * yj * (1 - yj);
      }
      // Two weight rows per pass share the loads of dh and y.
      let g = v0;
      let r = w0 - h0;
      for (; g + 1 < v1; g += 2, r += 2 * h) {
        const x0 = lr * x[g];
        const e0 = lr * e[g];
        const x1 = lr * x[g + 1];
        const e1 = lr * e[g + 1];
        const r1 = r + h;
        for (let q = h0; q < h1; q++) {
          const dq = dh[q];
          const yq = y[q];
          w[r + q] += x0 * dq + e0 * yq;
          w[r1 + q] += x1 * dq + e1 * yq;
        }
        vb[g] += e0;
        vb[g + 1] += e1;
      }
      if (g < v1) {
        const xg = lr * x[g];
        const eg = lr * e[g];
        for (let q = h0; q < h1; q++) w[r + q] += xg * dh[q] + eg * y[q];
        vb[g] += eg;
      }
      for (let q = h0; q < h1; q++) hb[q] += lr * dh[q];
    }
  }

  /** Member k's state in the snapshot layout of one autoencoder (steps, W, b, b', min, max). */
  writeMember(k: number, w: ByteWriter): void {
    w.u32(this.trained);
    w.f64s(this.weights.subarray(this.weightStart[k], this.weightStart[k + 1]));
    w.f64s(this.hiddenBias.subarray(this.hiddenStart[k], this.hiddenStart[k + 1]));
    for (const a of [this.visibleBias, this.normMin, this.normMax])
      w.f64s(a.subarray(this.visibleStart[k], this.visibleStart[k + 1]));
  }

  readMember(k: number, r: ByteReader): void {
    this.trained = r.u32();
    this.weights.set(r.f64s(), this.weightStart[k]);
    this.hiddenBias.set(r.f64s(), this.hiddenStart[k]);
    for (const a of [this.visibleBias, this.normMin, this.normMax]) a.set(r.f64s(), this.visibleStart[k]);
    for (let g = this.visibleStart[k]; g < this.visibleStart[k + 1]; g++)
      this.invRange[g] = 1 / (this.normMax[g] - this.normMin[g] + NORM_EPS);
  }
}

export interface KitNetOptions {
  /** Largest feature cluster, i.e. most inputs of one ensemble autoencoder (paper: m = 10). */
  maxClusterSize?: number;
  learningRate?: number;
  hiddenRatio?: number;
  /** Seed of the weight initialisation (DESIGN.md §4: reproducible model init). */
  seed?: number;
  /** Normalised inputs are clipped to [-clip, 1 + clip] (Infinity: Kitsune-py's unbounded behaviour). */
  clip?: number;
}

export class KitNet {
  readonly mapper: FeatureMapper;
  private readonly maxClusterSize: number;
  private readonly learningRate: number;
  private readonly hiddenRatio: number;
  private readonly seed: number;
  private readonly clip: number;
  /** Concatenated cluster members and each cluster's start (clusterStart[k]..clusterStart[k+1]). */
  private members = new Int32Array(0);
  private clusterStart = new Int32Array(1);
  /** The ensemble (one member per cluster, reading x through `members`) and the output autoencoder. */
  private ensemble: AutoencoderBank | null = null;
  private output: AutoencoderBank | null = null;
  private layer1 = new Float64Array(0);
  private outputIndex = new Int32Array(0);
  private readonly score = new Float64Array(1);

  constructor(
    readonly featureCount: number,
    options: KitNetOptions = {},
  ) {
    this.mapper = new FeatureMapper(featureCount);
    this.maxClusterSize = options.maxClusterSize ?? 10;
    this.learningRate = options.learningRate ?? 0.1;
    this.hiddenRatio = options.hiddenRatio ?? 0.75;
    this.seed = options.seed ?? 1;
    this.clip = options.clip ?? 1;
  }

  get ready(): boolean {
    return this.output !== null;
  }

  /** The learned clusters (feature indices per ensemble autoencoder). */
  clusters(): number[][] {
    const out: number[][] = [];
    for (let k = 0; k + 1 < this.clusterStart.length; k++)
      out.push(Array.from(this.members.subarray(this.clusterStart[k], this.clusterStart[k + 1])));
    return out;
  }

  /** FM grace period: feeds the correlation matrix. */
  learnFeatureMap(x: Float64Array): void {
    this.mapper.update(x);
  }

  /** Ends the FM grace period: clusters the features and creates the autoencoders. */
  buildEnsemble(clusters = this.mapper.cluster(this.maxClusterSize)): void {
    this.members = Int32Array.from(clusters.flat());
    this.clusterStart = new Int32Array(clusters.length + 1);
    for (let k = 0; k < clusters.length; k++)
      this.clusterStart[k + 1] = this.clusterStart[k] + clusters[k].length;
    const rng = xoroshiro128plus(this.seed);
    const random = () => uniformFloat64(rng);
    this.ensemble = new AutoencoderBank(
      clusters.map((c) => c.length),
      this.hiddenRatio,
      this.learningRate,
      random,
      this.clip,
    );
    this.output = new AutoencoderBank(
      [clusters.length],
      this.hiddenRatio,
      this.learningRate,
      random,
      this.clip,
    );
    this.layer1 = new Float64Array(clusters.length);
    this.outputIndex = Int32Array.from(clusters, (_, k) => k);
  }

  /** AD grace period: one SGD step of every autoencoder; returns the output RMSE before the step. */
  train(x: Float64Array): number {
    this.ensemble!.run(x, this.members, this.layer1, true);
    this.output!.run(this.layer1, this.outputIndex, this.score, true);
    return this.score[0];
  }

  /**
   * execute(x) then train(x) (test-then-train), with the same result. Training's forward pass is the
   * execution's whenever learning x widens no normalisation range, so then it runs once.
   */
  scoreThenTrain(x: Float64Array): number {
    const ensemble = this.ensemble!;
    const output = this.output!;
    if (ensemble.wouldWiden(x, this.members)) {
      const score = this.execute(x);
      this.train(x);
      return score;
    }
    ensemble.run(x, this.members, this.layer1, true);
    let score: number | null = null;
    if (output.wouldWiden(this.layer1, this.outputIndex)) {
      output.run(this.layer1, this.outputIndex, this.score, false);
      score = this.score[0];
    }
    output.run(this.layer1, this.outputIndex, this.score, true);
    return score ?? this.score[0];
  }

  /** The anomaly score of x (output autoencoder RMSE); changes nothing. */
  execute(x: Float64Array): number {
    this.ensemble!.run(x, this.members, this.layer1, false);
    this.output!.run(this.layer1, this.outputIndex, this.score, false);
    return this.score[0];
  }

  write(w: ByteWriter): void {
    this.mapper.write(w);
    w.u32(this.output ? 1 : 0);
    if (!this.output) return;
    w.i32s(this.members);
    w.i32s(this.clusterStart);
    for (let k = 0; k < this.ensemble!.count; k++) this.ensemble!.writeMember(k, w);
    this.output.writeMember(0, w);
  }

  read(r: ByteReader): void {
    this.mapper.read(r);
    if (r.u32() === 0) return;
    const members = r.i32s();
    const start = r.i32s();
    const clusters: number[][] = [];
    for (let k = 0; k + 1 < start.length; k++)
      clusters.push(Array.from(members.subarray(start[k], start[k + 1])));
    this.buildEnsemble(clusters);
    for (let k = 0; k < this.ensemble!.count; k++) this.ensemble!.readMember(k, r);
    this.output!.readMember(0, r);
  }
}
