import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import { annualLossBySection, type FairScenario, magnitudeMean, simulate } from './fair';
import { LOSS_SECTIONS, SECTION_COUNT } from './fair-types';
import { quantileRank, summariseLosses } from './loss-summary';
import { RandomStream } from './random';

const IR = LOSS_SECTIONS.indexOf('incident_response');
const BI = LOSS_SECTIONS.indexOf('business_interruption');
const EXT = LOSS_SECTIONS.indexOf('extortion');
const NOTIF = LOSS_SECTIONS.indexOf('notification');

function poissonCdf(lambda: number, k: number): number {
  let p = Math.exp(-lambda);
  let cdf = p;
  for (let j = 1; j <= k; j++) {
    p *= lambda / j;
    cdf += p;
  }
  return cdf;
}
const poissonQuantile = (lambda: number, q: number) => {
  let k = 0;
  while (poissonCdf(lambda, k) < q) k++;
  return k;
};

function sortedQuantile(values: Float64Array, q: number): number {
  const s = values.slice().sort();
  return s[quantileRank(s.length, q)];
}

const fixedLoss = (rate: number, vulnerability: number, loss: number): FairScenario => ({
  id: 'fixed',
  name: 'fixed loss',
  threatEventFrequency: { dist: 'poisson', rate },
  vulnerability,
  primary: { incidentResponse: { dist: 'constant', value: loss } },
});

// lambda = TEF x vulnerability: 4 x 0.5 = 2 (a draw per year), 0.8 x 0.5 = 0.4 (geometric skipping)
describe.each([
  { tef: 4, lambda: 2 },
  { tef: 0.8, lambda: 0.4 },
])('FAIR Monte Carlo against closed forms, Poisson rate $lambda', ({ tef, lambda }) => {
  const years = 200_000;
  const L = 250_000;
  const r = simulate([fixedLoss(tef, 0.5, L)], { years, seed: 7, currency: 'USD' });

  it('mean annual loss is lambda x L', () => {
    const se = L * Math.sqrt(lambda / years);
    expect(Math.abs(r.summary.mean - lambda * L)).toBeLessThan(4 * se);
  });

  it('P(annual loss = 0) is e^-lambda', () => {
    let zeros = 0;
    for (const v of r.annualLoss) if (v === 0) zeros++;
    const p0 = Math.exp(-lambda);
    expect(Math.abs(zeros / years - p0)).toBeLessThan(4 * Math.sqrt((p0 * (1 - p0)) / years));
  });

  it('percentiles are Poisson quantiles x L', () => {
    expect(r.summary.p50).toBe(poissonQuantile(lambda, 0.5) * L);
    expect(r.summary.p90).toBe(poissonQuantile(lambda, 0.9) * L);
    expect(r.summary.p95).toBe(poissonQuantile(lambda, 0.95) * L);
    expect(r.summary.p99).toBe(poissonQuantile(lambda, 0.99) * L);
  });

  it('the exceedance curve gives P(N > k) at each k x L it reports', () => {
    expect(r.summary.exceedance.length).toBeGreaterThan(3);
    for (const { loss, probability } of r.summary.exceedance) {
      const k = Math.round(loss / L);
      expect(loss).toBe(k * L);
      const exact = 1 - poissonCdf(lambda, k);
      expect(Math.abs(probability - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / years) + 1e-9);
    }
    const probs = r.summary.exceedance.map((x) => x.probability);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
  });

  it('every event carries its scenario, year and loss; annual losses are the sums of events', () => {
    const sums = new Float64Array(years);
    let wrongScenario = 0;
    let outOfOrder = 0;
    for (let e = 0; e < r.events.count; e++) {
      if (r.events.scenario[e] !== 0) wrongScenario++;
      if (e > 0 && r.events.year[e] < r.events.year[e - 1]) outOfOrder++;
      sums[r.events.year[e]] += r.events.loss[e * SECTION_COUNT + IR];
    }
    expect([wrongScenario, outOfOrder]).toEqual([0, 0]);
    let mismatches = 0;
    for (let y = 0; y < years; y++) {
      if (sums[y] !== r.annualLoss[y] || r.scenarios[0].annualLoss[y] !== r.annualLoss[y]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('loss magnitudes', () => {
  it('a lognormal single-event loss has mean exp(mu + sigma^2/2) and median exp(mu)', () => {
    const mu = 11;
    const sigma = 0.8;
    const r = simulate(
      [
        {
          id: 'ln',
          name: 'lognormal',
          threatEventFrequency: { dist: 'poisson', rate: 3 },
          vulnerability: 1,
          primary: { incidentResponse: { dist: 'lognormal', mu, sigma } },
        },
      ],
      { years: 100_000, seed: 3, currency: 'EUR' },
    );
    const losses = new Float64Array(r.events.count);
    for (let e = 0; e < r.events.count; e++) losses[e] = r.events.loss[e * SECTION_COUNT + IR];
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const expectedMean = Math.exp(mu + (sigma * sigma) / 2);
    const relSe = Math.sqrt(Math.exp(sigma * sigma) - 1) / Math.sqrt(losses.length);
    expect(Math.abs(mean / expectedMean - 1)).toBeLessThan(5 * relSe);
    expect(Math.abs(sortedQuantile(losses, 0.5) / Math.exp(mu) - 1)).toBeLessThan(0.01);
  });

  it('a lognormal given as median and p90 reproduces both', () => {
    const r = simulate(
      [
        {
          id: 'ln',
          name: 'lognormal',
          threatEventFrequency: { dist: 'poisson', rate: 2 },
          vulnerability: 1,
          primary: { restoration: { dist: 'lognormal', median: 40_000, p90: 300_000 } },
        },
      ],
      { years: 100_000, seed: 5, currency: 'USD' },
    );
    const s = LOSS_SECTIONS.indexOf('restoration');
    const losses = new Float64Array(r.events.count);
    for (let e = 0; e < r.events.count; e++) losses[e] = r.events.loss[e * SECTION_COUNT + s];
    expect(Math.abs(sortedQuantile(losses, 0.5) / 40_000 - 1)).toBeLessThan(0.02);
    expect(Math.abs(sortedQuantile(losses, 0.9) / 300_000 - 1)).toBeLessThan(0.03);
  });

  it('PERT losses stay in [min, max] with mean (min + 4 mode + max) / 6; modified PERT uses its weight', () => {
    for (const m of [
      { dist: 'pert' as const, min: 10_000, mode: 25_000, max: 200_000 },
      { dist: 'pert' as const, min: 1, mode: 1, max: 9 },
      { dist: 'pert' as const, min: 0, mode: 50, max: 100, lambda: 2 },
    ]) {
      const r = simulate(
        [
          {
            id: 'p',
            name: 'pert',
            threatEventFrequency: { dist: 'poisson', rate: 2 },
            vulnerability: 1,
            primary: { incidentResponse: m },
          },
        ],
        { years: 100_000, seed: 11, currency: 'USD' },
      );
      let sum = 0;
      let sumSq = 0;
      let lo = Number.POSITIVE_INFINITY;
      let hi = 0;
      for (let e = 0; e < r.events.count; e++) {
        const x = r.events.loss[e * SECTION_COUNT + IR];
        sum += x;
        sumSq += x * x;
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      const n = r.events.count;
      const mean = sum / n;
      const sd = Math.sqrt(sumSq / n - mean * mean);
      const l = m.lambda ?? 4;
      expect(magnitudeMean(m)).toBeCloseTo((m.min + l * m.mode + m.max) / (l + 2), 9);
      expect(Math.abs(mean - magnitudeMean(m))).toBeLessThan((5 * sd) / Math.sqrt(n));
      expect(lo).toBeGreaterThanOrEqual(m.min);
      expect(hi).toBeLessThanOrEqual(m.max);
    }
  });

  it('business interruption is outage hours x hourly cost, and gated sections fire at their probability', () => {
    const r = simulate(
      [
        {
          id: 'rw',
          name: 'ransomware',
          threatEventFrequency: { dist: 'poisson', rate: 2 },
          vulnerability: 1,
          primary: {
            outageHours: { dist: 'pert', min: 4, mode: 24, max: 240 },
            hourlyDowntimeCost: { dist: 'constant', value: 1_500 },
            extortion: { probability: 0.25, magnitude: { dist: 'constant', value: 100_000 } },
          },
          secondary: {
            probability: 0.4,
            notification: {
              records: { dist: 'constant', value: 1_000 },
              costPerRecord: { dist: 'constant', value: 7 },
            },
          },
        },
      ],
      { years: 50_000, seed: 9, currency: 'USD' },
    );
    let extorted = 0;
    let notified = 0;
    let wrong = 0;
    const n = r.events.count;
    for (let e = 0; e < n; e++) {
      const o = e * SECTION_COUNT;
      if (Math.abs(r.events.loss[o + BI] - r.events.outageHours[e] * 1_500) > 1e-6) wrong++;
      if (r.events.outageHours[e] < 4 || r.events.outageHours[e] > 240) wrong++;
      if (r.events.loss[o + EXT] > 0) extorted++;
      if (r.events.loss[o + NOTIF] > 0) {
        notified++;
        if (r.events.loss[o + NOTIF] !== 7_000) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(Math.abs(extorted / n - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / n));
    expect(Math.abs(notified / n - 0.4)).toBeLessThan(4 * Math.sqrt((0.4 * 0.6) / n));
    const bySection = annualLossBySection(r);
    const total = Object.values(bySection).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(r.summary.mean, 3);
  });
});

describe('threat event frequency', () => {
  // Mixed Poisson: E[N] = E[rate], Var[N] = E[rate] + Var[rate]; PERT Var = (mu - min)(max - mu) / 7.
  for (const f of [
    { min: 0.5, mode: 2, max: 6 }, // max rate >= 1: one draw per year
    { min: 0.05, mode: 0.2, max: 0.9 }, // max rate < 1: geometric skipping and thinning
  ]) {
    it(`a PERT rate ${f.min}/${f.mode}/${f.max} gives the mixed-Poisson mean and variance of counts`, () => {
      const v = 0.8;
      const years = 200_000;
      const r = simulate([{ ...fixedLoss(0, v, 1), threatEventFrequency: { dist: 'pert', ...f } }], {
        years,
        seed: 21,
        currency: 'USD',
      });
      const mu = (f.min + 4 * f.mode + f.max) / 6;
      const meanRate = mu * v;
      const varRate = (((mu - f.min) * (f.max - mu)) / 7) * v * v;
      let sum = 0;
      let sumSq = 0;
      for (const x of r.annualLoss) {
        sum += x;
        sumSq += x * x;
      }
      const mean = sum / years;
      const variance = sumSq / years - mean * mean;
      expect(Math.abs(mean - meanRate)).toBeLessThan(5 * Math.sqrt((meanRate + varRate) / years));
      expect(Math.abs(variance / (meanRate + varRate) - 1)).toBeLessThan(0.03);
    });
  }

  it('large Poisson rates (transformed rejection) have mean and variance lambda', () => {
    const rs = new RandomStream(99);
    const n = 200_000;
    for (const lambda of [45, 400]) {
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const k = rs.poisson(lambda);
        sum += k;
        sumSq += k * k;
      }
      const mean = sum / n;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs((sumSq / n - mean * mean) / lambda - 1)).toBeLessThan(0.02);
    }
  });

  it('zero vulnerability means no loss events', () => {
    const r = simulate([fixedLoss(5, 0, 100)], { years: 1000, seed: 1, currency: 'USD' });
    expect(r.events.count).toBe(0);
    expect(r.summary.p99).toBe(0);
  });
});

describe('seeding', () => {
  const scenarios: FairScenario[] = [
    {
      id: 'a',
      name: 'a',
      threatEventFrequency: { dist: 'pert', min: 0.1, mode: 0.5, max: 2 },
      vulnerability: 0.6,
      primary: {
        incidentResponse: { dist: 'pert', min: 1, mode: 5, max: 20 },
        restoration: { dist: 'lognormal', median: 10, p90: 50 },
      },
      secondary: {
        probability: 0.5,
        liability: { probability: 0.5, magnitude: { dist: 'lognormal', mu: 3, sigma: 1 } },
      },
    },
    fixedLoss(0.3, 1, 10),
  ];
  it('the same seed gives identical arrays', () => {
    const a = simulate(scenarios, { years: 20_000, seed: 1234, currency: 'USD' });
    const b = simulate(scenarios, { years: 20_000, seed: 1234, currency: 'USD' });
    const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
      x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => v === y[i]);
    expect(b.events.count).toBe(a.events.count);
    expect(same(b.annualLoss, a.annualLoss)).toBe(true);
    expect(same(b.events.loss, a.events.loss)).toBe(true);
    expect(same(b.events.year, a.events.year)).toBe(true);
    expect(b.summary).toEqual(a.summary);
  });
  it('groups events by scenario, in year order within each, and sums them into the annual losses', () => {
    const r = simulate(scenarios, { years: 20_000, seed: 77, currency: 'USD' });
    let disorder = 0;
    const sums = [new Float64Array(20_000), new Float64Array(20_000)];
    for (let e = 0; e < r.events.count; e++) {
      const s = r.events.scenario[e];
      if (e > 0) {
        const ps = r.events.scenario[e - 1];
        if (s < ps || (s === ps && r.events.year[e] < r.events.year[e - 1])) disorder++;
      }
      for (let k = 0; k < SECTION_COUNT; k++)
        sums[s][r.events.year[e]] += r.events.loss[e * SECTION_COUNT + k];
    }
    expect(disorder).toBe(0);
    let mismatch = 0;
    for (let y = 0; y < 20_000; y++) {
      if (Math.abs(sums[0][y] - r.scenarios[0].annualLoss[y]) > 1e-9 * (1 + sums[0][y])) mismatch++;
      if (Math.abs(sums[1][y] - r.scenarios[1].annualLoss[y]) > 1e-9 * (1 + sums[1][y])) mismatch++;
      const total = r.scenarios[0].annualLoss[y] + r.scenarios[1].annualLoss[y];
      if (Math.abs(total - r.annualLoss[y]) > 1e-9 * (1 + total)) mismatch++;
    }
    expect(mismatch).toBe(0);
  });

  it('a different seed gives different arrays', () => {
    const a = simulate(scenarios, { years: 20_000, seed: 1234, currency: 'USD' });
    const c = simulate(scenarios, { years: 20_000, seed: 1235, currency: 'USD' });
    let differing = 0;
    for (let y = 0; y < 20_000; y++) if (c.annualLoss[y] !== a.annualLoss[y]) differing++;
    expect(differing).toBeGreaterThan(1000);
  });
});

describe('summariseLosses', () => {
  it('matches quantiles of a full sort, ties and zeros included', () => {
    const rs = new RandomStream(5);
    for (const n of [1, 7, 1000, 54_321]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++)
        a[i] = rs.uniform() < 0.6 ? 0 : rs.uniform() < 0.3 ? 100 : Math.round(rs.lognormal(5, 2));
      const before = a.slice();
      const s = summariseLosses(a);
      expect(a).toEqual(before);
      expect(s.p50).toBe(sortedQuantile(a, 0.5));
      expect(s.p90).toBe(sortedQuantile(a, 0.9));
      expect(s.p95).toBe(sortedQuantile(a, 0.95));
      expect(s.p99).toBe(sortedQuantile(a, 0.99));
      for (const { loss, probability } of s.exceedance) {
        expect(probability).toBe(a.filter((x) => x > loss).length / n);
      }
    }
  });
});

describe('validation', () => {
  it('names the field of a bad distribution', () => {
    try {
      simulate(
        [{ ...fixedLoss(1, 1, 1), primary: { restoration: { dist: 'pert', min: 10, mode: 5, max: 20 } } }],
        { years: 10, seed: 1, currency: 'USD' },
      );
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.kind).toBe('invalid');
      if (isAppError(e)) expect(e.details[0].path).toBe('scenarios[0].primary.restoration');
    }
  });
  it('rejects probabilities outside 0..1 and duplicate ids', () => {
    expect(() => simulate([fixedLoss(1, 1.5, 1)], { years: 10, seed: 1, currency: 'USD' })).toThrow(
      /vulnerability/,
    );
    expect(() =>
      simulate([fixedLoss(1, 1, 1), fixedLoss(1, 1, 1)], { years: 10, seed: 1, currency: 'USD' }),
    ).toThrow(/duplicate/);
  });
});
