import {
  ABSENT,
  CONSTANT,
  type CompiledScenario,
  compileScenario,
  type FairScenario,
  fail,
  PERT,
  type SimulationOptions,
  SLOT_EXTORTION,
  SLOT_HOURLY,
  SLOT_HOURS,
  SLOT_IR,
  SLOT_LIABILITY,
  SLOT_PER_RECORD,
  SLOT_RECORDS,
  SLOT_REGULATORY,
  SLOT_RESTORATION,
  STRIDE,
} from './fair-scenario';
import { LOSS_SECTIONS, type LossSection, SECTION_COUNT, type SimulationResult } from './fair-types';
import { summariseLosses } from './loss-summary';
import { RandomStream } from './random';

export type { FairScenario, Frequency, Magnitude, SimulationOptions } from './fair-scenario';
export { compileScenario, lognormalParameters, magnitudeMean } from './fair-scenario';

/**
 * Open FAIR Monte Carlo (The Open Group, Risk Taxonomy O-RT C20B and Risk Analysis O-RA C20A):
 * loss event frequency = threat event frequency x vulnerability; loss magnitude = primary loss per
 * event plus, with the secondary loss event frequency, secondary loss. Losses are floats in major
 * currency units; they become Money only where pricing rounds them (DESIGN.md §4).
 */

const S_IR = LOSS_SECTIONS.indexOf('incident_response');
const S_RESTORATION = LOSS_SECTIONS.indexOf('restoration');
const S_BI = LOSS_SECTIONS.indexOf('business_interruption');
const S_EXTORTION = LOSS_SECTIONS.indexOf('extortion');
const S_NOTIFICATION = LOSS_SECTIONS.indexOf('notification');
const S_LIABILITY = LOSS_SECTIONS.indexOf('liability');
const S_REGULATORY = LOSS_SECTIONS.indexOf('regulatory');

/** out[offset + i·stride] = draw i of a compiled magnitude slot, for i < n. */
function fillSlot(
  rs: RandomStream,
  m: Float64Array,
  slot: number,
  out: Float64Array,
  offset: number,
  stride: number,
  n: number,
): void {
  const o = slot * STRIDE;
  const code = m[o];
  if (code === CONSTANT || code === ABSENT) {
    const v = code === CONSTANT ? m[o + 1] : 0;
    for (let i = 0; i < n; i++) out[offset + i * stride] = v;
  } else if (code === PERT) {
    rs.fillBeta(out, offset, stride, n, m[o + 1], m[o + 2], m[o + 3], m[o + 4], m[o + 5], m[o + 6]);
  } else rs.fillLognormal(out, offset, stride, n, m[o + 1], m[o + 2], m[o + 3]);
}

const present = (m: Float64Array, slot: number) => m[slot * STRIDE] !== ABSENT;

/** A growing Int32Array of event years: one entry per loss event, in simulation order. */
class YearBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(year: number, n: number): void {
    if (this.length + n > this.data.length) {
      const grown = new Int32Array(Math.max(this.length + n, Math.ceil(this.data.length * 1.5)));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    for (let k = 0; k < n; k++) this.data[this.length++] = year;
  }
}

/**
 * Years of the loss events of one scenario, ascending, one entry per event, into `out`.
 * When the largest possible loss event rate λmax is below 1, most years are empty: jump straight to
 * the next non-empty year (the gap is geometric with P(empty) = e^-λmax) and draw that year's count
 * from a Poisson conditioned on >= 1. A PERT rate is drawn only for those years and applied by
 * thinning the λmax-process with probability rate/λmax, which leaves Poisson(rate) events exactly
 * (Lewis & Shedler, "Simulation of nonhomogeneous Poisson processes by thinning", 1979).
 */
function lossEventYears(rs: RandomStream, c: CompiledScenario, years: number, out: YearBuffer): void {
  const v = c.vulnerability;
  const f = c.frequency;
  const isPert = c.frequencyIsPert;
  const maxRate = (isPert ? f[0] + f[1] : f[0]) * v;
  if (!(maxRate > 0)) return;
  if (maxRate < 1) {
    const positive = -Math.expm1(-maxRate);
    for (let y = -1; ; ) {
      y += 1 + Math.floor(Math.log(rs.uniform()) / -maxRate);
      if (y >= years) return;
      let n = rs.poissonPositive(maxRate, positive);
      if (isPert) {
        const x = rs.gammaDC(f[2], f[3]);
        const keep = ((f[0] + (f[1] * x) / (x + rs.gammaDC(f[4], f[5]))) * v) / maxRate;
        let kept = 0;
        for (let k = 0; k < n; k++) if (rs.uniform() < keep) kept++;
        n = kept;
      }
      out.push(y, n);
    }
  }
  if (isPert) {
    for (let y = 0; y < years; y++) {
      const x = rs.gammaDC(f[2], f[3]);
      out.push(y, rs.poisson((f[0] + (f[1] * x) / (x + rs.gammaDC(f[4], f[5]))) * v));
    }
    return;
  }
  const e = Math.exp(-maxRate);
  for (let y = 0; y < years; y++) out.push(y, rs.poisson(maxRate, e));
}

/** Expected loss events per year of a compiled scenario (to size buffers). */
function expectedRate(c: CompiledScenario): number {
  const f = c.frequency;
  if (!c.frequencyIsPert) return f[0] * c.vulnerability;
  const a = f[2] + 1 / 3;
  const b = f[4] + 1 / 3;
  return (f[0] + (f[1] * a) / (a + b)) * c.vulnerability;
}

/**
 * Simulate `years` independent years of every scenario. Events are laid out scenario by scenario,
 * each scenario's in year order. For each scenario, pass 1 draws the years of its loss events; pass 2
 * draws their losses column by column (all incident-response costs, then all outage hours, ...)
 * straight into the event arrays, so no object is created per event or per year.
 */
export function simulate(scenarios: readonly FairScenario[], options: SimulationOptions): SimulationResult {
  const { years, seed, currency } = options;
  if (!Number.isSafeInteger(years) || years < 1) fail('years', 'must be a positive integer');
  if (!/^[A-Z]{3}$/.test(currency)) fail('currency', 'must be an ISO 4217 code');
  if (scenarios.length > 65535) fail('scenarios', 'at most 65,535 scenarios');
  const ids = new Set<string>();
  const compiled = scenarios.map((s, i) => {
    if (ids.has(s.id)) fail(`scenarios[${i}].id`, `duplicate scenario id ${s.id}`);
    ids.add(s.id);
    return compileScenario(s, `scenarios[${i}]`);
  });
  const maxEvents = options.maxEvents ?? 50_000_000;
  const expected = compiled.reduce((sum, c) => sum + expectedRate(c), 0) * years;
  if (expected > maxEvents) {
    fail(
      'years',
      `the run would simulate about ${Math.round(expected)} loss events (limit ${maxEvents}); use fewer years`,
    );
  }
  const rs = new RandomStream(seed);
  const S = compiled.length;

  // Pass 1: the year of every loss event, scenario-major.
  const years1 = new YearBuffer(Math.ceil(expected * 1.05 + 10 * Math.sqrt(expected + 1)));
  const start = new Int32Array(S + 1);
  for (let s = 0; s < S; s++) {
    lossEventYears(rs, compiled[s], years, years1);
    start[s + 1] = years1.length;
  }
  const total = years1.length;
  if (total > maxEvents)
    fail('years', `the run simulated ${total} loss events (limit ${maxEvents}); use fewer years`);
  const year = years1.data.subarray(0, total); // a view: no copy of the (slightly larger) buffer

  // Pass 2: losses, column by column, written in place (event-major rows of SECTION_COUNT).
  const scenario = new Uint16Array(total);
  const outageHours = new Float64Array(total);
  const loss = new Float64Array(total * SECTION_COUNT);
  const R = SECTION_COUNT;
  const perRecord = new Float64Array(1);
  for (let s = 0; s < S; s++) {
    const e0 = start[s];
    const n = start[s + 1] - e0;
    if (n === 0) continue;
    scenario.fill(s, e0, e0 + n);
    const { magnitudes: m, probabilities: p } = compiled[s];
    if (present(m, SLOT_IR)) fillSlot(rs, m, SLOT_IR, loss, e0 * R + S_IR, R, n);
    if (present(m, SLOT_HOURS)) {
      fillSlot(rs, m, SLOT_HOURS, outageHours, e0, 1, n);
      fillSlot(rs, m, SLOT_HOURLY, loss, e0 * R + S_BI, R, n);
      for (let i = 0; i < n; i++) loss[(e0 + i) * R + S_BI] *= outageHours[e0 + i];
    }
    if (present(m, SLOT_RESTORATION)) fillSlot(rs, m, SLOT_RESTORATION, loss, e0 * R + S_RESTORATION, R, n);
    // Gated losses: one draw straight into the event's row when its Bernoulli trial passes.
    const pExt = present(m, SLOT_EXTORTION) ? p[0] : 0;
    if (pExt > 0) {
      for (let i = 0; i < n; i++) {
        if (rs.uniform() < pExt) fillSlot(rs, m, SLOT_EXTORTION, loss, (e0 + i) * R + S_EXTORTION, R, 1);
      }
    }
    const pSec = p[1];
    if (!(pSec > 0)) continue;
    const notify = present(m, SLOT_RECORDS) && present(m, SLOT_PER_RECORD);
    const pReg = present(m, SLOT_REGULATORY) ? p[2] : 0;
    const pLiab = present(m, SLOT_LIABILITY) ? p[3] : 0;
    for (let i = 0; i < n; i++) {
      if (rs.uniform() >= pSec) continue;
      const o = (e0 + i) * R;
      if (notify) {
        fillSlot(rs, m, SLOT_RECORDS, loss, o + S_NOTIFICATION, R, 1);
        fillSlot(rs, m, SLOT_PER_RECORD, perRecord, 0, 1, 1);
        loss[o + S_NOTIFICATION] = Math.round(loss[o + S_NOTIFICATION]) * perRecord[0];
      }
      if (pReg > 0 && rs.uniform() < pReg) fillSlot(rs, m, SLOT_REGULATORY, loss, o + S_REGULATORY, R, 1);
      if (pLiab > 0 && rs.uniform() < pLiab) fillSlot(rs, m, SLOT_LIABILITY, loss, o + S_LIABILITY, R, 1);
    }
  }

  const annualLoss = new Float64Array(years);
  const annualByScenario = compiled.map((_, s) => {
    const annual = new Float64Array(years);
    for (let e = start[s]; e < start[s + 1]; e++) {
      const o = e * R;
      let sum = 0;
      for (let c = 0; c < R; c++) sum += loss[o + c];
      annual[year[e]] += sum;
    }
    for (let y = 0; y < years; y++) annualLoss[y] += annual[y];
    return annual;
  });

  const scratch = new Float64Array(years);
  return {
    years,
    seed,
    currency,
    scenarios: scenarios.map((sc, s) => ({
      id: sc.id,
      name: sc.name,
      annualLoss: annualByScenario[s],
      summary: summariseLosses(annualByScenario[s], scratch),
    })),
    annualLoss,
    summary: summariseLosses(annualLoss, scratch),
    events: { count: total, year, scenario, outageHours, loss },
  };
}

/** Sum of each loss section over all events, divided by years: the annualised loss per section. */
export function annualLossBySection(result: SimulationResult): Record<LossSection, number> {
  const sums = new Float64Array(SECTION_COUNT);
  const { loss, count } = result.events;
  for (let e = 0; e < count; e++)
    for (let s = 0; s < SECTION_COUNT; s++) sums[s] += loss[e * SECTION_COUNT + s];
  return Object.fromEntries(LOSS_SECTIONS.map((name, s) => [name, sums[s] / result.years])) as Record<
    LossSection,
    number
  >;
}
