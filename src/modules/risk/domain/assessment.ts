import { invalid } from '../../../core/errors';

/**
 * The facts risk scoring works from. Inventory maps its device rows onto `AssessedDevice`,
 * vulnerabilities and detection supply the findings and alert counts per device; the organisation
 * attests the controls telemetry cannot see (DESIGN.md §5).
 */

// One device shape for every assessment module: vulnerabilities declares it, risk reuses it.
import type { AssessedDevice } from '../../vulnerabilities';

export type { AssessedDevice, DeviceKind } from '../../vulnerabilities';

export type Criticality = AssessedDevice['criticality'];

export interface DeviceVulnerability {
  cveId: string;
  status: 'affected' | 'needs_review';
  cvssBaseScore: number | null;
  kev: boolean;
  knownRansomwareCampaignUse: boolean;
  epss: number | null;
}

export interface DeviceRiskInput {
  device: AssessedDevice;
  vulnerabilities: DeviceVulnerability[];
  configFindings: { id: string; severity: Criticality }[];
  alerts: { last30Days: number; highOrCritical30Days: number };
}

export const CONTROLS = [
  'offline_backups',
  'mfa_remote_access',
  'staff_training',
  'ir_plan_tested',
  'vendor_secure_update',
] as const;
export type ControlName = (typeof CONTROLS)[number];

export interface Attestation {
  control: ControlName;
  attested: boolean;
  evidence: string;
  /** ISO 8601 instant or date; on and after it the attestation counts as absent. */
  expiresAt: string;
  /** When it was given (ISO 8601), for stored attestations; a rating counts it only from then on. */
  attestedAt?: string;
}

/** What the organisation's assessment hands to risk: devices, attestations, measured controls. */
export interface OrganisationAssessment {
  /** The instant the assessment is judged at (support end, attestation expiry). ISO 8601. */
  asOf: string;
  devices: DeviceRiskInput[];
  attestations: Attestation[];
  /** Controls CoverWatch measured itself (e.g. MFA seen on the VPN); measured beats attested. */
  measuredControls?: Partial<Record<ControlName, boolean>>;
}

export interface ControlState {
  control: ControlName;
  present: boolean;
  /** 'measured' beats 'attested'; 'none' = neither measured nor validly attested. */
  source: 'measured' | 'attested' | 'none';
  detail: string;
  evidence?: string;
}

export const CONTROL_LABELS: Record<ControlName, string> = {
  offline_backups: 'offline backups',
  mfa_remote_access: 'MFA on remote access',
  staff_training: 'staff security training',
  ir_plan_tested: 'tested incident response plan',
  vendor_secure_update: 'manufacturer secure boot and update policy',
};

/**
 * The state of each control at `asOf`: a measurement wins over an attestation (DESIGN.md §5); an
 * attestation counts only with evidence and before its expiry; expired ones count as absent.
 */
export function effectiveControls(
  attestations: readonly Attestation[],
  measured: Partial<Record<ControlName, boolean>> | undefined,
  asOf: string,
): Record<ControlName, ControlState> {
  const at = Date.parse(asOf);
  if (Number.isNaN(at))
    throw invalid(`asOf is not a date: ${asOf}`, [{ field: 'asOf', message: 'must be ISO 8601' }]);
  const out = {} as Record<ControlName, ControlState>;
  for (const control of CONTROLS) {
    const m = measured?.[control];
    if (m !== undefined) {
      out[control] = {
        control,
        present: m,
        source: 'measured',
        detail: m ? 'measured: in place' : 'measured: absent',
      };
      continue;
    }
    // Of several attestations for one control, the one in force that expires last counts.
    let best: Attestation | undefined;
    let expired: Attestation | undefined;
    let denied: Attestation | undefined;
    for (const a of attestations) {
      if (a.control !== control) continue;
      if (!a.attested) {
        denied = a;
        continue;
      }
      const until = Date.parse(a.expiresAt);
      if (!(until > at)) expired = a;
      else if (a.evidence.trim() !== '' && (!best || until > Date.parse(best.expiresAt))) best = a;
    }
    if (best) {
      out[control] = {
        control,
        present: true,
        source: 'attested',
        detail: `attested, not measured; valid until ${best.expiresAt}`,
        evidence: best.evidence,
      };
    } else if (expired) {
      out[control] = {
        control,
        present: false,
        source: 'none',
        detail: `attestation expired ${expired.expiresAt}: counts as absent`,
        evidence: expired.evidence,
      };
    } else if (denied) {
      out[control] = {
        control,
        present: false,
        source: 'attested',
        detail: 'attested as not in place',
        evidence: denied.evidence,
      };
    } else
      out[control] = { control, present: false, source: 'none', detail: 'neither measured nor attested' };
  }
  return out;
}

/**
 * The manufacturer secure-boot and update control for one device: the device's own measured facts
 * beat the organisation's attestation. Known-bad facts (no secure boot, no update mechanism) make it
 * absent for that device; fully known good facts make it present; otherwise the organisation state.
 */
export function deviceSecureUpdate(device: AssessedDevice, organisation: ControlState): ControlState {
  const control = 'vendor_secure_update';
  if (device.secureBoot === false || device.updateMechanism === 'none') {
    const why = [
      device.secureBoot === false && 'no secure boot',
      device.updateMechanism === 'none' && 'no update mechanism',
    ]
      .filter(Boolean)
      .join(', ');
    return { control, present: false, source: 'measured', detail: `measured on the device: ${why}` };
  }
  if (
    device.secureBoot === true &&
    (device.updateMechanism === 'automatic' || device.updateMechanism === 'manual')
  ) {
    return {
      control,
      present: true,
      source: 'measured',
      detail: `measured on the device: secure boot, ${device.updateMechanism} updates`,
    };
  }
  return organisation;
}
