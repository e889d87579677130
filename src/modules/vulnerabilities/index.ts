/**
 * Vulnerabilities: CVE JSON 5, CISA KEV and EPSS feeds; firmware version and CPE handling; matching
 * devices against records; configuration findings from device facts.
 */

export {
  type ConfigFinding,
  type ConfigFindingId,
  configurationFindings,
  type Severity,
} from './domain/config-findings';
export {
  type Cpe,
  type CpeRangeCriterion,
  type CpeValue,
  cpeMatches,
  cpeText,
  formatCpe23,
  formatCpeUri,
  matchCpeRange,
  parseCpe,
  parseCpe23,
  parseCpeUri,
} from './domain/cpe';
export {
  type CveProductVersions,
  type CveVersionEntry,
  compileProductVersions,
  decideVersion,
  interpretFreeText,
  prepareVersion,
  type VersionDecision,
  type VersionStatus,
} from './domain/cve-versions';
export { type CvssScore, type CvssSeverity, pickCvss, scoreCvss, severityOf } from './domain/cvss';
export type { AssessedDevice, DeviceKind, OpenService } from './domain/device';
export {
  type AffectedProduct,
  type EpssScore,
  type EpssTable,
  type FolderImport,
  type KevCatalog,
  type KevEntry,
  parseCveFolder,
  parseCveRecords,
  parseEpssCsv,
  parseJsonText,
  parseKevCatalog,
  type VulnRecord,
} from './domain/feeds';
export {
  compareFirmware,
  type FirmwareVersion,
  formatFirmwareVersion,
  parseFirmwareVersion,
  tryParseFirmwareVersion,
} from './domain/firmware-version';
export {
  buildVulnIndex,
  matchDevice,
  matchDevices,
  type VulnerabilityFinding,
  type VulnIndex,
  type VulnIndexInput,
} from './domain/matching';
export { productName, vendorKey } from './domain/names';
export { compareSemver, parseSemver, type Semver } from './domain/semver';
export {
  FEED_KINDS,
  type FeedImporter,
  type FeedImportResult,
  type FeedKind,
  FeedService,
  type FeedStatus,
} from './feeds.service';
export {
  type AssessmentSummary,
  assessedDevice,
  asVulnerabilityFinding,
  type DeviceSource,
  type FindingFilter,
  FindingsService,
  type FindingView,
} from './findings.service';
export { MAX_FEED_BYTES, registerVulnerabilityRoutes } from './routes';
