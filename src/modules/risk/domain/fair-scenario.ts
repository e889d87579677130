import { invalid } from '../../../core/errors';

/**
 * The FAIR scenario model (The Open Group, Open FAIR Risk Taxonomy O-RT and Risk Analysis O-RA) and its
 * compilation into flat typed arrays the simulation loop reads without touching objects.
 */

/** A loss magnitude. PERT uses the Vose/Davis "modified PERT" weight `lambda` (4 = classic PERT). */
export type Magnitude =
  | { dist: 'constant'; value: number }
  | { dist: 'pert'; min: number; mode: number; max: number; lambda?: number }
  | { dist: 'lognormal'; mu: number; sigma: number; cap?: number }
  | { dist: 'lognormal'; median: number; p90: number; cap?: number };

/**
 * Threat events per year. A fixed Poisson rate, or a PERT range for the rate: the annual rate is drawn
 * from the PERT each simulated year and the number of events from a Poisson with that rate (a mixed
 * Poisson), so counts are whole events and uncertainty about the rate widens the tail.
 */
export type Frequency =
  | { dist: 'poisson'; rate: number }
  | { dist: 'pert'; min: number; mode: number; max: number; lambda?: number };

export interface FairScenario {
  id: string;
  name: string;
  threatEventFrequency: Frequency;
  /** Probability that a threat event becomes a loss event (Open FAIR "vulnerability"), 0..1. */
  vulnerability: number;
  primary: {
    /** Forensics, response, legal advice per event. */
    incidentResponse?: Magnitude;
    /** Outage hours per event; business interruption = hours x hourly downtime cost. */
    outageHours?: Magnitude;
    hourlyDowntimeCost?: Magnitude;
    /** Rebuilding devices, restoring data and configurations. */
    restoration?: Magnitude;
    /** Ransom (and negotiation) paid with `probability` per event. */
    extortion?: { probability: number; magnitude: Magnitude };
  };
  secondary?: {
    /** Secondary loss event frequency: share of loss events where third parties react. */
    probability: number;
    /** Notification and credit monitoring = records affected x cost per record. */
    notification?: { records: Magnitude; costPerRecord: Magnitude };
    /** Regulatory defence and penalties, with its probability given a secondary loss event. */
    regulatory?: { probability: number; magnitude: Magnitude };
    /** Third-party liability (claims from customers, patients, botnet victims). */
    liability?: { probability: number; magnitude: Magnitude };
  };
}

export interface SimulationOptions {
  years: number;
  seed: number;
  currency: string;
  /** Refuse runs that would hold more events than this (memory guard; ~70 bytes per event). */
  maxEvents?: number;
}

// Magnitude slots of a compiled scenario, each STRIDE wide: [code, p1..p7].
export const SLOT_IR = 0;
export const SLOT_HOURS = 1;
export const SLOT_HOURLY = 2;
export const SLOT_RESTORATION = 3;
export const SLOT_EXTORTION = 4;
export const SLOT_RECORDS = 5;
export const SLOT_PER_RECORD = 6;
export const SLOT_REGULATORY = 7;
export const SLOT_LIABILITY = 8;
const SLOTS = 9;
export const STRIDE = 8;
export const ABSENT = 0;
export const CONSTANT = 1;
export const PERT = 2;
export const LOGNORMAL = 3;

/** z of the 90th percentile of the standard normal. */
const Z90 = 1.2815515655446004;

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function fail(path: string, message: string): never {
  throw invalid(`${path}: ${message}`, [{ path, message }]);
}

/** Mean of a magnitude in closed form (used by tests, reports and the data-file checks). */
export function magnitudeMean(m: Magnitude): number {
  switch (m.dist) {
    case 'constant':
      return m.value;
    case 'pert': {
      const l = m.lambda ?? 4;
      return (m.min + l * m.mode + m.max) / (l + 2);
    }
    case 'lognormal': {
      const { mu, sigma } = lognormalParameters(m);
      return Math.exp(mu + (sigma * sigma) / 2); // uncapped mean
    }
  }
}

/** mu and sigma of a lognormal given either directly or as median and 90th percentile. */
export function lognormalParameters(m: Extract<Magnitude, { dist: 'lognormal' }>): {
  mu: number;
  sigma: number;
} {
  if ('mu' in m) return { mu: m.mu, sigma: m.sigma };
  return { mu: Math.log(m.median), sigma: Math.log(m.p90 / m.median) / Z90 };
}

function compileMagnitude(m: Magnitude | undefined, path: string, out: Float64Array, slot: number): void {
  const o = slot * STRIDE;
  if (!m) {
    out[o] = ABSENT;
    return;
  }
  switch (m.dist) {
    case 'constant':
      if (!finite(m.value) || m.value < 0) fail(`${path}.value`, 'must be a finite number >= 0');
      out[o] = CONSTANT;
      out[o + 1] = m.value;
      return;
    case 'pert': {
      const l = m.lambda ?? 4;
      if (![m.min, m.mode, m.max, l].every(finite)) fail(path, 'min, mode, max (and lambda) must be finite');
      if (m.min < 0 || !(m.min <= m.mode && m.mode <= m.max)) fail(path, 'needs 0 <= min <= mode <= max');
      if (l < 0) fail(`${path}.lambda`, 'must be >= 0');
      const range = m.max - m.min;
      if (range === 0) {
        out[o] = CONSTANT;
        out[o + 1] = m.min;
        return;
      }
      // PERT = min + range · Beta(1 + λ(mode-min)/range, 1 + λ(max-mode)/range); both shapes >= 1,
      // so Marsaglia–Tsang applies without the shape < 1 boost. Store d and c of each gamma.
      const a = 1 + (l * (m.mode - m.min)) / range;
      const b = 1 + (l * (m.max - m.mode)) / range;
      out[o] = PERT;
      out[o + 1] = m.min;
      out[o + 2] = range;
      out[o + 3] = a - 1 / 3;
      out[o + 4] = 1 / Math.sqrt(9 * (a - 1 / 3));
      out[o + 5] = b - 1 / 3;
      out[o + 6] = 1 / Math.sqrt(9 * (b - 1 / 3));
      return;
    }
    case 'lognormal': {
      if ('mu' in m) {
        if (!finite(m.mu) || !finite(m.sigma) || m.sigma < 0) fail(path, 'mu must be finite and sigma >= 0');
      } else if (!finite(m.median) || !finite(m.p90) || m.median <= 0 || m.p90 < m.median) {
        fail(path, 'needs 0 < median <= p90');
      }
      if (m.cap !== undefined && !(m.cap >= 0)) fail(`${path}.cap`, 'must be >= 0');
      const { mu, sigma } = lognormalParameters(m);
      out[o] = LOGNORMAL;
      out[o + 1] = mu;
      out[o + 2] = sigma;
      out[o + 3] = m.cap ?? Number.POSITIVE_INFINITY;
      return;
    }
    default:
      fail(`${path}.dist`, 'must be constant, pert or lognormal');
  }
}

function probability(p: number | undefined, path: string): number {
  if (p === undefined) return 0;
  if (!finite(p) || p < 0 || p > 1) fail(path, 'must be a probability between 0 and 1');
  return p;
}

export interface CompiledScenario {
  magnitudes: Float64Array;
  /** [extortion, secondary, regulatory, liability] */
  probabilities: Float64Array;
  /** PERT frequency: [min, range, dA, cA, dB, cB]; Poisson: rate at [0]. */
  frequency: Float64Array;
  frequencyIsPert: boolean;
  vulnerability: number;
}

export function compileScenario(s: FairScenario, path: string): CompiledScenario {
  if (typeof s.id !== 'string' || s.id === '') fail(`${path}.id`, 'must be a non-empty string');
  const vulnerability = probability(s.vulnerability, `${path}.vulnerability`);
  const magnitudes = new Float64Array(SLOTS * STRIDE);
  const p = s.primary ?? {};
  compileMagnitude(p.incidentResponse, `${path}.primary.incidentResponse`, magnitudes, SLOT_IR);
  compileMagnitude(p.outageHours, `${path}.primary.outageHours`, magnitudes, SLOT_HOURS);
  compileMagnitude(p.hourlyDowntimeCost, `${path}.primary.hourlyDowntimeCost`, magnitudes, SLOT_HOURLY);
  compileMagnitude(p.restoration, `${path}.primary.restoration`, magnitudes, SLOT_RESTORATION);
  compileMagnitude(p.extortion?.magnitude, `${path}.primary.extortion.magnitude`, magnitudes, SLOT_EXTORTION);
  const sec = s.secondary;
  compileMagnitude(
    sec?.notification?.records,
    `${path}.secondary.notification.records`,
    magnitudes,
    SLOT_RECORDS,
  );
  compileMagnitude(
    sec?.notification?.costPerRecord,
    `${path}.secondary.notification.costPerRecord`,
    magnitudes,
    SLOT_PER_RECORD,
  );
  compileMagnitude(
    sec?.regulatory?.magnitude,
    `${path}.secondary.regulatory.magnitude`,
    magnitudes,
    SLOT_REGULATORY,
  );
  compileMagnitude(
    sec?.liability?.magnitude,
    `${path}.secondary.liability.magnitude`,
    magnitudes,
    SLOT_LIABILITY,
  );
  const probabilities = Float64Array.of(
    p.extortion ? probability(p.extortion.probability, `${path}.primary.extortion.probability`) : 0,
    sec ? probability(sec.probability, `${path}.secondary.probability`) : 0,
    sec?.regulatory ? probability(sec.regulatory.probability, `${path}.secondary.regulatory.probability`) : 0,
    sec?.liability ? probability(sec.liability.probability, `${path}.secondary.liability.probability`) : 0,
  );

  const f = s.threatEventFrequency;
  const fpath = `${path}.threatEventFrequency`;
  const frequency = new Float64Array(6);
  let frequencyIsPert = false;
  if (f?.dist === 'poisson') {
    if (!finite(f.rate) || f.rate < 0) fail(`${fpath}.rate`, 'must be a finite rate >= 0 per year');
    frequency[0] = f.rate;
  } else if (f?.dist === 'pert') {
    const m = new Float64Array(STRIDE);
    compileMagnitude(f, fpath, m, 0);
    if (m[0] === CONSTANT) frequency[0] = m[1];
    else {
      frequencyIsPert = true;
      frequency.set(m.subarray(1, 7));
    }
  } else fail(`${fpath}.dist`, 'must be poisson or pert');
  return { magnitudes, probabilities, frequency, frequencyIsPert, vulnerability };
}
