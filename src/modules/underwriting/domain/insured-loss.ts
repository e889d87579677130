/**
 * Insured loss from a FAIR simulation: the quoted terms applied to every simulated event and year,
 * then the technical premium. Losses stay floats (minor units) through the terms and are rounded once,
 * where they become money (DESIGN.md §4).
 *
 * Per event, in this order (policy wording; DESIGN.md §5):
 *  0. regulatory: fines are not paid where uninsurable (JUR-1; penalty share x share of jurisdictions)
 *  1. business interruption: insured BI = BI loss x max(0, hours - waiting) / hours
 *  2. retention: sections with covered loss trigger; only the single highest retention among them
 *     applies, once, eroded across sections in LOSS_SECTIONS order (response costs are incurred first)
 *  3. coinsurance: the insurer pays (1 - share) of what is left; for events of a scenario that runs
 *     through devices with an unpatched KEV the share is raised per EXC-KEV (kev-coinsurance.ts),
 *     blended by the scenario's KEV share (exact for the mean below the limits)
 *  4. the section's each-event limit, then what is left of its annual sublimit, then what is left of
 *     the policy aggregate for that year
 */
import { invalid } from '../../../core/errors';
import { fromMajor, type Money, minorUnitExponent } from '../../../core/money';
import { LOSS_SECTIONS, type LossSection, SECTION_COUNT, type SimulationResult } from '../../risk';
import { mulDivRound } from './arith';
import type { RateFiling } from './filing';
import type { KevCoinsurance } from './kev-coinsurance';
import { type QuotedTerms, uninsurableRegulatoryShare } from './terms';

export interface SectionInsuredLoss {
  lossSection: LossSection;
  sectionId: string | null;
  grossMean: Money;
  insuredMean: Money;
}

/** Mean annual amounts, each step's reduction shown so the path from gross to insured is explained. */
export interface InsuredLossResult {
  currency: string;
  years: number;
  events: number;
  grossMean: Money;
  /** Loss in sections not bought (or not mapped to any section of the product). */
  notCoveredMean: Money;
  /** Fines and penalties in jurisdictions where they are uninsurable (JUR-1). */
  uninsurableMean: Money;
  waitingPeriodMean: Money;
  retentionMean: Money;
  coinsuranceMean: Money;
  eventLimitMean: Money;
  sublimitMean: Money;
  aggregateMean: Money;
  insuredMean: Money;
  bySection: SectionInsuredLoss[];
  /** Insured loss per simulated year, minor units (floats; not money until summarised). */
  annualInsured: Float64Array;
  /** Years in which the policy aggregate was used up. */
  yearsAggregateExhausted: number;
  /** Coinsurance raised for KEV-caused events (EXC-KEV), per scenario; empty when none applies. */
  kevCoinsurance: KevCoinsurance[];
}

export interface InsuredLossOptions {
  kevCoinsurance?: readonly KevCoinsurance[];
}

interface SectionSlot {
  included: boolean;
  sectionId: string | null;
  limit: number;
  sublimit: number;
  retention: number;
  coinsurance: number;
  waiting: number | null;
  /** Share of this section's loss the policy may pay at all (regulatory: less uninsurable fines). */
  payable: number;
}

function slots(terms: QuotedTerms): SectionSlot[] {
  return LOSS_SECTIONS.map((ls): SectionSlot => {
    const t = terms.sections.find((s) => s.respondsTo === ls);
    if (!t) {
      return {
        included: false,
        sectionId: null,
        limit: 0,
        sublimit: 0,
        retention: 0,
        coinsurance: 0,
        waiting: null,
        payable: 0,
      };
    }
    return {
      included: t.included,
      sectionId: t.sectionId,
      limit: t.limit.amount,
      sublimit: t.sublimit.amount,
      retention: t.retention.amount,
      coinsurance: t.coinsurance,
      waiting: t.waitingPeriodHours,
      payable: ls === 'regulatory' ? 1 - uninsurableRegulatoryShare(terms) : 1,
    };
  });
}

/**
 * Null when events are already in non-decreasing year order; else the event indices in year order,
 * stable within a year. Years outside 0..years-1 are a malformed simulation.
 */
function yearOrder(year: Int32Array, count: number, years: number): Int32Array | null {
  let sorted = true;
  for (let e = 0; e < count; e++) {
    const y = year[e];
    if (y < 0 || y >= years) {
      throw invalid(`event ${e} has year ${y} outside 0..${years - 1}`, [
        { path: `events.year[${e}]`, message: 'out of range' },
      ]);
    }
    if (e > 0 && y < year[e - 1]) sorted = false;
  }
  if (sorted) return null;
  const start = new Int32Array(years + 1);
  for (let e = 0; e < count; e++) start[year[e] + 1]++;
  for (let y = 0; y < years; y++) start[y + 1] += start[y];
  const order = new Int32Array(count);
  for (let e = 0; e < count; e++) order[start[year[e]]++] = e;
  return order;
}

/** Coinsurance per (scenario, loss section), scenario-major: the base share, raised for KEV-caused events. */
function coinsuranceTable(
  sim: SimulationResult,
  sec: SectionSlot[],
  kev: readonly KevCoinsurance[],
): Float64Array {
  const S = SECTION_COUNT;
  // A hand-built simulation may name no scenarios; its events (scenario 0) take the base shares.
  const n = Math.max(1, sim.scenarios.length);
  const table = new Float64Array(n * S);
  for (let i = 0; i < n; i++) {
    const id = sim.scenarios[i]?.id;
    const k = id === undefined ? undefined : kev.find((x) => x.scenarioId === id);
    for (let s = 0; s < S; s++) {
      const base = sec[s].coinsurance;
      const raised = k?.sectionShares.find((x) => x.sectionId === sec[s].sectionId)?.kev ?? base;
      table[i * S + s] = k ? base + k.kevShare * (raised - base) : base;
    }
  }
  return table;
}

export function insuredLoss(
  sim: SimulationResult,
  terms: QuotedTerms,
  options: InsuredLossOptions = {},
): InsuredLossResult {
  if (sim.currency !== terms.currency) {
    throw invalid(`simulation is in ${sim.currency}; the terms are in ${terms.currency}`, [
      { field: 'currency', message: 'currency mismatch' },
    ]);
  }
  if (!(sim.years > 0))
    throw invalid('simulation has no years', [{ field: 'years', message: 'must be positive' }]);
  const S = SECTION_COUNT;
  const scale = 10 ** minorUnitExponent(sim.currency);
  const sec = slots(terms);
  const years = sim.years;
  const ev = sim.events;
  const kev = options.kevCoinsurance ?? [];
  const coinsurance = coinsuranceTable(sim, sec, kev);

  // Events are visited year by year (in their given order within a year), so the per-year state is
  // one aggregate and S sublimits, reset when the year changes; events not in year order (the
  // simulator lays them out scenario-major) are put in year order first by a stable counting sort.
  // A year's insured total does not depend on the order within the year (every cap is a min over a
  // running sum); only which section the last of an exhausted aggregate is credited to does.
  const order = yearOrder(ev.year, ev.count, years);
  const subLeft = new Float64Array(S);
  let aggLeft = 0;
  let currentYear = -1;
  let exhausted = 0;
  const annualInsured = new Float64Array(years);
  const gross = new Float64Array(S);
  const insuredBySection = new Float64Array(S);
  const covered = new Float64Array(S);
  let notCovered = 0;
  let uninsurable = 0;
  let waitingCut = 0;
  let retained = 0;
  let coinsured = 0;
  let overEvent = 0;
  let overSub = 0;
  let overAgg = 0;

  for (let k = 0; k < ev.count; k++) {
    const e = order === null ? k : order[k];
    const y = ev.year[e];
    if (y !== currentYear) {
      if (currentYear >= 0 && aggLeft <= 0) exhausted++;
      currentYear = y;
      aggLeft = terms.aggregateLimit.amount;
      for (let s = 0; s < S; s++) subLeft[s] = sec[s].sublimit;
    }
    const hours = ev.outageHours[e];
    let retention = 0;
    for (let s = 0; s < S; s++) {
      const g = ev.loss[e * S + s] * scale;
      gross[s] += g;
      const slot = sec[s];
      if (!slot.included || g <= 0) {
        if (g > 0) notCovered += g;
        covered[s] = 0;
        continue;
      }
      let c = g * slot.payable;
      uninsurable += g - c;
      if (slot.waiting !== null) {
        // Hours of outage past the waiting period, as a share of the outage (policy wording: BI).
        const share = hours > 0 ? Math.max(0, hours - slot.waiting) / hours : 0;
        waitingCut += c - c * share;
        c *= share;
      }
      covered[s] = c;
      if (c > 0 && slot.retention > retention) retention = slot.retention;
    }
    // DESIGN.md §5: one incident, several sections -> only the single highest retention applies.
    const co = ev.scenario[e] * S;
    let left = retention;
    for (let s = 0; s < S && left > 0; s++) {
      const take = Math.min(left, covered[s]);
      covered[s] -= take;
      left -= take;
      retained += take;
    }
    for (let s = 0; s < S; s++) {
      let c = covered[s];
      if (c <= 0) continue;
      const slot = sec[s];
      const afterCo = c * (1 - coinsurance[co + s]);
      coinsured += c - afterCo;
      c = afterCo;
      if (c > slot.limit) {
        overEvent += c - slot.limit;
        c = slot.limit;
      }
      if (c > subLeft[s]) {
        overSub += c - subLeft[s];
        c = subLeft[s];
      }
      if (c > aggLeft) {
        overAgg += c - aggLeft;
        c = aggLeft;
      }
      subLeft[s] -= c;
      aggLeft -= c;
      insuredBySection[s] += c;
      annualInsured[y] += c;
    }
  }
  if (currentYear >= 0 && aggLeft <= 0) exhausted++;

  const cur = sim.currency;
  // Round once: each mean becomes money here and nowhere earlier.
  const mean = (minorTotal: number): Money => fromMajor(minorTotal / years / scale, cur);
  let grossTotal = 0;
  let insuredTotal = 0;
  for (let s = 0; s < S; s++) {
    grossTotal += gross[s];
    insuredTotal += insuredBySection[s];
  }
  return {
    currency: cur,
    years,
    events: ev.count,
    grossMean: mean(grossTotal),
    notCoveredMean: mean(notCovered),
    uninsurableMean: mean(uninsurable),
    waitingPeriodMean: mean(waitingCut),
    retentionMean: mean(retained),
    coinsuranceMean: mean(coinsured),
    eventLimitMean: mean(overEvent),
    sublimitMean: mean(overSub),
    aggregateMean: mean(overAgg),
    insuredMean: mean(insuredTotal),
    bySection: LOSS_SECTIONS.map((ls, s) => ({
      lossSection: ls,
      sectionId: sec[s].sectionId,
      grossMean: mean(gross[s]),
      insuredMean: mean(insuredBySection[s]),
    })),
    annualInsured,
    yearsAggregateExhausted: exhausted,
    kevCoinsurance: [...kev],
  };
}

export interface TechnicalPremium {
  clause: string;
  expectedInsuredLoss: Money;
  targetLossRatio: number;
  /** Expected insured loss / target loss ratio. */
  lossCost: Money;
  expenseLoad: Money;
  premium: Money;
  derivation: string;
}

/** Which scenarios carry the raised EXC-KEV coinsurance, for the derivation. */
function kevNote(result: InsuredLossResult): string {
  if (!result.kevCoinsurance.length) return '';
  const parts = result.kevCoinsurance.map((k) => {
    const top = Math.max(...k.sectionShares.map((x) => x.kev));
    return `${k.scenarioId} ${(k.kevShare * 100).toFixed(0)}% of events at up to ${(top * 100).toFixed(0)}% coinsurance`;
  });
  return `; EXC-KEV: KEV left unpatched ${result.kevCoinsurance[0].daysUnpatched} days at the average loss raises the insured's share (${parts.join('; ')})`;
}

/**
 * Technical premium = expected insured loss / target loss ratio + fixed expense load (filing TP-1).
 * The loss cost is divided from the unrounded mean and rounded once.
 */
export function technicalPremium(result: InsuredLossResult, filing: RateFiling): TechnicalPremium {
  const tp = filing.technicalPremium;
  if (result.currency !== filing.currency) {
    throw invalid(`insured loss is in ${result.currency}; filing ${filing.id} is in ${filing.currency}`);
  }
  let total = 0;
  for (let y = 0; y < result.years; y++) total += result.annualInsured[y];
  const meanMinor = total / result.years;
  const scale = 10 ** minorUnitExponent(result.currency);
  const lossCost = fromMajor(meanMinor / tp.targetLossRatio / scale, result.currency);
  const expenseLoad: Money = { amount: tp.fixedExpenseLoadMinor, currency: filing.currency };
  const premium: Money = { amount: lossCost.amount + expenseLoad.amount, currency: filing.currency };
  return {
    clause: tp.clause,
    expectedInsuredLoss: result.insuredMean,
    targetLossRatio: tp.targetLossRatio,
    lossCost,
    expenseLoad,
    premium,
    derivation: `expected insured loss ${result.insuredMean.amount} / target loss ratio ${tp.targetLossRatio} = ${lossCost.amount}; + expense load ${expenseLoad.amount} = ${premium.amount} (minor units, ${tp.clause})${kevNote(result)}`,
  };
}

/** Rated premium as a multiple of the technical premium, in 4 decimals (1.0000 = priced at cost). */
export const adequacy = (rated: Money, technical: Money): number | null =>
  technical.amount > 0 ? mulDivRound(rated.amount, 10_000, technical.amount) / 10_000 : null;
