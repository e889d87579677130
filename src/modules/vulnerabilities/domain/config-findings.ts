import type { AssessedDevice, OpenService } from './device';

/**
 * Configuration findings from device facts. Each names the fact that decided it and a reference, so
 * a reader can check the rule. Facts that are unknown (null, 'unknown') decide nothing.
 */
export type ConfigFindingId =
  | 'CFG-DEFAULT-CREDENTIALS'
  | 'CFG-SHARED-CREDENTIALS'
  | 'CFG-TELNET-OPEN'
  | 'CFG-FTP-OPEN'
  | 'CFG-HTTP-UNENCRYPTED'
  | 'CFG-UPNP-INTERNET'
  | 'CFG-MGMT-INTERNET'
  | 'CFG-PAST-SUPPORT-END'
  | 'CFG-NO-SECURE-BOOT'
  | 'CFG-NO-ENCRYPTION-IN-TRANSIT'
  | 'CFG-NOT-SEGMENTED';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface ConfigFinding {
  id: ConfigFindingId;
  deviceId: string;
  title: string;
  severity: Severity;
  /** The device fact that decided it, with its value. */
  fact: { name: keyof AssessedDevice; value: unknown };
  reference: string;
}

const MANAGEMENT: { port: number; protocol: 'tcp' | 'udp'; name: string; ics: boolean }[] = [
  { port: 23, protocol: 'tcp', name: 'telnet', ics: false },
  { port: 2323, protocol: 'tcp', name: 'telnet', ics: false },
  { port: 22, protocol: 'tcp', name: 'ssh', ics: false },
  { port: 80, protocol: 'tcp', name: 'http', ics: false },
  { port: 8080, protocol: 'tcp', name: 'http', ics: false },
  { port: 443, protocol: 'tcp', name: 'https', ics: false },
  { port: 8443, protocol: 'tcp', name: 'https', ics: false },
  { port: 161, protocol: 'udp', name: 'snmp', ics: false },
  { port: 502, protocol: 'tcp', name: 'modbus', ics: true },
  { port: 102, protocol: 'tcp', name: 's7', ics: true },
  { port: 44818, protocol: 'tcp', name: 'ethernet/ip', ics: true },
  { port: 47808, protocol: 'udp', name: 'bacnet', ics: true },
  { port: 20000, protocol: 'tcp', name: 'dnp3', ics: true },
  { port: 3389, protocol: 'tcp', name: 'rdp', ics: false },
  { port: 5900, protocol: 'tcp', name: 'vnc', ics: false },
];
const MANAGEMENT_NAMES = new Set([
  'telnet',
  'ssh',
  'http',
  'https',
  'http-admin',
  'snmp',
  'modbus',
  's7',
  's7comm',
  'enip',
  'ethernet/ip',
  'bacnet',
  'dnp3',
  'rdp',
  'ms-wbt-server',
  'vnc',
]);

const svc = (s: OpenService) => s.service?.toLowerCase() ?? null;
const open = (d: AssessedDevice, pred: (s: OpenService) => boolean) => d.openServices.filter(pred);
const describe = (ss: OpenService[]) =>
  ss.map((s) => `${s.port}/${s.protocol}${s.service ? ` (${s.service})` : ''}`);

function bump(s: Severity, d: AssessedDevice): Severity {
  // Safety-critical devices (infusion pumps, PLCs running a process) carry the next severity up.
  if (!d.safetyCritical) return s;
  return s === 'low' ? 'medium' : s === 'medium' ? 'high' : 'critical';
}

/** Findings for one device at `asOf` (an injected date, YYYY-MM-DD or Date, for the support check). */
export function configurationFindings(d: AssessedDevice, asOf: Date | string): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const add = (
    id: ConfigFindingId,
    title: string,
    severity: Severity,
    name: keyof AssessedDevice,
    value: unknown,
    reference: string,
  ) => out.push({ id, deviceId: d.id, title, severity: bump(severity, d), fact: { name, value }, reference });
  const exposedNote = d.internetExposed ? ' and reachable from the internet' : '';

  if (d.credentialState === 'default')
    add(
      'CFG-DEFAULT-CREDENTIALS',
      'Factory default credentials in use',
      d.internetExposed ? 'critical' : 'high',
      'credentialState',
      'default',
      'ETSI EN 303 645 5.1-1; UK PSTI Schedule 1 §1; CWE-1392',
    );
  if (d.credentialState === 'shared')
    add(
      'CFG-SHARED-CREDENTIALS',
      'Credentials shared with other devices',
      d.internetExposed ? 'high' : 'medium',
      'credentialState',
      'shared',
      'ETSI EN 303 645 5.1-1; NISTIR 8259A logical access to interfaces; CWE-1393',
    );

  const telnet = open(
    d,
    (s) => (s.protocol === 'tcp' && (s.port === 23 || s.port === 2323)) || svc(s) === 'telnet',
  );
  if (telnet.length > 0)
    add(
      'CFG-TELNET-OPEN',
      `Telnet open (${describe(telnet).join(', ')})${exposedNote}`,
      d.internetExposed ? 'critical' : 'high',
      'openServices',
      describe(telnet),
      'ETSI EN 303 645 5.6-1, 5.5-1; Mirai scans 23/2323 (CISA TA16-288A)',
    );
  const ftp = open(d, (s) => (s.protocol === 'tcp' && s.port === 21) || svc(s) === 'ftp');
  if (ftp.length > 0)
    add(
      'CFG-FTP-OPEN',
      `FTP open (${describe(ftp).join(', ')})${exposedNote}`,
      d.internetExposed ? 'high' : 'medium',
      'openServices',
      describe(ftp),
      'ETSI EN 303 645 5.5-1, 5.6-1; CWE-319',
    );
  const http = open(
    d,
    (s) => (s.protocol === 'tcp' && (s.port === 80 || s.port === 8080)) || svc(s) === 'http',
  );
  if (http.length > 0)
    add(
      'CFG-HTTP-UNENCRYPTED',
      `Unencrypted HTTP open (${describe(http).join(', ')})${exposedNote}`,
      d.internetExposed ? 'high' : 'medium',
      'openServices',
      describe(http),
      'ETSI EN 303 645 5.5-1; CWE-319',
    );

  if (d.internetExposed) {
    const upnp = open(
      d,
      (s) => (s.protocol === 'udp' && s.port === 1900) || svc(s) === 'upnp' || svc(s) === 'ssdp',
    );
    if (upnp.length > 0)
      add(
        'CFG-UPNP-INTERNET',
        'UPnP/SSDP reachable from the internet',
        'high',
        'openServices',
        describe(upnp),
        'ETSI EN 303 645 5.6-1; CISA alert on SSDP reflection (TA14-017A)',
      );
    const mgmt = open(
      d,
      (s) =>
        MANAGEMENT.some((m) => m.port === s.port && m.protocol === s.protocol) ||
        MANAGEMENT_NAMES.has(svc(s) ?? ''),
    );
    if (mgmt.length > 0) {
      const ics = mgmt.some(
        (s) =>
          MANAGEMENT.some((m) => m.ics && m.port === s.port) ||
          ['modbus', 's7', 's7comm', 'enip', 'ethernet/ip', 'bacnet', 'dnp3'].includes(svc(s) ?? ''),
      );
      add(
        'CFG-MGMT-INTERNET',
        `Management or industrial interface exposed to the internet (${describe(mgmt).join(', ')})`,
        ics || telnet.length > 0 ? 'critical' : 'high',
        'internetExposed',
        { internetExposed: true, services: describe(mgmt) },
        'ETSI EN 303 645 5.6-1; NIST SP 800-82r3 §5.2 (no direct internet access to ICS); CISA AA23-335A',
      );
    }
  }

  if (d.supportEndDate !== null) {
    const today = typeof asOf === 'string' ? asOf.slice(0, 10) : asOf.toISOString().slice(0, 10);
    if (d.supportEndDate < today)
      add(
        'CFG-PAST-SUPPORT-END',
        `Past the manufacturer's support end (${d.supportEndDate})`,
        d.internetExposed || d.criticality === 'critical' ? 'high' : 'medium',
        'supportEndDate',
        d.supportEndDate,
        'ETSI EN 303 645 5.3-13; UK PSTI Schedule 1 §3; EU CRA Annex I Part I (2)(c)',
      );
  }
  if (d.secureBoot === false)
    add(
      'CFG-NO-SECURE-BOOT',
      'No secure boot',
      'medium',
      'secureBoot',
      false,
      'ETSI EN 303 645 5.7-1; EU CRA Annex I Part I (2)(f)',
    );
  if (d.encryptedTransport === false)
    add(
      'CFG-NO-ENCRYPTION-IN-TRANSIT',
      'No encryption in transit',
      d.dataHeld === 'health' || d.dataHeld === 'payment' || d.dataHeld === 'personal' ? 'high' : 'medium',
      'encryptedTransport',
      false,
      'ETSI EN 303 645 5.5-1, 5.8-2; EU CRA Annex I Part I (2)(e)',
    );
  if (d.segmentedFromOffice === false)
    add(
      'CFG-NOT-SEGMENTED',
      `Not segmented from the office network (segment: ${d.networkSegment ?? 'unknown'})`,
      d.kind === 'plc' || d.kind === 'hmi' || d.kind === 'rtu' || d.safetyCritical ? 'high' : 'medium',
      'segmentedFromOffice',
      false,
      'IEC 62443-3-3 SR 5.1 (network segmentation); NIST SP 800-82r3 §5.2.2',
    );
  return out;
}
