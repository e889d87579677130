/**
 * Alert aggregation for the packet detector: one DetectionAlert per subject and behaviour per window, with
 * a count and capped evidence, mapped to ATT&CK for ICS or Enterprise.
 */
import type { PacketRecord } from '../../telemetry/domain/records';
import type { AttackTechnique, DetectionAlert, Severity } from './alert';
import { CONTEXT, MODBUS_WRITE_FUNCTIONS } from './context-rules';

const RECORD_IDS_CAP = 20;
const PEERS_CAP = 20;
const MAX_OPEN_ALERTS = 4096;

const ics = (id: string, name: string, tactic: string): AttackTechnique => ({
  id,
  name,
  matrix: 'ics',
  tactic,
});
const ent = (id: string, name: string, tactic: string): AttackTechnique => ({
  id,
  name,
  matrix: 'enterprise',
  tactic,
});

/** ATT&CK mapping of each behaviour this detector emits. */
export const PACKET_TECHNIQUES = {
  unauthorized_command: ics('T0855', 'Unauthorized Command Message', 'impair-process-control'),
  point_tag_identification: ics('T0861', 'Point & Tag Identification', 'collection'),
  remote_system_information_discovery: ics('T0888', 'Remote System Information Discovery', 'discovery'),
  new_conversation: ics('T0846', 'Remote System Discovery', 'discovery'),
  remote_services: ics('T0886', 'Remote Services', 'lateral-movement'),
  new_service: ent('T1046', 'Network Service Discovery', 'discovery'),
  new_talker: ent('T1200', 'Hardware Additions', 'initial-access'),
  arp_rebind: ent('T1557.002', 'ARP Cache Poisoning', 'credential-access'),
  scan_anomaly: ent('T1046', 'Network Service Discovery', 'discovery'),
  traffic_anomaly: ent('T1071', 'Application Layer Protocol', 'command-and-control'),
} as const;
export type Behaviour = keyof typeof PACKET_TECHNIQUES;

/** Remote-access services (ATT&CK T0886 / T1021): SSH, Telnet, SMB, RDP, VNC, WinRM, TeamViewer. */
const REMOTE_SERVICE_PORTS = new Set([22, 23, 445, 3389, 5900, 5938, 5985, 5986]);
/** Modbus diagnostics, report server id, read device identification: about the device, not the process. */
const MODBUS_DEVICE_INFO = new Set([8, 17, 43]);

interface OpenAlert {
  alert: DetectionAlert;
  peers: Set<string>;
  ports: Set<number>;
  maxScore: number;
}

export class PacketAlerts {
  private readonly open = new Map<string, OpenAlert>();

  constructor(
    private readonly windowSeconds: number,
    private readonly onAlert?: (alert: DetectionAlert) => void,
  ) {}

  /** Maps a packet's hits to behaviours and adds it to their open alerts. m: 0 unless the model alerts. */
  raise(p: PacketRecord, m: number, hits: number, score: number): void {
    const src = p.arpOp !== 0 ? p.arpSenderIp : p.ipVersion !== 0 ? p.srcIp : p.srcMac;
    const dst = p.arpOp !== 0 ? p.arpTargetIp : p.ipVersion !== 0 ? p.dstIp : p.dstMac;
    // The initiator of a conversation is the side on the higher (ephemeral) port.
    const serverIsSrc = p.srcPort >= 0 && p.dstPort >= 0 && p.srcPort < p.dstPort;
    const client = serverIsSrc ? dst : src;
    const server = serverIsSrc ? src : dst;
    const servicePort = serverIsSrc ? p.srcPort : p.dstPort;
    if (hits & CONTEXT.newFunction) {
      const fc = p.appFunction & 0x7f;
      const behaviour: Behaviour = MODBUS_WRITE_FUNCTIONS.has(fc)
        ? 'unauthorized_command'
        : MODBUS_DEVICE_INFO.has(fc)
          ? 'remote_system_information_discovery'
          : 'point_tag_identification';
      const sev: Severity = behaviour === 'unauthorized_command' ? 'critical' : 'high';
      this.add(
        behaviour,
        client,
        server,
        servicePort,
        p,
        score,
        sev,
        `Modbus function ${fc} never seen on this pair`,
      );
    }
    if (hits & CONTEXT.newPair) {
      const remote = REMOTE_SERVICE_PORTS.has(servicePort);
      this.add(
        remote ? 'remote_services' : 'new_conversation',
        client,
        server,
        servicePort,
        p,
        score,
        remote ? 'high' : 'medium',
        'conversation between local hosts that never talked in training',
      );
    }
    if (hits & CONTEXT.newService) {
      const remote = REMOTE_SERVICE_PORTS.has(p.dstPort);
      this.add(
        remote ? 'remote_services' : 'new_service',
        src,
        dst,
        p.dstPort,
        p,
        score,
        remote ? 'high' : 'medium',
        'connection to a port never opened on this pair',
      );
    }
    if (hits & CONTEXT.newTalker)
      this.add(
        'new_talker',
        p.srcMac || src,
        dst,
        servicePort,
        p,
        score,
        'high',
        'source never seen in training',
      );
    if (hits & CONTEXT.arpRebind)
      this.add(
        'arp_rebind',
        p.arpSenderIp,
        p.arpSenderMac,
        -1,
        p,
        score,
        'high',
        'ARP rebinds an IP to another MAC',
      );
    if (m > 1) {
      const probe = (p.protocol === 6 && (p.tcpFlags & 0x12) === 0x02) || p.icmpType === 8;
      this.add(
        probe ? 'scan_anomaly' : 'traffic_anomaly',
        src,
        dst,
        servicePort,
        p,
        score,
        m > 10 ? 'high' : 'medium',
        `traffic statistics ${m.toFixed(1)}x the calibrated threshold`,
      );
    }
  }

  private add(
    behaviour: Behaviour,
    subject: string,
    peer: string,
    port: number,
    p: PacketRecord,
    score: number,
    severity: Severity,
    why: string,
  ): void {
    const key = `${behaviour}|${subject}`;
    let o = this.open.get(key);
    if (o && p.time - o.alert.firstSeen > this.windowSeconds) {
      this.emit(key, o);
      o = undefined;
    }
    if (!o) {
      // Bounded memory under spoofed-source floods: past the cap, open alerts are emitted early.
      if (this.open.size >= MAX_OPEN_ALERTS) {
        this.expire(p.time);
        if (this.open.size >= MAX_OPEN_ALERTS) this.flush();
      }
      o = {
        alert: {
          behaviour,
          subject,
          technique: PACKET_TECHNIQUES[behaviour],
          severity,
          score: 0,
          summary: '',
          firstSeen: p.time,
          lastSeen: p.time,
          count: 0,
          evidence: { recordIds: [], reason: why },
        },
        peers: new Set(),
        ports: new Set(),
        maxScore: 0,
      };
      this.open.set(key, o);
    }
    const a = o.alert;
    a.count++;
    a.lastSeen = p.time;
    if (a.evidence.recordIds.length < RECORD_IDS_CAP) a.evidence.recordIds.push(String(p.frame));
    if (o.peers.size < PEERS_CAP) o.peers.add(peer);
    if (port >= 0 && o.ports.size < PEERS_CAP) o.ports.add(port);
    if (score > o.maxScore) o.maxScore = score;
    if (rank(severity) > rank(a.severity)) a.severity = severity;
  }

  private emit(key: string, o: OpenAlert): void {
    this.open.delete(key);
    const a = o.alert;
    // 0..1: the combined score squashed, so a context hit (score ≥ 1) reads as ≥ 0.5.
    a.score = o.maxScore / (1 + o.maxScore);
    a.evidence.peers = [...o.peers];
    a.evidence.ports = [...o.ports];
    a.evidence.windowSeconds = this.windowSeconds;
    a.summary = `${a.subject}: ${a.evidence.reason} (${a.count} packets, ${o.peers.size} peers, ${a.technique.id})`;
    this.onAlert?.(a);
  }

  /** Emits alerts whose window ended before `now`. */
  expire(now: number): void {
    for (const [key, o] of this.open) if (now - o.alert.firstSeen > this.windowSeconds) this.emit(key, o);
  }

  /** Emits every open alert (end of a file or of a stream). */
  flush(): void {
    for (const [key, o] of [...this.open]) this.emit(key, o);
  }
}

const rank = (s: Severity): number => (s === 'low' ? 0 : s === 'medium' ? 1 : s === 'high' ? 2 : 3);
