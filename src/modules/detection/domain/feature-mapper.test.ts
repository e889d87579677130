import { describe, expect, it } from 'vitest';
import { FeatureMapper } from './feature-mapper';

/** 3 latent signals, each copied (with a scale and offset) into 3 features, interleaved: f = 3k + group. */
function feed(mapper: FeatureMapper, samples: number): void {
  let s = 11;
  const r = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
  for (let n = 0; n < samples; n++) {
    const latent = [r(), r(), r()];
    const x = new Float64Array(9);
    for (let f = 0; f < 9; f++) x[f] = latent[f % 3] * (1 + f) + f + 0.01 * r();
    mapper.update(x);
  }
}

describe('FeatureMapper', () => {
  it('clusters correlated features together', () => {
    const m = new FeatureMapper(9);
    feed(m, 500);
    const clusters = m.cluster(3).map((c) => [...c].sort((a, b) => a - b));
    expect(clusters.sort((a, b) => a[0] - b[0])).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5, 8],
    ]);
    expect(m.distance(0, 3)).toBeLessThan(0.01);
    expect(m.distance(0, 1)).toBeGreaterThan(0.5);
  });

  it('splits clusters to at most maxSize and covers every feature once', () => {
    const m = new FeatureMapper(9);
    feed(m, 200);
    for (const max of [1, 2, 4, 9, 50]) {
      const clusters = m.cluster(max);
      expect(Math.max(...clusters.map((c) => c.length))).toBeLessThanOrEqual(Math.min(max, 9));
      expect(clusters.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('puts a constant feature at distance 1 from the others', () => {
    const m = new FeatureMapper(2);
    for (let i = 0; i < 20; i++) m.update(Float64Array.of(i, 5));
    expect(m.distance(0, 1)).toBe(1);
  });
});
