/** The risk module's public surface: scores, recommendations, FAIR scenarios and simulation. */

export {
  type AttestationView,
  type AttestInput,
  type ControlCredit,
  type ControlDecision,
  ControlService,
  type ControlView,
} from './controls.service';
export type {
  AssessedDevice,
  Attestation,
  ControlName,
  ControlState,
  Criticality,
  DeviceKind,
  DeviceRiskInput,
  DeviceVulnerability,
  OrganisationAssessment,
} from './domain/assessment';
export { CONTROL_LABELS, CONTROLS, deviceSecureUpdate, effectiveControls } from './domain/assessment';
export type { FairScenario, Frequency, Magnitude, SimulationOptions } from './domain/fair';
export { annualLossBySection, lognormalParameters, magnitudeMean, simulate } from './domain/fair';
export type { LossSection, LossSummary, SimulatedEvents, SimulationResult } from './domain/fair-types';
export { LOSS_SECTIONS, SECTION_COUNT } from './domain/fair-types';
export { summariseLosses } from './domain/loss-summary';
export type { OrganisationFactor, OrganisationRiskScore } from './domain/organisation-score';
export { aggregateScores, ORGANISATION_AGGREGATION, scoreOrganisation } from './domain/organisation-score';
export type { ActionKind, Recommendation } from './domain/recommendations';
export { recommendations } from './domain/recommendations';
export type { DeviceRiskScore, FactorGroup, RiskFactor } from './domain/risk-score';
export { riskyServices, scoreDevice } from './domain/risk-score';
export {
  CONTROL_MULTIPLIERS,
  IMPACT_POINTS,
  LIKELIHOOD_WEIGHTS,
  QUARANTINE_MULTIPLIER,
  RISKY_PORTS,
} from './domain/risk-weights';
export type { ScenarioId, ScenarioVulnerability } from './domain/scenario-vulnerability';
export { SCENARIO_IDS, SCENARIO_VULNERABILITY, scenarioVulnerability } from './domain/scenario-vulnerability';
export type { OrganisationProfile, OrganisationScenarios, ScenarioParameters } from './domain/scenarios';
export { DEFAULT_SCENARIO_PARAMETERS, scenariosForOrganisation } from './domain/scenarios';
export type { FairFileOptions, FairReport, ScenarioFile } from './fair-file';
export { formatFairReport, parseScenarioFile, runFairFile, runScenarioFile } from './fair-file';
export { type OrganisationRiskView, type RiskPoint, RiskService, type RiskSources } from './risk.service';
export { registerRiskRoutes } from './routes';
