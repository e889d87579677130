/**
 * Built-in knowledge the flow detector uses: address scopes, service ports, ATT&CK techniques and the
 * generic thresholds of each behaviour. Pure data and small functions; no I/O.
 */
import { invalid } from '../../../core/errors';
import type { AttackTechnique, Severity } from './alert';

// ---------------------------------------------------------------- addresses

/** Where an address lives, from the device's point of view. */
export type AddressScope =
  | 'external'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'multicast'
  | 'broadcast'
  | 'unspecified';

function ipv4Octets(ip: string, out: Int32Array): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || part > 3) return false;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else return false;
  }
  return part === 4;
}

const octets = new Int32Array(4);

/**
 * Scope of an IPv4 or IPv6 address in text form. Private ranges: RFC 1918 (10/8, 172.16/12, 192.168/16),
 * RFC 6598 shared address space (100.64/10), RFC 3927 link-local (169.254/16), RFC 5771 multicast
 * (224/4), limited broadcast 255.255.255.255 (RFC 919); IPv6: RFC 4193 ULA fc00::/7, RFC 4291 link-local
 * fe80::/10 and multicast ff00::/8. Anything unparsable is treated as external (the cautious side).
 */
export function addressScope(ip: string): AddressScope {
  if (ip.indexOf(':') >= 0) return ipv6Scope(ip.toLowerCase());
  if (!ipv4Octets(ip, octets)) return 'external';
  const a = octets[0];
  const b = octets[1];
  if (a === 0) return 'unspecified';
  // Directed broadcast of a private /24 (x.x.x.255), the usual home and office subnet, used by IoT
  // discovery protocols; in a wider subnet it could be a host, which only costs it scan/flood counting.
  const privateNet = a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31);
  if (privateNet && octets[3] === 255) return 'broadcast';
  if (a === 10) return 'private';
  if (a === 127) return 'loopback';
  if (a === 172 && b >= 16 && b <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  if (a === 169 && b === 254) return 'link_local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a === 255 && octets[1] === 255 && octets[2] === 255 && octets[3] === 255) return 'broadcast';
  return 'external';
}

function ipv6Scope(ip: string): AddressScope {
  if (ip === '::') return 'unspecified';
  if (ip === '::1') return 'loopback';
  if (ip.startsWith('ff')) return 'multicast';
  if (ip.startsWith('fe8') || ip.startsWith('fe9') || ip.startsWith('fea') || ip.startsWith('feb')) {
    return 'link_local';
  }
  if (ip.startsWith('fc') || ip.startsWith('fd')) return 'private';
  // IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2): classify the embedded IPv4 address.
  if (ip.startsWith('::ffff:') && ip.indexOf('.') > 0) return addressScope(ip.slice(7));
  return 'external';
}

export const isExternal = (ip: string): boolean => addressScope(ip) === 'external';

/** Group destinations (multicast, broadcast) are not peers a device can scan, flood or beacon to. */
export const isGroupAddress = (scope: AddressScope): boolean =>
  scope === 'multicast' || scope === 'broadcast';

// ---------------------------------------------------------------- ports

export const PROTO_TCP = 1;
export const PROTO_UDP = 2;
export const PROTO_ICMP = 3;
export const PROTO_OTHER = 4;

export function protoCode(proto: string): number {
  if (proto === 'tcp') return PROTO_TCP;
  if (proto === 'udp') return PROTO_UDP;
  if (proto === 'icmp' || proto === 'icmp6') return PROTO_ICMP;
  return PROTO_OTHER;
}

/** Remote-login services that Mirai-class bots brute-force: SSH, telnet and Mirai's alternate telnet. */
export const AUTH_PORTS = new Set([22, 23, 2323, 21, 3389, 5900]);

/**
 * Infrastructure services whose clients poll on a fixed schedule by design: DNS (RFC 1035), DHCP
 * (RFC 2131), NTP (RFC 5905 §7.3: poll interval 2^6..2^10 s), SSDP, mDNS (RFC 6762), LLMNR, NetBIOS.
 * Periodic traffic to them is not a beacon.
 */
export const INFRASTRUCTURE_UDP_PORTS = new Set([53, 67, 68, 123, 137, 138, 1900, 5353, 5355]);

/**
 * Ports an IoT device legitimately talks to outside its network: web and its alternates, MQTT
 * (1883/8883, OASIS MQTT 5 §4.8), CoAP (RFC 7252: 5683/5684), RTSP, SIP, XMPP, STUN/TURN, DNS over TLS,
 * push services. A periodic channel on another port is T1571 (non-standard port) material.
 */
export const COMMON_SERVICE_PORTS = new Set([
  53, 80, 123, 443, 853, 1883, 8883, 5683, 5684, 554, 5060, 5061, 5222, 5223, 3478, 3479, 5349, 8080, 8443,
  8000, 8008, 8888, 993, 995, 465, 587, 25, 110, 143, 4070, 5228, 2195, 2197, 49317, 33434,
]);

/** IRC: the classic botnet command channel (Mirai variants, Gafgyt, Tsunami). */
export const IRC_PORTS = new Set([6660, 6661, 6662, 6663, 6664, 6665, 6666, 6667, 6668, 6669, 6697, 7000]);

/** Zeek conn_state values of a TCP connection that never completed a handshake or was refused. */
export function isFailedTcpState(state: string | null): boolean {
  return (
    state === 'S0' ||
    state === 'REJ' ||
    state === 'RSTOS0' ||
    state === 'RSTRH' ||
    state === 'SH' ||
    state === 'SHR'
  );
}

// ---------------------------------------------------------------- behaviours and techniques

export const BEHAVIOURS = [
  'port_scan_horizontal',
  'port_scan_vertical',
  'bruteforce',
  'cnc_beacon',
  'flood',
  'exfiltration',
  'failed_connections',
] as const;
export type FlowBehaviour = (typeof BEHAVIOURS)[number];
export const BEHAVIOUR_INDEX: Record<FlowBehaviour, number> = Object.fromEntries(
  BEHAVIOURS.map((b, i) => [b, i]),
) as Record<FlowBehaviour, number>;

const t = (id: string, name: string, tactic: string): AttackTechnique => ({
  id,
  name,
  matrix: 'enterprise',
  tactic,
});

/** MITRE ATT&CK Enterprise v15 technique ids. */
export const TECHNIQUES = {
  networkServiceDiscovery: t('T1046', 'Network Service Discovery', 'discovery'),
  activeScanning: t('T1595', 'Active Scanning', 'reconnaissance'),
  bruteForce: t('T1110', 'Brute Force', 'credential-access'),
  applicationLayerProtocol: t('T1071', 'Application Layer Protocol', 'command-and-control'),
  nonStandardPort: t('T1571', 'Non-Standard Port', 'command-and-control'),
  networkDenialOfService: t('T1498', 'Network Denial of Service', 'impact'),
  endpointDenialOfService: t('T1499', 'Endpoint Denial of Service', 'impact'),
  exfiltrationOverC2: t('T1041', 'Exfiltration Over C2 Channel', 'exfiltration'),
  exfiltrationOverAlternativeProtocol: t('T1048', 'Exfiltration Over Alternative Protocol', 'exfiltration'),
} as const;

/**
 * Generic thresholds. Every value is a rate, a count, a distinct count or a ratio a security analyst
 * would recognise; none depends on a particular capture's addresses.
 */
export interface FlowThresholds {
  /** Time constant (s) of the decayed distinct counters used by the scan rules. */
  scanTau: number;
  /** Decayed distinct destinations on one port before a horizontal scan is alerted. */
  horizontalDistinctDst: number;
  /** Decayed distinct ports on one host before a vertical scan is alerted. */
  verticalDistinctPorts: number;
  /** A (source, destination, port) is "new" again after this many idle seconds. */
  noveltySeconds: number;
  /** Decayed connection attempts to an authentication port (per host or per port) before brute force. */
  bruteforceAttempts: number;
  /** Brute force means repeats: attempts per distinct host must reach this. */
  bruteforceAttemptsPerHost: number;
  /** Connections longer than this (s) that exchanged data are sessions, not guesses. */
  bruteforceShortSeconds: number;
  /** Time constant (s) of the rate counters of the flood rule. */
  floodTau: number;
  /** New flows per second to one destination that make a flood. */
  floodFlowsPerSecond: number;
  /** Originator packets per second to one destination that make a flood. */
  floodPacketsPerSecond: number;
  /** Unanswered bytes per second to one destination that make a flood. */
  floodBytesPerSecond: number;
  /** Distinct connection attempts on one channel before it can be called a beacon. */
  beaconMinAttempts: number;
  /** Shortest beacon period considered (s); faster repetition is a flood or a scan. */
  beaconMinPeriod: number;
  /** Longest beacon period considered (s). */
  beaconMaxPeriod: number;
  /** Bucket (s) of the persistence measure of a channel. */
  beaconBucketSeconds: number;
  /** Consecutive buckets a non-standard-port channel must be used in to be called persistent. */
  beaconPersistenceBuckets: number;
  /** Mean absolute deviation of the inter-arrival over its mean, at most, for a non-standard port. */
  beaconJitter: number;
  /** Same, for a common service port (web, MQTT...) where periodic polling is normal: stricter. */
  beaconJitterCommonPort: number;
  /** Attempts needed on a common service port. */
  beaconMinAttemptsCommonPort: number;
  /**
   * A source counts as reaching the Internet when an external host answered it within this many seconds;
   * until then its unanswered channels are not called beacons (flow-beacon.ts).
   */
  uplinkSeconds: number;
  /** Decayed count of new failed TCP channels (distinct destination:port) of one source. */
  failedChannels: number;
  /** Outbound bytes of one flow, at least, before exfiltration is considered. */
  exfilMinBytes: number;
  /** ... and how many standard deviations (log scale) above the device's own history. */
  exfilSigma: number;
  /** Flows of history the device needs before its volume can be called unusual. */
  exfilMinHistory: number;
  /** Two alert windows of one subject and behaviour merge when less than this (s) apart. */
  alertGapSeconds: number;
}

export const DEFAULT_FLOW_THRESHOLDS: FlowThresholds = {
  scanTau: 60,
  horizontalDistinctDst: 20,
  verticalDistinctPorts: 15,
  noveltySeconds: 600,
  bruteforceAttempts: 10,
  bruteforceAttemptsPerHost: 3,
  bruteforceShortSeconds: 30,
  floodTau: 10,
  floodFlowsPerSecond: 20,
  floodPacketsPerSecond: 500,
  floodBytesPerSecond: 1_000_000,
  beaconMinAttempts: 6,
  beaconMinPeriod: 2,
  beaconMaxPeriod: 3600,
  beaconBucketSeconds: 600,
  beaconPersistenceBuckets: 3,
  beaconJitter: 0.2,
  beaconJitterCommonPort: 0.05,
  beaconMinAttemptsCommonPort: 30,
  uplinkSeconds: 3600,
  failedChannels: 20,
  exfilMinBytes: 10_000_000,
  exfilSigma: 4,
  exfilMinHistory: 20,
  alertGapSeconds: 600,
};

/** Defaults overridden by `overrides`; every given value must be a positive finite number. */
export function resolveThresholds(overrides: Partial<FlowThresholds> = {}): FlowThresholds {
  const out: FlowThresholds = { ...DEFAULT_FLOW_THRESHOLDS };
  const errors = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_FLOW_THRESHOLDS)) {
      errors.push({ field: `thresholds.${key}`, message: 'unknown threshold' });
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      errors.push({ field: `thresholds.${key}`, message: `must be a positive number, got ${String(value)}` });
    } else out[key as keyof FlowThresholds] = value;
  }
  if (out.beaconMinPeriod >= out.beaconMaxPeriod) {
    errors.push({ field: 'thresholds.beaconMinPeriod', message: 'must be below beaconMaxPeriod' });
  }
  if (errors.length) throw invalid('invalid flow detector thresholds', errors);
  return out;
}

/** Severity from how far past its threshold a behaviour is (ratio >= 1 means alerting). */
export function severityOf(behaviour: FlowBehaviour, ratio: number): Severity {
  const base: Record<FlowBehaviour, number> = {
    port_scan_horizontal: 1,
    port_scan_vertical: 1,
    bruteforce: 2,
    cnc_beacon: 2,
    flood: 2,
    exfiltration: 2,
    failed_connections: 0,
  };
  const level = base[behaviour] + (ratio >= 10 ? 1 : 0);
  return (['low', 'medium', 'high', 'critical'] as const)[Math.min(3, level)];
}

/** Maps "how far past the threshold" to a score in [0,1): 0.5 at the threshold. */
export const ratioScore = (ratio: number): number => (ratio <= 0 ? 0 : ratio / (1 + ratio));
