/**
 * Aggregates alerting flows into one DetectionAlert per subject + behaviour + window, so an analyst sees
 * "172.16.0.3 scanned telnet on 812 hosts" once instead of 812 rows.
 */
import type { FlowRecord } from '../../telemetry/domain/records';
import type { AttackTechnique, DetectionAlert } from './alert';
import { BEHAVIOUR_INDEX, BEHAVIOURS, type FlowBehaviour, severityOf } from './flow-rules';

/** Distinct peers / ports are counted exactly up to this many, then reported as "at least". */
const DISTINCT_CAP = 4096;

const FAILED = BEHAVIOUR_INDEX.failed_connections;
const SCANS = [BEHAVIOUR_INDEX.port_scan_horizontal, BEHAVIOUR_INDEX.port_scan_vertical];
const isScan = (i: number): boolean =>
  i === BEHAVIOUR_INDEX.port_scan_horizontal || i === BEHAVIOUR_INDEX.port_scan_vertical;

interface OpenAlert {
  behaviour: FlowBehaviour;
  subject: string;
  technique: AttackTechnique;
  firstSeen: number;
  lastSeen: number;
  count: number;
  recordIds: string[];
  peers: Set<string>;
  ports: Set<number>;
  maxRatio: number;
  maxScore: number;
  origBytes: number;
  origPkts: number;
  /** Behaviour-specific measurement at its peak (rate, period, bytes...). */
  metricName: string;
  metric: number;
}

export class FlowAlertAggregator {
  /** Closed alerts, in closing order. */
  readonly closed: DetectionAlert[] = [];
  private readonly open = new Map<string, Array<OpenAlert | undefined>>();
  private openCount = 0;

  constructor(
    private readonly gapSeconds: number,
    private readonly recordIdCap = 20,
    private readonly onAlert?: (alert: DetectionAlert) => void,
  ) {}

  add(
    behaviour: FlowBehaviour,
    behaviourIndex: number,
    technique: AttackTechnique,
    flow: FlowRecord,
    ratio: number,
    score: number,
    metricName: string,
    metric: number,
  ): void {
    const subject = flow.origHost;
    let slots = this.open.get(subject);
    if (!slots) {
      slots = new Array(BEHAVIOURS.length);
      this.open.set(subject, slots);
    }
    // Reconnaissance is one alert: a failure of a device whose sweep is already a scan joins the scan, and
    // a scan that opens takes in the failures that led up to it (a telnet sweep's first probes count as
    // failed connections until it has reached enough hosts to be named a scan).
    if (behaviourIndex === FAILED) {
      for (const k of SCANS) {
        const scan = slots[k];
        if (scan && flow.ts - scan.lastSeen <= this.gapSeconds) {
          this.record(scan, flow, score);
          return;
        }
      }
    }
    let a = slots[behaviourIndex];
    if (a && (flow.ts - a.lastSeen > this.gapSeconds || a.technique.id !== technique.id)) {
      this.close(a);
      a = undefined;
    }
    if (!a) {
      a = {
        behaviour,
        subject,
        technique,
        firstSeen: flow.ts,
        lastSeen: flow.ts,
        count: 0,
        recordIds: [],
        peers: new Set(),
        ports: new Set(),
        maxRatio: 0,
        maxScore: 0,
        origBytes: 0,
        origPkts: 0,
        metricName,
        metric,
      };
      slots[behaviourIndex] = a;
      this.openCount++;
      const failed = slots[FAILED];
      if (isScan(behaviourIndex) && failed && flow.ts - failed.lastSeen <= this.gapSeconds) {
        absorb(a, failed, this.recordIdCap);
        slots[FAILED] = undefined;
        this.openCount--;
      }
    }
    this.record(a, flow, score);
    if (ratio > a.maxRatio) {
      a.maxRatio = ratio;
      a.metric = metric;
    }
  }

  /** Counts one flow into an open window. */
  private record(a: OpenAlert, flow: FlowRecord, score: number): void {
    a.count++;
    if (flow.ts > a.lastSeen) a.lastSeen = flow.ts;
    if (a.recordIds.length < this.recordIdCap) a.recordIds.push(flow.uid);
    if (a.peers.size < DISTINCT_CAP) a.peers.add(flow.respHost);
    if (a.ports.size < DISTINCT_CAP) a.ports.add(flow.respPort);
    a.origBytes += flow.origBytes ?? 0;
    a.origPkts += flow.origPkts ?? 0;
    if (score > a.maxScore) a.maxScore = score;
  }

  /** Closes every alert whose window ended more than the gap before `now`. */
  closeIdle(now: number): void {
    if (this.openCount === 0) return;
    for (const [subject, slots] of this.open) {
      let left = 0;
      for (let i = 0; i < slots.length; i++) {
        const a = slots[i];
        if (!a) continue;
        if (now - a.lastSeen > this.gapSeconds) {
          this.close(a);
          slots[i] = undefined;
        } else left++;
      }
      if (left === 0) this.open.delete(subject);
    }
  }

  /** Closes all open alerts (end of file or stream) and returns every alert so far. */
  flush(): DetectionAlert[] {
    for (const slots of this.open.values()) for (const a of slots) if (a) this.close(a);
    this.open.clear();
    return this.closed;
  }

  get openAlerts(): number {
    return this.openCount;
  }

  private close(a: OpenAlert): void {
    this.openCount--;
    const first = a.recordIds.length ? a.recordIds : [];
    const alert: DetectionAlert = {
      behaviour: a.behaviour,
      subject: a.subject,
      technique: a.technique,
      severity: severityOf(a.behaviour, a.maxRatio),
      score: round(a.maxScore, 4),
      summary: summarise(a),
      firstSeen: a.firstSeen,
      lastSeen: a.lastSeen,
      count: a.count,
      evidence: {
        recordIds: first,
        totalRecords: a.count,
        distinctPeers: a.peers.size,
        distinctPeersCapped: a.peers.size >= DISTINCT_CAP,
        distinctPorts: a.ports.size,
        peers: [...a.peers].slice(0, 10),
        ports: [...a.ports].slice(0, 20),
        window: { from: a.firstSeen, to: a.lastSeen, seconds: round(a.lastSeen - a.firstSeen, 3) },
        origBytes: a.origBytes,
        origPkts: a.origPkts,
        [a.metricName]: round(a.metric, 3),
        thresholdRatio: round(a.maxRatio, 2),
      },
    };
    this.closed.push(alert);
    this.onAlert?.(alert);
  }
}

/** Moves the flows of window `from` (earlier, never emitted) into window `into`. */
function absorb(into: OpenAlert, from: OpenAlert, recordIdCap: number): void {
  into.count += from.count;
  into.firstSeen = Math.min(into.firstSeen, from.firstSeen);
  into.lastSeen = Math.max(into.lastSeen, from.lastSeen);
  into.recordIds = [...from.recordIds, ...into.recordIds].slice(0, recordIdCap);
  for (const p of from.peers) if (into.peers.size < DISTINCT_CAP) into.peers.add(p);
  for (const p of from.ports) if (into.ports.size < DISTINCT_CAP) into.ports.add(p);
  into.origBytes += from.origBytes;
  into.origPkts += from.origPkts;
  into.maxScore = Math.max(into.maxScore, from.maxScore);
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

function summarise(a: OpenAlert): string {
  const secs = Math.max(0, Math.round(a.lastSeen - a.firstSeen));
  const peers = `${a.peers.size}${a.peers.size >= DISTINCT_CAP ? '+' : ''}`;
  const portList = [...a.ports].slice(0, 5).join(', ') + (a.ports.size > 5 ? ', ...' : '');
  const peerList = [...a.peers].slice(0, 3).join(', ') + (a.peers.size > 3 ? ', ...' : '');
  switch (a.behaviour) {
    case 'port_scan_horizontal':
      return `${a.subject} probed port ${portList} on ${peers} hosts in ${secs} s`;
    case 'port_scan_vertical':
      return `${a.subject} probed ${a.ports.size} ports on ${peerList} in ${secs} s`;
    case 'bruteforce':
      return `${a.subject} made ${a.count} short connections to port ${portList} on ${peerList} in ${secs} s`;
    case 'cnc_beacon':
      return `${a.subject} contacted ${peerList} on port ${portList} every ${Math.round(a.metric)} s (${a.count} flows over ${secs} s)`;
    case 'flood':
      return `${a.subject} sent ${a.count} flows and ${a.origPkts} packets to ${peerList} in ${secs} s (up to ${Math.round(a.metric)}/s)`;
    case 'exfiltration':
      return `${a.subject} sent ${a.origBytes} bytes to ${peerList}, far above its own history`;
    case 'failed_connections':
      return `${a.subject} had ${a.count} failed connections to ${peers} hosts on ${a.ports.size} ports in ${secs} s`;
  }
}
