import { describe, expect, it } from 'vitest';
import { fitThreshold, ScoreCalibrator } from './threshold';

/** Log-normal scores (log ~ N(0, 1)) from a seeded Box-Muller. */
function lognormal(n: number): Float64Array {
  let s = 42;
  const u = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp(Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
  return out;
}

describe('fitThreshold', () => {
  it('extrapolates the tail beyond the largest sample for a rare target rate', () => {
    const scores = lognormal(2000);
    const fit = fitThreshold(scores, 1e-4);
    expect(fit.threshold).toBeGreaterThanOrEqual(Math.max(...scores));
    // exceedances on fresh scores from the same law stay rare
    const fresh = lognormal(50_000).map((v) => v * 1.0000001);
    const rate = fresh.filter((v) => v > fit.threshold).length / fresh.length;
    expect(rate).toBeLessThan(1e-3);
  });

  it('gives a lower threshold for a looser target', () => {
    const scores = lognormal(20_000);
    expect(fitThreshold(scores, 0.05).threshold).toBeLessThan(fitThreshold(scores, 1e-4).threshold);
  });

  it('returns Infinity without samples', () => {
    expect(fitThreshold([], 1e-4).threshold).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('ScoreCalibrator', () => {
  it('ignores non-finite scores and stops at capacity', () => {
    const c = new ScoreCalibrator(3);
    for (const v of [1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3, 1000]) c.add(v);
    expect(c.count).toBe(3);
    expect(c.finish(1e-4).threshold).toBeGreaterThanOrEqual(3);
  });
});
