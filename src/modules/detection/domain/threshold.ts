/**
 * Alert threshold calibrated from benign training scores, frozen afterwards so attack traffic can never
 * raise it (Kitsune-py has no threshold of its own; a running maximum or an online quantile would drift
 * up with the attack, which is how BASELINE.md's forged write gets lost).
 *
 * Method: peaks over threshold with an exponential tail (the Gumbel domain of the generalised Pareto,
 * shape 0; Pickands-Balkema-de Haan) fitted to the log-scores above their (1 - tailFraction) quantile u:
 * excesses ~ Exp(β), β = mean excess (MLE). The score exceeded with probability p is
 * exp(u + β·ln(tailFraction / p)). Log-scores because KitNET's RMSEs are heavy-tailed and positive.
 * The threshold is never below the largest calibration score: with a few hundred samples the fitted
 * tail must not undercut what benign traffic already did.
 */
import type { ByteReader, ByteWriter } from './snapshot';

export interface ThresholdFit {
  threshold: number;
  /** Log-score where the tail starts, and the tail's mean excess. */
  tailStart: number;
  meanExcess: number;
  samples: number;
}

const LOG_FLOOR = 1e-12;

export function fitThreshold(
  scores: ArrayLike<number>,
  targetRate: number,
  tailFraction = 0.1,
): ThresholdFit {
  const n = scores.length;
  if (n === 0) return { threshold: Number.POSITIVE_INFINITY, tailStart: 0, meanExcess: 0, samples: 0 };
  const logs = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    logs[i] = Math.log(Math.max(scores[i], LOG_FLOOR));
    if (scores[i] > max) max = scores[i];
  }
  logs.sort();
  const k = Math.min(n - 1, Math.floor(n * (1 - tailFraction)));
  const u = logs[k];
  let sum = 0;
  let m = 0;
  for (let i = k; i < n; i++) {
    sum += logs[i] - u;
    m++;
  }
  const beta = m > 0 ? sum / m : 0;
  const p = Math.min(targetRate, tailFraction);
  const fitted = u + beta * Math.log(tailFraction / p);
  // exp(log(max)) may round below max: compare in the score domain.
  return { threshold: Math.max(Math.exp(fitted), max), tailStart: u, meanExcess: beta, samples: n };
}

/** Collects calibration scores (bounded) and fits once. */
export class ScoreCalibrator {
  private scores: Float64Array;
  private n = 0;
  fit: ThresholdFit | null = null;

  constructor(capacity: number) {
    this.scores = new Float64Array(Math.max(1, capacity));
  }

  add(score: number): void {
    if (this.n < this.scores.length && Number.isFinite(score)) this.scores[this.n++] = score;
  }

  get count(): number {
    return this.n;
  }

  finish(targetRate: number): ThresholdFit {
    this.fit = fitThreshold(this.scores.subarray(0, this.n), targetRate);
    this.scores = new Float64Array(1);
    this.n = 0;
    return this.fit;
  }

  write(w: ByteWriter): void {
    w.f64s(this.scores.subarray(0, this.n));
    w.u32(this.fit ? 1 : 0);
    if (this.fit)
      for (const v of [this.fit.threshold, this.fit.tailStart, this.fit.meanExcess, this.fit.samples])
        w.f64(v);
  }

  read(r: ByteReader): void {
    const s = r.f64s();
    if (s.length > this.scores.length) this.scores = new Float64Array(s.length);
    this.scores.set(s);
    this.n = s.length;
    this.fit =
      r.u32() === 1
        ? { threshold: r.f64(), tailStart: r.f64(), meanExcess: r.f64(), samples: r.f64() }
        : null;
  }
}
