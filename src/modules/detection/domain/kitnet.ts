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

/** 2^k for k in [-64, 64], the integer part of the exponent in `sigmoid`. */
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));

/**
 * Logistic function with exp by range reduction: e^-a = 2^k · e^f, |f| ≤ ln2/2, e^f by its degree-8
 * Taylor polynomial (relative error < 2e-10). Math.exp costs ~3x more in V8 and the ensemble calls this
 * ~250 times per packet. Beyond |a| = 40 the result is within 5e-18 of 0 or 1.
 */
export function sigmoid(a: number): number {
  if (a >= 40) return 1;
  if (a <= -40) return 4.248354255291589e-18;
  const t = -a * Math.LOG2E;
  const k = Math.round(t);
  const f = (t - k) * Math.LN2;
  const ef =
    1 +
    f *
      (1 +
        f * (0.5 + f * (1 / 6 + f * (1 / 24 + f * (1 / 120 + f * (1 / 720 + f * (1 / 5040 + f / 40320)))))));
  return 1 / (1 + ef * POW2[k + 64]);
}

export class Autoencoder {
  readonly hidden: number;
  readonly weights: Float64Array;
  readonly hiddenBias: Float64Array;
  readonly visibleBias: Float64Array;
  readonly normMin: Float64Array;
  readonly normMax: Float64Array;
  trained = 0;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly e: Float64Array;
  private readonly hiddenDelta: Float64Array;
  /** 1 / (normMax - normMin + ε), refreshed whenever training widens the range. */
  private readonly invRange: Float64Array;

  constructor(
    readonly visible: number,
    hiddenRatio: number,
    private readonly learningRate: number,
    random: () => number,
    private readonly clip = Number.POSITIVE_INFINITY,
  ) {
    this.hidden = Math.ceil(visible * hiddenRatio);
    this.weights = new Float64Array(visible * this.hidden);
    const a = 1 / visible;
    for (let i = 0; i < this.weights.length; i++) this.weights[i] = -a + 2 * a * random();
    this.hiddenBias = new Float64Array(this.hidden);
    this.visibleBias = new Float64Array(visible);
    this.normMin = new Float64Array(visible).fill(Number.POSITIVE_INFINITY);
    this.normMax = new Float64Array(visible).fill(Number.NEGATIVE_INFINITY);
    this.x = new Float64Array(visible);
    this.y = new Float64Array(this.hidden);
    this.e = new Float64Array(visible);
    this.hiddenDelta = new Float64Array(this.hidden);
    this.invRange = new Float64Array(visible);
  }

  /**
   * Loads input i from src[index[offset + i]] (or src[offset + i] when index is null), optionally widening
   * the normalisation range first, and writes the normalised value to the scratch input.
   */
  private load(src: Float64Array, index: Int32Array | null, offset: number, learn: boolean): void {
    const { x, normMin, normMax, invRange } = this;
    const lo = -this.clip;
    const hi = 1 + this.clip;
    for (let i = 0; i < this.visible; i++) {
      const v = index === null ? src[offset + i] : src[index[offset + i]];
      if (learn && (v > normMax[i] || v < normMin[i])) {
        if (v > normMax[i]) normMax[i] = v;
        if (v < normMin[i]) normMin[i] = v;
        invRange[i] = 1 / (normMax[i] - normMin[i] + NORM_EPS);
      }
      const z = (v - normMin[i]) * invRange[i];
      // Deviation from dA.py: a value outside the training range is clipped to `clip` ranges beyond it.
      // Unclipped, a feature constant in training (range 0, divided by 1e-16) turns any change into an
      // RMSE of ~1e15 that swamps every other feature and the threshold.
      x[i] = Math.max(lo, Math.min(z, hi));
    }
  }

  /** Encodes and decodes the scratch input; leaves the error x - z in e and returns the RMSE. */
  private reconstruct(): number {
    const { x, y, e, weights: w, hidden: h, visible: n, hiddenBias, visibleBias } = this;
    for (let j = 0; j < h; j++) {
      let a = hiddenBias[j];
      for (let i = 0, k = j; i < n; i++, k += h) a += x[i] * w[k];
      y[j] = sigmoid(a);
    }
    let sse = 0;
    for (let i = 0; i < n; i++) {
      let a = visibleBias[i];
      const row = i * h;
      for (let j = 0; j < h; j++) a += y[j] * w[row + j];
      const err = x[i] - sigmoid(a);
      e[i] = err;
      sse += err * err;
    }
    return Math.sqrt(sse / n);
  }

  /** One SGD step; returns the RMSE before the step (dA.train). */
  train(src: Float64Array, index: Int32Array | null, offset: number): number {
    this.trained++;
    this.load(src, index, offset, true);
    const rmse = this.reconstruct();
    const { x, y, e, weights: w, hidden: h, visible: n, learningRate: lr, hiddenDelta: dh } = this;
    // Hidden deltas use the pre-update weights, as dA.train computes L_h1 before changing W.
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0, k = j; i < n; i++, k += h) s += e[i] * w[k];
      const yj = y[j];
      dh[j] = s * yj * (1 - yj);
    }
    const vb = this.visibleBias;
    for (let i = 0; i < n; i++) {
      const row = i * h;
      const xi = lr * x[i];
      const ei = lr * e[i];
      for (let j = 0; j < h; j++) w[row + j] += xi * dh[j] + ei * y[j];
      vb[i] += ei;
    }
    const hb = this.hiddenBias;
    for (let j = 0; j < h; j++) hb[j] += lr * dh[j];
    return rmse;
  }

  execute(src: Float64Array, index: Int32Array | null, offset: number): number {
    this.load(src, index, offset, false);
    return this.reconstruct();
  }

  write(w: ByteWriter): void {
    w.u32(this.trained);
    for (const a of [this.weights, this.hiddenBias, this.visibleBias, this.normMin, this.normMax]) w.f64s(a);
  }

  read(r: ByteReader): void {
    this.trained = r.u32();
    for (const a of [this.weights, this.hiddenBias, this.visibleBias, this.normMin, this.normMax])
      a.set(r.f64s());
    for (let i = 0; i < this.visible; i++)
      this.invRange[i] = 1 / (this.normMax[i] - this.normMin[i] + NORM_EPS);
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
  private ensemble: Autoencoder[] = [];
  private output: Autoencoder | null = null;
  private layer1 = new Float64Array(0);

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
    this.ensemble = clusters.map(
      (c) => new Autoencoder(c.length, this.hiddenRatio, this.learningRate, random, this.clip),
    );
    this.output = new Autoencoder(clusters.length, this.hiddenRatio, this.learningRate, random, this.clip);
    this.layer1 = new Float64Array(clusters.length);
  }

  /** AD grace period: one SGD step of every autoencoder; returns the output RMSE before the step. */
  train(x: Float64Array): number {
    const out = this.output!;
    for (let k = 0; k < this.ensemble.length; k++)
      this.layer1[k] = this.ensemble[k].train(x, this.members, this.clusterStart[k]);
    return out.train(this.layer1, null, 0);
  }

  /** The anomaly score of x (output autoencoder RMSE); changes nothing. */
  execute(x: Float64Array): number {
    const out = this.output!;
    for (let k = 0; k < this.ensemble.length; k++)
      this.layer1[k] = this.ensemble[k].execute(x, this.members, this.clusterStart[k]);
    return out.execute(this.layer1, null, 0);
  }

  write(w: ByteWriter): void {
    this.mapper.write(w);
    w.u32(this.output ? 1 : 0);
    if (!this.output) return;
    w.i32s(this.members);
    w.i32s(this.clusterStart);
    for (const ae of this.ensemble) ae.write(w);
    this.output.write(w);
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
    for (const ae of this.ensemble) ae.read(r);
    this.output!.read(r);
  }
}
