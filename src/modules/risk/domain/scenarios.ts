import { invalid } from '../../../core/errors';
import defaults from '../data/scenarios.json';
import {
  type ControlName,
  type ControlState,
  effectiveControls,
  type OrganisationAssessment,
} from './assessment';
import type { FairScenario, Magnitude } from './fair';
import {
  SCENARIO_IDS,
  type ScenarioId,
  type ScenarioVulnerability,
  scenarioVulnerability,
} from './scenario-vulnerability';

/** A default value with where it comes from (src/modules/risk/data/scenarios.json). */
export interface Sourced {
  value: number;
  source: string;
  default: boolean;
}
export type SourcedDistribution =
  | { dist: 'pert'; min: number; mode: number; max: number; source: string; default: boolean }
  | { dist: 'lognormal'; median: number; p90: number; source: string; default: boolean };

interface GatedLoss {
  probability: Sourced;
  magnitude: SourcedDistribution;
}

export interface ScenarioDefaults {
  name: string;
  threatEventFrequency: Extract<SourcedDistribution, { dist: 'pert' }>;
  downtimeDependency: Sourced;
  incidentResponse?: SourcedDistribution;
  outageHours?: SourcedDistribution;
  restoration?: SourcedDistribution;
  extortion?: GatedLoss;
  secondaryProbability?: Sourced;
  notification?: { recordsFraction: SourcedDistribution; costPerRecord: SourcedDistribution };
  regulatory?: GatedLoss;
  liability?: GatedLoss;
  regulatoryProbability?: Sourced;
  liabilityProbability?: Sourced;
}

export interface ScenarioParameters {
  currency: string;
  sources: Record<string, string>;
  profile: {
    referenceRevenueUsd: Sourced;
    sizeElasticity: Sourced;
    hoursPerYear: Sourced;
    hourlyCostUncertainty: Extract<SourcedDistribution, { dist: 'pert' }>;
    deviceFrequencyScaling: Sourced;
    /** Threat event frequency scales with (revenue / reference)^this (bigger firms are attacked more). */
    frequencySizeElasticity: Sourced;
  };
  breachCost: {
    global: Sourced;
    byRegion: Record<string, Sourced>;
    byIndustry: Record<string, Sourced>;
    lifecycleDays: Sourced;
    shares: { incidentResponse: Sourced; liability: Sourced; regulatory: Sourced };
    sigma: Sourced;
  };
  controls: {
    offlineBackups: { extortionProbability: Sourced; restoration: Sourced; outageHours: Sourced };
    irPlanTested: { incidentResponse: Sourced; outageHours: Sourced };
  };
  safetyKindWeights: Record<string, Sourced>;
  scenarios: Record<ScenarioId, ScenarioDefaults>;
}

export const DEFAULT_SCENARIO_PARAMETERS = defaults as unknown as ScenarioParameters;

export interface OrganisationProfile {
  industry: string;
  /** Region or jurisdiction code, e.g. "us", "eu", "gb". */
  region: string;
  currency: string;
  /** Units of `currency` per USD; required unless the currency is USD. */
  usdRate?: number;
  /** Major units of `currency`. */
  annualRevenue: number;
  recordsHeld: number;
  /** Major units of `currency` per hour of full outage; defaults to revenue / 8,760. */
  hourlyDowntimeCost?: number;
}

export interface OrganisationScenarios {
  currency: string;
  scenarios: FairScenario[];
  /** Why each scenario has its vulnerability, and which defaults and profile facts went in. */
  explanations: {
    id: ScenarioId;
    vulnerability: ScenarioVulnerability;
    threatEventMultiplier: number;
    notes: string[];
  }[];
  omitted: { id: ScenarioId; reason: string }[];
}

const Z90 = 1.2815515655446004;

function scaled(d: SourcedDistribution, k: number): Magnitude {
  return d.dist === 'pert'
    ? { dist: 'pert', min: d.min * k, mode: d.mode * k, max: d.max * k }
    : { dist: 'lognormal', median: d.median * k, p90: d.p90 * k };
}

/** A lognormal with the given mean and sigma, as median and p90. */
function lognormalWithMean(mean: number, sigma: number): Magnitude {
  const median = mean / Math.exp((sigma * sigma) / 2);
  return { dist: 'lognormal', median, p90: median * Math.exp(Z90 * sigma) };
}

function checkProfile(p: OrganisationProfile): number {
  const bad = (field: string, message: string) =>
    invalid(`profile.${field}: ${message}`, [{ field: `profile.${field}`, message }]);
  if (!/^[A-Z]{3}$/.test(p.currency)) throw bad('currency', 'must be an ISO 4217 code');
  const rate = p.currency === 'USD' ? 1 : p.usdRate;
  if (rate === undefined || !(rate > 0))
    throw bad('usdRate', `units of ${p.currency} per USD are needed to use USD defaults`);
  if (!(p.annualRevenue >= 0)) throw bad('annualRevenue', 'must be >= 0');
  if (!(p.recordsHeld >= 0)) throw bad('recordsHeld', 'must be >= 0');
  if (p.hourlyDowntimeCost !== undefined && !(p.hourlyDowntimeCost >= 0))
    throw bad('hourlyDowntimeCost', 'must be >= 0');
  return rate;
}

/**
 * The FAIR scenario set of one organisation: default parameters (data/scenarios.json) scaled by its
 * profile (size, currency, records held, hourly downtime cost, device mix) and its attested or
 * measured controls, with each scenario's vulnerability derived from the assessed devices.
 */
export function scenariosForOrganisation(
  profile: OrganisationProfile,
  assessment: OrganisationAssessment,
  parameters: ScenarioParameters = DEFAULT_SCENARIO_PARAMETERS,
): OrganisationScenarios {
  const usdRate = checkProfile(profile);
  const P = parameters;
  const revenueUsd = profile.annualRevenue / usdRate;
  /** (revenue / reference)^elasticity, kept within [0.05, cap]. */
  const sizeFactor = (elasticity: number, cap: number) =>
    Math.min(cap, Math.max(0.05, (revenueUsd / P.profile.referenceRevenueUsd.value) ** elasticity));
  const size = sizeFactor(P.profile.sizeElasticity.value, 4);
  const money = size * usdRate; // reference-size USD -> this organisation's currency and size
  // Frequencies are set for the reference organisation too: smaller firms suffer fewer loss events
  // (cyentia-iris-2020), so the threat event frequency is scaled by size as the magnitudes are.
  const frequencySize = sizeFactor(P.profile.frequencySizeElasticity.value, 2);
  const hourly = profile.hourlyDowntimeCost ?? profile.annualRevenue / P.profile.hoursPerYear.value;
  const controls = effectiveControls(assessment.attestations, assessment.measuredControls, assessment.asOf);
  const has = (c: ControlName) => (controls[c] as ControlState).present;
  const backups = has('offline_backups');
  const irPlan = has('ir_plan_tested');

  const active = assessment.devices.filter((x) => x.device.status === 'active');
  const safetyWeight = Math.max(
    1,
    ...active
      .filter((x) => x.device.safetyCritical)
      .map((x) => P.safetyKindWeights[x.device.kind]?.value ?? 1),
  );
  const breachAverage =
    P.breachCost.byIndustry[profile.industry.toLowerCase()] ??
    P.breachCost.byRegion[profile.region.toLowerCase()] ??
    P.breachCost.global;

  const out: OrganisationScenarios = {
    currency: profile.currency,
    scenarios: [],
    explanations: [],
    omitted: [],
  };
  for (const id of SCENARIO_IDS) {
    const d = P.scenarios[id];
    const vulnerability = scenarioVulnerability(id, assessment, controls);
    if (vulnerability.relevantDevices === 0) {
      out.omitted.push({ id, reason: 'no relevant active device' });
      continue;
    }
    const notes = [
      `size factor ${size.toFixed(3)} = (USD ${Math.round(revenueUsd)} / ${P.profile.referenceRevenueUsd.value})^${P.profile.sizeElasticity.value}`,
      `frequency size factor ${frequencySize.toFixed(3)} = (USD ${Math.round(revenueUsd)} / ${P.profile.referenceRevenueUsd.value})^${P.profile.frequencySizeElasticity.value}`,
    ];
    const tefMultiplier =
      Math.min(3, 1 + P.profile.deviceFrequencyScaling.value * Math.log2(1 + vulnerability.relevantDevices)) *
      frequencySize;
    const tef = d.threatEventFrequency;
    const irFactor = irPlan ? P.controls.irPlanTested.incidentResponse.value : 1;
    const scenario: FairScenario = {
      id,
      name: d.name,
      threatEventFrequency: {
        dist: 'pert',
        min: tef.min * tefMultiplier,
        mode: tef.mode * tefMultiplier,
        max: tef.max * tefMultiplier,
      },
      vulnerability: vulnerability.vulnerability,
      primary: {},
    };
    if (d.incidentResponse) scenario.primary.incidentResponse = scaled(d.incidentResponse, money * irFactor);
    if (d.outageHours && d.downtimeDependency.value > 0 && hourly > 0) {
      let hours = 1;
      if (irPlan) hours *= P.controls.irPlanTested.outageHours.value;
      if (backups && id === 'ransomware_ot') hours *= P.controls.offlineBackups.outageHours.value;
      scenario.primary.outageHours = scaled(d.outageHours, hours);
      scenario.primary.hourlyDowntimeCost = scaled(
        P.profile.hourlyCostUncertainty,
        hourly * d.downtimeDependency.value,
      );
      notes.push(
        `hourly downtime cost ${Math.round(hourly)} ${profile.currency} x dependency ${d.downtimeDependency.value}`,
      );
    }
    if (d.restoration) {
      const k = backups && id === 'ransomware_ot' ? P.controls.offlineBackups.restoration.value : 1;
      scenario.primary.restoration = scaled(d.restoration, money * k);
    }
    if (d.extortion) {
      const k = backups ? P.controls.offlineBackups.extortionProbability.value : 1;
      scenario.primary.extortion = {
        probability: d.extortion.probability.value * k,
        magnitude: scaled(d.extortion.magnitude, money),
      };
      if (backups) notes.push('offline backups: lower ransom, restoration and outage');
    }
    if (d.secondaryProbability) {
      const secondary: NonNullable<FairScenario['secondary']> = { probability: d.secondaryProbability.value };
      if (d.notification && profile.recordsHeld > 0) {
        secondary.notification = {
          records: scaled(d.notification.recordsFraction, profile.recordsHeld),
          costPerRecord: scaled(d.notification.costPerRecord, usdRate),
        };
      }
      if (d.regulatory) {
        secondary.regulatory = {
          probability: d.regulatory.probability.value,
          magnitude: scaled(d.regulatory.magnitude, money),
        };
      }
      if (d.liability) {
        const k = id === 'safety_event' ? safetyWeight : 1;
        secondary.liability = {
          probability: d.liability.probability.value,
          magnitude: scaled(d.liability.magnitude, money * k),
        };
        if (k !== 1) notes.push(`safety weight ${k} of the most hazardous safety-critical device kind`);
      }
      if (id === 'data_breach') {
        // Calibrate the components to the average breach cost for the industry or region (IBM 2025).
        const total = breachAverage.value * money;
        const { shares, sigma } = P.breachCost;
        const sec = d.secondaryProbability.value;
        const reg = d.regulatoryProbability?.value ?? 0;
        const liab = d.liabilityProbability?.value ?? 0;
        scenario.primary.incidentResponse = lognormalWithMean(
          total * shares.incidentResponse.value * irFactor,
          sigma.value,
        );
        if (reg > 0 && sec > 0) {
          secondary.regulatory = {
            probability: reg,
            magnitude: lognormalWithMean((total * shares.regulatory.value) / (sec * reg), sigma.value),
          };
        }
        if (liab > 0 && sec > 0) {
          secondary.liability = {
            probability: liab,
            magnitude: lognormalWithMean((total * shares.liability.value) / (sec * liab), sigma.value),
          };
        }
        notes.push(`breach cost calibrated to ${breachAverage.source}`);
      }
      scenario.secondary = secondary;
    }
    if (irPlan) notes.push('tested IR plan: lower response cost and outage');
    out.scenarios.push(scenario);
    out.explanations.push({ id, vulnerability, threatEventMultiplier: tefMultiplier, notes });
  }
  return out;
}
