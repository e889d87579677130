/**
 * Compliance: baselines as data (ETSI EN 303 645, UK PSTI, NISTIR 8259A, EU CRA Annex I), evaluated
 * per device and per organisation from device facts, findings and attestations; printable reports.
 */

export { BaselineService, type BaselineSummary, type ComplianceSources } from './baselines.service';
export {
  type Baseline,
  baselineById,
  builtInBaselines,
  FACT_NAMES,
  type FactName,
  parseBaseline,
  type Requirement,
  type Rule,
} from './domain/baseline';
export {
  type Attestation,
  type Attestations,
  type ComplianceResult,
  type Decider,
  type DeviceEvaluation,
  type EvaluationContext,
  evaluateDevice,
  evaluateOrganisation,
  type OrganisationEvaluation,
  type RequirementResult,
  type RequirementSummary,
} from './domain/evaluate';
export { escapeHtml, type ReportOptions, renderBaselineReport } from './domain/report-html';
export { registerComplianceRoutes } from './routes';
