/**
 * The agreed contract between FAIR simulation (risk) and pricing (underwriting).
 * Loss is split into the forms a cyber policy's coverage sections respond to, so insured loss can
 * be computed per section (sublimits), per event (retention, waiting period) and per year (aggregate).
 */
export const LOSS_SECTIONS = [
  'incident_response', // forensics, response, legal advice (first party)
  'restoration', // data and device restoration (first party)
  'business_interruption', // income lost during outage (first party; waiting period applies)
  'extortion', // ransom and negotiation (first party)
  'notification', // breach notification, credit monitoring (first party)
  'liability', // network security and privacy liability (third party)
  'regulatory', // regulatory defence and penalties (third party, where insurable)
] as const;
export type LossSection = (typeof LOSS_SECTIONS)[number];
export const SECTION_COUNT = LOSS_SECTIONS.length;

/**
 * Every simulated loss event, struct-of-arrays. Losses are floats in major currency units.
 * Events are grouped by scenario (in SimulationResult.scenarios order), each scenario's in year order.
 */
export interface SimulatedEvents {
  count: number;
  /** Simulated year index 0..years-1 of each event. */
  year: Int32Array;
  /** Index into SimulationResult.scenarios. */
  scenario: Uint16Array;
  /** Outage hours of the event (0 when it causes no interruption). */
  outageHours: Float64Array;
  /** count x SECTION_COUNT, event-major: loss[e * SECTION_COUNT + s]. */
  loss: Float64Array;
}

export interface LossSummary {
  /** Mean annual loss (annualised loss expectancy). */
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  /** Loss exceedance curve: probability that annual loss exceeds `loss`. */
  exceedance: { loss: number; probability: number }[];
}

export interface SimulationResult {
  years: number;
  seed: number;
  currency: string;
  scenarios: { id: string; name: string; annualLoss: Float64Array; summary: LossSummary }[];
  /** Total annual loss per simulated year. */
  annualLoss: Float64Array;
  summary: LossSummary;
  events: SimulatedEvents;
}
