import type { ControlName } from './assessment';

/**
 * The weights of the device risk score (risk-score.ts), as data an underwriter can read.
 * CoverWatch's judgement, informed by CVSS v3.1/v4 base scores (FIRST), CISA's KEV catalogue
 * (exploited in the wild; knownRansomwareCampaignUse), FIRST EPSS (probability of exploitation in
 * 30 days) and the ETSI EN 303 645 provisions on default passwords (5.1), updates (5.3) and exposed
 * services (5.6); they are not measured frequencies.
 */
export const LIKELIHOOD_WEIGHTS = {
  /** Points per CVSS base point of the worst finding (10 -> 25); needs-review findings count half. */
  cvssPerPoint: 2.5,
  /** Assumed CVSS when a finding has none. */
  cvssUnknown: 5,
  /** Per additional finding beyond the worst, up to `breadthMax`. */
  breadthPerFinding: 1,
  breadthMax: 5,
  kevFirst: 20,
  kevAdditional: 3,
  kevAdditionalMax: 9,
  ransomwareKev: 10,
  /** Times the highest EPSS probability (0..1). */
  epss: 15,
  internetExposed: 20,
  credentials: { default: 20, shared: 10, unknown: 4, unique: 0 },
  riskyService: 4,
  riskyServiceExposed: 8,
  riskyServiceMax: 16,
  pastSupportEnd: 10,
  alertsHighOrCritical: 12,
  alertsHighOrCriticalEach: 2,
  alertsHighOrCriticalEachMax: 6,
  alertsAny: 4,
  configFinding: { critical: 8, high: 5, medium: 2, low: 1 },
  configFindingsMax: 15,
  notSegmented: 5,
  segmentationUnknown: 2,
  noSecureBoot: 3,
  noUpdateMechanism: 5,
  /** P at which likelihood reaches 1 - 1/e. */
  saturation: 50,
} as const;

export const IMPACT_POINTS = {
  criticality: { low: 10, medium: 25, high: 40, critical: 55 },
  safetyCritical: 25,
  dataHeld: { none: 0, operational: 5, personal: 12, payment: 15, health: 20 },
} as const;

/**
 * Multipliers of controls on device likelihood and impact. MFA on remote access and staff training
 * cut the common initial-access paths into the network (stolen credentials, phishing); a tested IR
 * plan and offline backups limit the damage rather than the odds. Illustrative weights.
 */
export const CONTROL_MULTIPLIERS: Record<ControlName, { likelihood: number; impact: number }> = {
  mfa_remote_access: { likelihood: 0.85, impact: 1 },
  staff_training: { likelihood: 0.95, impact: 1 },
  vendor_secure_update: { likelihood: 0.9, impact: 1 },
  ir_plan_tested: { likelihood: 1, impact: 0.9 },
  offline_backups: { likelihood: 1, impact: 0.9 },
};
/** A quarantined device is cut off from the network until released. */
export const QUARANTINE_MULTIPLIER = 0.25;

/**
 * Services that are unauthenticated or cleartext by design, or common botnet and ransomware entry
 * points: Telnet and FTP (Mirai-family credential spraying), SMB and RDP (ransomware), VNC, UPnP/SSDP,
 * TFTP, rlogin/rsh, SNMP v1/v2c, and industrial protocols without authentication (Modbus/TCP 502,
 * S7comm 102, DNP3 20000, EtherNet/IP 44818, BACnet 47808, IEC 60870-5-104 2404).
 */
export const RISKY_PORTS: Record<number, string> = {
  21: 'ftp',
  23: 'telnet',
  69: 'tftp',
  102: 's7comm',
  161: 'snmp',
  445: 'smb',
  502: 'modbus',
  512: 'rexec',
  513: 'rlogin',
  514: 'rsh',
  1900: 'upnp',
  2323: 'telnet-alt',
  2404: 'iec-104',
  3389: 'rdp',
  5900: 'vnc',
  20000: 'dnp3',
  44818: 'ethernet-ip',
  47808: 'bacnet',
};
export const RISKY_NAMES = new Set([
  'telnet',
  'ftp',
  'tftp',
  'smb',
  'microsoft-ds',
  'rdp',
  'ms-wbt-server',
  'vnc',
  'rlogin',
  'rsh',
]);
