import { describe, expect, it } from 'vitest';
import { AutoencoderBank, KitNet, sigmoidInPlace } from './kitnet';

/** One autoencoder (dA.py) as a bank of one: the reference the bank's members are checked against. */
class Autoencoder {
  readonly hidden: number;
  private readonly bank: AutoencoderBank;
  private readonly index: Int32Array;
  private readonly rmse = new Float64Array(1);

  constructor(
    readonly visible: number,
    hiddenRatio: number,
    learningRate: number,
    random: () => number,
    clip = Number.POSITIVE_INFINITY,
  ) {
    this.bank = new AutoencoderBank([visible], hiddenRatio, learningRate, random, clip);
    this.hidden = this.bank.hidden[0];
    this.index = new Int32Array(visible);
  }

  /** Input i is src[index[offset + i]], or src[offset + i] when index is null. */
  private gather(index: Int32Array | null, offset: number): Int32Array {
    for (let i = 0; i < this.visible; i++) this.index[i] = index === null ? offset + i : index[offset + i];
    return this.index;
  }

  /** One SGD step; returns the RMSE before the step (dA.train). */
  train(src: Float64Array, index: Int32Array | null, offset: number): number {
    this.bank.run(src, this.gather(index, offset), this.rmse, true);
    return this.rmse[0];
  }

  execute(src: Float64Array, index: Int32Array | null, offset: number): number {
    this.bank.run(src, this.gather(index, offset), this.rmse, false);
    return this.rmse[0];
  }
}

/** The arithmetic sigmoidInPlace documents, one value at a time. */
function sigmoid(a: number): number {
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
  return 1 / (1 + ef * 2 ** k);
}

function sample(i: number, out: Float64Array): Float64Array {
  // 12 features driven by 2 latent phases: correlated groups the mapper can find
  const a = Math.sin(i * 0.37);
  const b = Math.cos(i * 0.11);
  for (let f = 0; f < out.length; f++) out[f] = (f % 2 === 0 ? a : b) * (f + 1) + f;
  return out;
}

function trained(seed: number): KitNet {
  const k = new KitNet(12, { seed, maxClusterSize: 4 });
  const x = new Float64Array(12);
  for (let i = 0; i < 100; i++) k.learnFeatureMap(sample(i, x));
  k.buildEnsemble();
  for (let i = 100; i < 3000; i++) k.train(sample(i, x));
  return k;
}

describe('Autoencoder', () => {
  it('sizes the hidden layer by the ratio and learns to reconstruct', () => {
    let s = 3;
    const rnd = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const ae = new Autoencoder(8, 0.75, 0.1, rnd);
    expect(ae.hidden).toBe(6);
    const x = new Float64Array(8);
    const first: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < 4000; i++) {
      for (let f = 0; f < 8; f++) x[f] = f % 2 === 0 ? (i % 5) / 4 : 1 - (i % 5) / 4;
      const e = ae.train(x, null, 0);
      if (i < 50) first.push(e);
      if (i >= 3950) last.push(e);
    }
    const mean = (a: number[]) => a.reduce((p, c) => p + c, 0) / a.length;
    expect(mean(last)).toBeLessThan(mean(first) / 2);
  });
});

describe('AutoencoderBank', () => {
  it('trains each member exactly as a lone autoencoder with the same weights would', () => {
    const lcg = (seed: number) => () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const sizes = [3, 1, 7, 5];
    const bank = new AutoencoderBank(sizes, 0.75, 0.1, lcg(11), 1);
    const shared = lcg(11);
    const lone = sizes.map((n) => new Autoencoder(n, 0.75, 0.1, shared, 1));
    // Member k reads features 0..15 in a scrambled order; the lone ones read the same through an index.
    const index = Int32Array.from({ length: 16 }, (_, g) => (g * 5) % 16);
    const x = new Float64Array(16);
    const out = new Float64Array(sizes.length);
    for (let step = 0; step < 300; step++) {
      for (let f = 0; f < 16; f++) x[f] = Math.sin(step * 0.3 + f) * (f + 1);
      const learn = step < 200;
      bank.run(x, index, out, learn);
      let start = 0;
      sizes.forEach((n, k) => {
        const e = learn ? lone[k].train(x, index, start) : lone[k].execute(x, index, start);
        expect(out[k]).toBe(e);
        start += n;
      });
    }
    expect(bank.trained).toBe(200);
  });
});

describe('KitNet', () => {
  it('builds an ensemble of clusters of at most m features', () => {
    const k = trained(1);
    const clusters = k.clusters();
    expect(clusters.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const c of clusters) expect(c.length).toBeLessThanOrEqual(4);
  });

  it('scores an off-pattern vector far above the learned pattern', () => {
    const k = trained(1);
    const x = new Float64Array(12);
    let normal = 0;
    for (let i = 3000; i < 3100; i++) normal = Math.max(normal, k.execute(sample(i, x)));
    sample(3100, x);
    x[3] = -x[3]; // break one correlation
    expect(k.execute(x)).toBeGreaterThan(2 * normal);
  });

  it('scores then trains in one pass exactly as execute followed by train', () => {
    const a = new KitNet(12, { seed: 3, maxClusterSize: 4 });
    const b = new KitNet(12, { seed: 3, maxClusterSize: 4 });
    const x = new Float64Array(12);
    for (let i = 0; i < 100; i++) {
      a.learnFeatureMap(sample(i, x));
      b.learnFeatureMap(x);
    }
    a.buildEnsemble();
    b.buildEnsemble();
    // From the first steps (every input widens a range) to late ones (none does), and a spike that does.
    for (let i = 100; i < 1500; i++) {
      sample(i, x);
      if (i === 1400) x[5] *= 3;
      const expected = a.execute(x);
      a.train(x);
      expect(b.scoreThenTrain(x)).toBe(expected);
    }
    expect(b.execute(sample(2000, x))).toBe(a.execute(x));
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const x = sample(5000, new Float64Array(12));
    expect(trained(7).execute(x)).toBe(trained(7).execute(x));
    expect(trained(7).execute(x)).not.toBe(trained(8).execute(x));
  });
});

describe('sigmoid', () => {
  it('matches 1 / (1 + e^-a) to 1e-9 relative across its range', () => {
    const xs: number[] = [];
    for (let a = -45; a <= 45; a += 0.0137) xs.push(a);
    const got = Float64Array.from(xs);
    sigmoidInPlace(got, 0, got.length);
    xs.forEach((a, i) => {
      const exact = 1 / (1 + Math.exp(-a));
      expect(Math.abs(got[i] - exact)).toBeLessThanOrEqual(1e-9 * exact + 1e-17);
    });
  });

  it('has an in-place array form with the same bits', () => {
    const a = Float64Array.from({ length: 2000 }, (_, i) => (i - 1000) * 0.0457);
    const expected = Array.from(a, sigmoid);
    sigmoidInPlace(a, 0, a.length);
    expect(Array.from(a)).toEqual(expected);
  });
});
