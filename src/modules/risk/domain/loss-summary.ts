import type { LossSummary } from './fair-types';

/**
 * Exceedance probabilities reported on the loss exceedance curve: the body of the distribution and
 * the return periods underwriters read (1-in-10 … 1-in-10,000 years). Only those the simulation
 * can resolve (probability >= 1/years) are reported.
 */
const EXCEEDANCE_PROBABILITIES = [
  0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.04, 0.02, 0.01, 0.005, 0.004, 0.002, 0.001,
  0.0005, 0.0002, 0.0001,
];

/** Inverse empirical CDF (Hyndman & Fan type 1): the smallest x with F_n(x) >= q, as a 0-based rank. */
export function quantileRank(n: number, q: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
}

/**
 * Quickselect (Hoare partition, median-of-three pivot; Wirth's variant): afterwards a[k] holds the
 * k-th smallest value of a[lo..hi], everything left of it is <= and everything right is >=.
 * Equal keys stop both scans, so the many zero-loss years split evenly instead of degrading.
 */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** Values at the given 0-based ranks (ascending, distinct) of `a`, reordering `a` in place. */
export function selectRanks(a: Float64Array, ranks: readonly number[]): number[] {
  const out = new Array<number>(ranks.length);
  const visit = (lo: number, hi: number, r0: number, r1: number) => {
    if (r0 > r1) return;
    const m = (r0 + r1) >>> 1;
    const k = ranks[m];
    select(a, lo, hi, k);
    out[m] = a[k];
    visit(lo, k - 1, r0, m - 1);
    visit(k + 1, hi, m + 1, r1);
  };
  visit(0, a.length - 1, 0, ranks.length - 1);
  return out;
}

/**
 * Mean, percentiles and exceedance curve of annual losses. The caller's array keeps year order: the
 * non-zero years are compacted into `scratch` (reused across calls to spare allocations) and the
 * quantiles found there by selection, since zero-loss years, usually most of them, all sort first.
 * O(n) expected per quantile group plus one counting pass; no full sort.
 */
export function summariseLosses(
  annualLoss: Float64Array,
  scratch: Float64Array = new Float64Array(annualLoss.length),
): LossSummary {
  const n = annualLoss.length;
  if (n === 0) return { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, exceedance: [] };
  let sum = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = annualLoss[i];
    if (v !== 0) {
      scratch[m++] = v;
      sum += v;
    }
  }
  const zeros = n - m;
  const nonZero = scratch.subarray(0, m);

  const probabilities = EXCEEDANCE_PROBABILITIES.filter((p) => p * n >= 1);
  const levels = [0.5, 0.9, 0.95, 0.99, ...probabilities.map((p) => 1 - p)];
  const ranks = [...new Set(levels.map((q) => quantileRank(n, q)))].sort((x, y) => x - y);
  const nonZeroRanks = ranks.filter((r) => r >= zeros).map((r) => r - zeros);
  const values = selectRanks(nonZero, nonZeroRanks);
  const at = (q: number) => {
    const r = quantileRank(n, q);
    return r < zeros ? 0 : values[nonZeroRanks.indexOf(r - zeros)];
  };

  // Exact P(loss > x) for each distinct curve point, counted in one pass by binary search.
  const points = [...new Set([0, ...probabilities.map((p) => at(1 - p))])].sort((x, y) => x - y);
  const above = new Float64Array(points.length + 1); // above[j]: values with exactly j points below them
  above[0] = zeros;
  for (let i = 0; i < m; i++) {
    const v = nonZero[i];
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    above[lo]++;
  }
  const exceedance: { loss: number; probability: number }[] = [];
  let greater = n;
  for (let j = 0; j < points.length; j++) {
    greater -= above[j];
    exceedance.push({ loss: points[j], probability: greater / n });
  }
  return { mean: sum / n, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), exceedance };
}
