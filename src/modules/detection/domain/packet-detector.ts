/**
 * The packet detector: AfterImage features → KitNET score → frozen calibrated threshold, plus context
 * rules, combined into one score per packet and aggregated alerts.
 *
 * Phases by packet count (training packets 1..T):
 *   1..F          feature-map grace (F = floor(featureMapFraction · T), Kitsune's FM grace)
 *   F+1..T        autoencoder training; over the last calibrationFraction of it every packet is first
 *                 scored, then trained on (test-then-train), and those scores calibrate the threshold
 *   T+1..         execution: nothing learns any more, so attack traffic cannot raise the threshold
 * Context baselines learn over all of 1..T.
 *
 * Combined score (documented contract, detect-file writes it):
 *   m = modelScore / threshold                (≥ 0; 1 at the threshold)
 *   score = m / (1 + m) + Σ CONTEXT_WEIGHT[hit] (model part in [0, 1), every context hit adds ≥ 1)
 * so the ranking among packets without context hits is the model's, and any context hit ranks above all
 * of them. A packet alerts when a context rule fires, or when m > 1 and its source has had a burst of
 * exceedances (anomalyBurst within anomalyHalfLifeSeconds); the score does not depend on the burst.
 */

import { invalid } from '../../../core/errors';
import type { PacketRecord } from '../../telemetry/domain/records';
import { AfterImage, FEATURE_COUNT } from './afterimage';
import type { AttackTechnique, DetectionAlert, Severity } from './alert';
import {
  CONTEXT,
  CONTEXT_WEIGHT,
  ContextModel,
  type ContextSummary,
  MODBUS_WRITE_FUNCTIONS,
} from './context-rules';
import { KitNet } from './kitnet';
import { ByteReader, ByteWriter } from './snapshot';
import { ScoreCalibrator, type ThresholdFit } from './threshold';

export interface PacketDetectorOptions {
  /** Packets 1..trainPackets train the detector; it scores from the next one on. */
  trainPackets: number;
  featureMapFraction?: number;
  calibrationFraction?: number;
  /** Per-packet false-alarm rate the model threshold aims at on benign traffic. */
  targetFalseAlarmRate?: number;
  seed?: number;
  /** KitNET input clipping (kitnet.ts); Infinity reproduces Kitsune-py. */
  clip?: number;
  maxStreams?: number;
  /** Alerts aggregate per subject and behaviour over windows of this many seconds. */
  alertWindowSeconds?: number;
  /**
   * A model exceedance alerts only once its source has `anomalyBurst` exceedances in a damped count with
   * this half-life: one rare benign packet (an ARP refresh, a NetBIOS announcement after minutes of
   * silence) scores high but alone; scans, floods and sweeps come in bursts.
   */
  anomalyHalfLifeSeconds?: number;
  anomalyBurst?: number;
  /**
   * m above which a packet counts towards its source's burst. Above 1 because a spike leaves an echo: the
   * same host's next packets score a little over the threshold while its damped statistics recover.
   */
  anomalyAlertMultiple?: number;
  onAlert?: (alert: DetectionAlert) => void;
}

export interface PacketVerdict {
  frame: number;
  training: boolean;
  /** Combined score (see the file comment); 0 while training. */
  score: number;
  /** KitNET RMSE; 0 while training. */
  modelScore: number;
  /** CONTEXT bit mask. */
  context: number;
  alert: boolean;
}

const SNAPSHOT_MAGIC = 0x43575044; // "CWPD"
const SNAPSHOT_VERSION = 1;
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
type Behaviour = keyof typeof PACKET_TECHNIQUES;

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

export class PacketDetector {
  readonly afterImage: AfterImage;
  readonly kitnet: KitNet;
  readonly context: ContextModel;
  readonly calibrator: ScoreCalibrator;
  private readonly features = new Float64Array(FEATURE_COUNT);
  private readonly verdict: PacketVerdict = {
    frame: 0,
    training: true,
    score: 0,
    modelScore: 0,
    context: 0,
    alert: false,
  };
  private readonly trainPackets: number;
  private readonly fmPackets: number;
  private readonly calibrationStart: number;
  private readonly targetRate: number;
  private readonly windowSeconds: number;
  private readonly onAlert?: (alert: DetectionAlert) => void;
  private processed = 0;
  private threshold = Number.POSITIVE_INFINITY;
  private contextSummary: ContextSummary | null = null;
  private readonly open = new Map<string, OpenAlert>();
  /** Source → damped exceedance count and its time. */
  private readonly bursts = new Map<string, { count: number; time: number }>();
  private readonly burstDecay: number;
  private readonly burstMin: number;
  private readonly alertMultiple: number;

  constructor(private readonly options: PacketDetectorOptions) {
    const t = options.trainPackets;
    if (!Number.isInteger(t) || t < 50)
      throw invalid('the packet detector needs at least 50 training packets', [
        { field: 'trainPackets', message: `got ${t}` },
      ]);
    this.trainPackets = t;
    this.fmPackets = Math.max(1, Math.floor((options.featureMapFraction ?? 0.1) * t));
    const ad = t - this.fmPackets;
    this.calibrationStart = t - Math.max(1, Math.floor((options.calibrationFraction ?? 0.3) * ad));
    this.targetRate = options.targetFalseAlarmRate ?? 1e-4;
    this.windowSeconds = options.alertWindowSeconds ?? 60;
    this.onAlert = options.onAlert;
    this.burstDecay = 1 / (options.anomalyHalfLifeSeconds ?? 10);
    this.burstMin = options.anomalyBurst ?? 3;
    this.alertMultiple = options.anomalyAlertMultiple ?? 2;
    this.afterImage = new AfterImage({ maxStreams: options.maxStreams });
    this.kitnet = new KitNet(FEATURE_COUNT, { seed: options.seed ?? 1, clip: options.clip });
    this.context = new ContextModel();
    this.calibrator = new ScoreCalibrator(t - this.calibrationStart);
  }

  get trained(): boolean {
    return this.processed >= this.trainPackets;
  }

  /** The model threshold (Infinity until training ends) and what the context baselines enabled. */
  calibration(): { threshold: number; fit: ThresholdFit | null; context: ContextSummary | null } {
    return { threshold: this.threshold, fit: this.calibrator.fit, context: this.contextSummary };
  }

  /** Processes one packet; the returned verdict object is reused by the next call. */
  process(p: PacketRecord): PacketVerdict {
    const n = ++this.processed;
    const x = this.features;
    this.afterImage.update(p, x);
    const v = this.verdict;
    v.frame = p.frame;
    if (n <= this.trainPackets) {
      this.context.learn(p);
      if (n <= this.fmPackets) {
        this.kitnet.learnFeatureMap(x);
        if (n === this.fmPackets) this.kitnet.buildEnsemble();
      } else {
        if (n > this.calibrationStart) this.calibrator.add(this.kitnet.execute(x));
        this.kitnet.train(x);
      }
      if (n === this.trainPackets) this.finishTraining();
      v.training = true;
      v.score = 0;
      v.modelScore = 0;
      v.context = 0;
      v.alert = false;
      return v;
    }
    const model = this.kitnet.execute(x);
    let m = model / this.threshold;
    if (!(m >= 0)) m = 1e9; // NaN from a non-finite feature is an anomaly, not a pass
    const hits = this.context.check(p);
    let score = m / (1 + m);
    for (let bit = 1; bit <= hits; bit <<= 1) if (hits & bit) score += CONTEXT_WEIGHT[bit];
    v.training = false;
    v.modelScore = model;
    v.context = hits;
    v.score = score;
    const burst = m > this.alertMultiple && this.exceed(p);
    v.alert = burst || hits !== 0;
    if (v.alert) this.raise(p, burst ? m : 0, hits, score);
    if ((n & 4095) === 0) this.expire(p.time);
    return v;
  }

  /** Counts a model exceedance for the packet's source; true once the source's burst is reached. */
  private exceed(p: PacketRecord): boolean {
    const src = p.arpOp !== 0 ? p.arpSenderIp : p.ipVersion !== 0 ? p.srcIp : p.srcMac;
    let b = this.bursts.get(src);
    if (b === undefined) {
      if (this.bursts.size >= 65_536) this.bursts.clear();
      b = { count: 0, time: p.time };
      this.bursts.set(src, b);
    }
    const dt = p.time - b.time;
    if (dt > 0) {
      b.count *= 2 ** (-this.burstDecay * dt);
      b.time = p.time;
    }
    b.count += 1;
    return b.count >= this.burstMin;
  }

  private finishTraining(): void {
    this.threshold = this.calibrator.finish(this.targetRate).threshold;
    this.contextSummary = this.context.freeze();
  }

  private raise(p: PacketRecord, m: number, hits: number, score: number): void {
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
  private expire(now: number): void {
    for (const [key, o] of this.open) if (now - o.alert.firstSeen > this.windowSeconds) this.emit(key, o);
  }

  /** Emits every open alert (end of a file or of a stream). */
  flush(): void {
    for (const [key, o] of [...this.open]) this.emit(key, o);
  }

  /** The whole state (streams, model, context, threshold, counters), versioned. Open alerts are not kept. */
  snapshot(): Uint8Array {
    const w = new ByteWriter();
    w.u32(SNAPSHOT_MAGIC);
    w.u32(SNAPSHOT_VERSION);
    w.string(JSON.stringify({ ...this.options, onAlert: undefined }));
    w.f64(this.processed);
    w.f64(this.threshold);
    w.string(JSON.stringify(this.contextSummary));
    this.afterImage.write(w);
    this.kitnet.write(w);
    this.context.write(w);
    this.calibrator.write(w);
    return w.bytes();
  }

  static restore(
    bytes: Uint8Array,
    hooks: { onAlert?: (alert: DetectionAlert) => void } = {},
  ): PacketDetector {
    const r = new ByteReader(bytes);
    if (r.u32() !== SNAPSHOT_MAGIC)
      throw invalid('not a packet detector snapshot', [{ offset: 0, message: 'magic' }]);
    const version = r.u32();
    if (version !== SNAPSHOT_VERSION)
      throw invalid(`unsupported snapshot version ${version}`, [
        { offset: 4, message: `expected ${SNAPSHOT_VERSION}` },
      ]);
    const options = JSON.parse(r.string()) as PacketDetectorOptions;
    const d = new PacketDetector({ ...options, onAlert: hooks.onAlert });
    d.processed = r.f64();
    d.threshold = r.f64();
    d.contextSummary = JSON.parse(r.string()) as ContextSummary | null;
    d.afterImage.read(r);
    d.kitnet.read(r);
    d.context.read(r);
    d.calibrator.read(r);
    if (!r.done) throw invalid('snapshot has trailing bytes', [{ offset: r.offset, message: 'trailing' }]);
    return d;
  }
}

const rank = (s: Severity): number => (s === 'low' ? 0 : s === 'medium' ? 1 : s === 'high' ? 2 : 3);
