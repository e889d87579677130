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

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

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
  }

  /**
   * Loads input i from src[index[offset + i]] (or src[offset + i] when index is null), optionally widening
   * the normalisation range first, and writes the normalised value to the scratch input.
   */
  private load(src: Float64Array, index: Int32Array | null, offset: number, learn: boolean): void {
    const { x, normMin, normMax } = this;
    for (let i = 0; i < this.visible; i++) {
      const v = index === null ? src[offset + i] : src[index[offset + i]];
      if (learn) {
        if (v > normMax[i]) normMax[i] = v;
        if (v < normMin[i]) normMin[i] = v;
      }
      const z = (v - normMin[i]) / (normMax[i] - normMin[i] + NORM_EPS);
      // Deviation from dA.py: a value outside the training range is clipped to `clip` ranges beyond it.
      // Unclipped, a feature constant in training (range 0, divided by 1e-16) turns any change into an
      // RMSE of ~1e15 that swamps every other feature and the threshold.
      x[i] = Math.max(-this.clip, Math.min(z, 1 + this.clip));
    }
  }

  /** Encodes and decodes the scratch input; leaves the error x - z in e and returns the RMSE. */
  private reconstruct(): number {
    const { x, y, e, weights: w, hidden: h, visible: n } = this;
    for (let j = 0; j < h; j++) y[j] = this.hiddenBias[j];
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      const row = i * h;
      for (let j = 0; j < h; j++) y[j] += xi * w[row + j];
    }
    for (let j = 0; j < h; j++) y[j] = sigmoid(y[j]);
    let sse = 0;
    for (let i = 0; i < n; i++) {
      let a = this.visibleBias[i];
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
    const { x, y, e, weights: w, hidden: h, visible: n, learningRate: lr } = this;
    // Hidden deltas use the pre-update weights, as dA.train computes L_h1 before changing W.
    const dh = this.hiddenDelta;
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += e[i] * w[i * h + j];
      dh[j] = s * y[j] * (1 - y[j]);
    }
    for (let i = 0; i < n; i++) {
      const row = i * h;
      const xi = x[i];
      const ei = e[i];
      for (let j = 0; j < h; j++) w[row + j] += lr * (xi * dh[j] + ei * y[j]);
      this.visibleBias[i] += lr * ei;
    }
    for (let j = 0; j < h; j++) this.hiddenBias[j] += lr * dh[j];
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
