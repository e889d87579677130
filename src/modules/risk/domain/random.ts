import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { invalid } from '../../../core/errors';

/**
 * Seeded samplers for the FAIR Monte Carlo. One stream per simulation; every draw goes through
 * `next()` of a pure-rand xoroshiro128+ generator, so a seed reproduces a run bit for bit.
 * Methods are monomorphic and allocation-free because the simulation calls them tens of millions
 * of times per run.
 */

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

// Ziggurat for the standard normal: Marsaglia & Tsang, "The Ziggurat Method for Generating Random
// Variables", J. Stat. Software 5(8), 2000 (RNOR/zigset, 128 layers). Unlike RNOR we take the layer
// from the top 7 bits and the value from the other 25 bits of a draw, so the layer and the position
// inside it do not share bits (the defect Doornik, "An Improved Ziggurat Method", 2005, points out).
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_M = 16777216; // 2^24: |value| of a signed 25-bit draw
const kn = new Float64Array(128);
const wn = new Float64Array(128);
const fn = new Float64Array(128);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * ZIG_M;
  kn[1] = 0;
  wn[0] = q / ZIG_M;
  wn[127] = dn / ZIG_M;
  fn[0] = 1;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * ZIG_M;
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / ZIG_M;
  }
}

// log(k!) for small k exactly; Stirling's series above (error < 1e-10 for k >= 256).
const LOG_FACTORIAL = new Float64Array(256);
for (let k = 1; k < 256; k++) LOG_FACTORIAL[k] = LOG_FACTORIAL[k - 1] + Math.log(k);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
export function logFactorial(k: number): number {
  if (k < 256) return LOG_FACTORIAL[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/** Scramble a seed (murmur3 fmix32) so that neighbouring seeds start from unrelated states. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class RandomStream {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed))
      throw invalid('seed must be an integer', [{ field: 'seed', message: `got ${seed}` }]);
    const lo = (seed % TWO_POW_32) | 0;
    const hi = Math.floor(seed / TWO_POW_32) | 0;
    this.rng = xoroshiro128plus(fmix32(lo ^ fmix32(hi ^ 0x9e3779b9)));
    // The first outputs of xoroshiro128+ from a sparse state are poorly mixed; run it in.
    for (let i = 0; i < 32; i++) this.rng.next();
  }

  /** Uniform on the open interval (0, 1), 32-bit resolution. */
  uniform(): number {
    return ((this.rng.next() >>> 0) + 0.5) * INV_TWO_POW_32;
  }

  /** Standard normal (ziggurat). */
  normal(): number {
    const r = this.rng.next();
    const iz = r >>> 25;
    const hz = (r << 7) >> 7; // signed 25-bit
    if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
    return this.normalSlow(hz, iz);
  }

  private normalSlow(hz: number, iz: number): number {
    for (;;) {
      const x = hz * wn[iz];
      if (iz === 0) {
        // Tail beyond R: Marsaglia (1964) as in RNOR's nfix.
        let tx: number;
        let ty: number;
        do {
          tx = -Math.log(this.uniform()) / ZIG_R;
          ty = -Math.log(this.uniform());
        } while (ty + ty < tx * tx);
        return hz > 0 ? ZIG_R + tx : -ZIG_R - tx;
      }
      if (fn[iz] + this.uniform() * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
      const r = this.rng.next();
      iz = r >>> 25;
      hz = (r << 7) >> 7;
      if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
    }
  }

  /**
   * Gamma(shape >= 1, scale 1) with the precomputed constants d = shape - 1/3, c = 1/sqrt(9d):
   * Marsaglia & Tsang, "A Simple Method for Generating Gamma Variables", ACM TOMS 26(3), 2000.
   */
  gammaDC(d: number, c: number): number {
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v; // squeeze: no logarithm in ~98% of draws
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Gamma(shape, 1) for any shape > 0 (shape < 1 by the boost Gamma(a+1)·U^(1/a), same paper §6). */
  gamma(shape: number): number {
    if (shape >= 1) {
      const d = shape - 1 / 3;
      return this.gammaDC(d, 1 / Math.sqrt(9 * d));
    }
    const d = shape + 1 - 1 / 3;
    return this.gammaDC(d, 1 / Math.sqrt(9 * d)) * this.uniform() ** (1 / shape);
  }

  /** Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /**
   * out[offset + i·stride] = min + range · Beta(a, b) for i < n, with d/c of each gamma precomputed
   * (see gammaDC). A fill loop rather than one call per draw keeps the samplers inlined and the
   * doubles unboxed.
   */
  fillBeta(
    out: Float64Array,
    offset: number,
    stride: number,
    n: number,
    min: number,
    range: number,
    dA: number,
    cA: number,
    dB: number,
    cB: number,
  ) {
    for (let i = 0, at = offset; i < n; i++, at += stride) {
      const x = this.gammaDC(dA, cA);
      out[at] = min + (range * x) / (x + this.gammaDC(dB, cB));
    }
  }

  /** out[offset + i·stride] = min(cap, exp(mu + sigma Z)) for i < n. */
  fillLognormal(
    out: Float64Array,
    offset: number,
    stride: number,
    n: number,
    mu: number,
    sigma: number,
    cap: number,
  ) {
    for (let i = 0, at = offset; i < n; i++, at += stride)
      out[at] = Math.min(cap, Math.exp(mu + sigma * this.normal()));
  }

  /** Lognormal: exp(mu + sigma Z). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /**
   * Poisson(lambda). Inversion by sequential search for lambda < 30 (expected lambda+1 steps);
   * Hörmann's PTRS transformed rejection above ("The transformed rejection method for generating
   * Poisson random variables", Insurance: Mathematics and Economics 12, 1993), as used by NumPy.
   * `expNegLambda` lets callers with a fixed rate skip the exponential.
   */
  poisson(lambda: number, expNegLambda = Math.exp(-lambda)): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const u = this.uniform();
      let p = expNegLambda;
      let cdf = p;
      let k = 0;
      while (u > cdf) {
        k++;
        p *= lambda / k;
        const next = cdf + p;
        if (next === cdf) break; // floating-point end of the tail
        cdf = next;
      }
      return k;
    }
    return this.poissonPtrs(lambda);
  }

  /**
   * Poisson(lambda) conditioned on being at least 1, by inversion; `positive` = 1 - e^-lambda.
   * Used with geometric skipping over the empty years when lambda is small.
   */
  poissonPositive(lambda: number, positive: number): number {
    const target = this.uniform() * positive;
    let p = lambda * Math.exp(-lambda);
    let cdf = p;
    let k = 1;
    while (target > cdf) {
      k++;
      p *= lambda / k;
      const next = cdf + p;
      if (next === cdf) break;
      cdf = next;
    }
    return k;
  }

  private poissonPtrs(lambda: number): number {
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.uniform() - 0.5;
      const V = this.uniform();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (
        Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logFactorial(k)
      ) {
        return k;
      }
    }
  }
}
