/**
 * Online flow detector over Zeek-style connection records (conn.log). Flows arrive in file order; a
 * flow's score depends only on itself, the flows before it and built-in knowledge (flow-rules.ts).
 *
 * State is four bounded hash tables of decayed counters (flow-state.ts):
 *   source  (src)                 failed new channels, outbound volume history, last external answer
 *   service (src, proto:port)     distinct destinations (horizontal scan), auth attempts (brute force)
 *   peer    (src, dst)            distinct ports (vertical scan), flow and packet rates (flood), auth attempts
 *   channel (src, dst, proto:port) novelty, connection attempts and their inter-arrival jitter (beacon)
 * Decayed counters stand in for sliding windows: a counter with time constant tau fed at rate r settles
 * at r * tau, so "n distinct in about tau seconds" is a threshold on the counter.
 */
import { conflict } from '../../../core/errors';
import type { FlowRecord } from '../../telemetry/domain/records';
import type { AttackTechnique, DetectionAlert } from './alert';
import { FlowAlertAggregator } from './flow-alerts';
import { beaconRatio, C_BEACON, C_IA_PERIOD, CHANNEL_FIELDS, recordAttempt } from './flow-beacon';
import {
  AUTH_PORTS,
  addressScope,
  BEHAVIOUR_INDEX,
  BEHAVIOURS,
  COMMON_SERVICE_PORTS,
  type FlowBehaviour,
  type FlowThresholds,
  INFRASTRUCTURE_UDP_PORTS,
  IRC_PORTS,
  isFailedTcpState,
  isGroupAddress,
  PROTO_TCP,
  PROTO_UDP,
  protoCode,
  ratioScore,
  resolveThresholds,
  TECHNIQUES,
} from './flow-rules';
import { decay, hashA, hashB, KeyedTable } from './flow-state';
import { ByteWriter, closeSnapshot, openSnapshot } from './snapshot';

const SNAPSHOT_MAGIC = 0x43574644; // "CWFD"
const SNAPSHOT_VERSION = 1;

const B_HORIZONTAL = BEHAVIOUR_INDEX.port_scan_horizontal;
const B_VERTICAL = BEHAVIOUR_INDEX.port_scan_vertical;
const B_BRUTEFORCE = BEHAVIOUR_INDEX.bruteforce;
const B_BEACON = BEHAVIOUR_INDEX.cnc_beacon;
const B_FLOOD = BEHAVIOUR_INDEX.flood;
const B_EXFIL = BEHAVIOUR_INDEX.exfiltration;
const B_FAILED = BEHAVIOUR_INDEX.failed_connections;

export interface FlowVerdict {
  /** 0..1: how suspicious the behaviour this flow belongs to is, at this time. */
  score: number;
  alert: boolean;
  /** The strongest behaviour the flow belongs to, or null when none is even half-way to its threshold. */
  behaviour: FlowBehaviour | null;
}

export interface FlowDetectorOptions {
  thresholds?: Partial<FlowThresholds>;
  /**
   * Caps on tracked keys (default 65,536 sources and 262,144 channels, about 115 MiB of state at the
   * caps); the least recently seen are evicted past them. Tables start small and grow as needed.
   */
  maxSources?: number;
  maxChannels?: number;
  /** Evidence record ids kept per alert. */
  recordIdCap?: number;
  /** Called when an aggregated alert window closes. */
  onAlert?: (alert: DetectionAlert) => void;
}

// Field layouts of the tables.
const S_T = 0;
const S_FAILCH = 1;
const S_N = 2;
const S_LMEAN = 3;
const S_LVAR = 4;
const S_ANSWERED_T = 5;
const SOURCE_FIELDS = 6;

const V_T = 0;
const V_NEWDST = 1;
const V_AUTH = 2;
const V_DST = 3;
const SERVICE_FIELDS = 4;

const P_T = 0;
const P_NEWPORTS = 1;
const P_FLOWS = 2;
const P_PKTS = 3;
const P_AUTH = 4;
const P_BYTES = 5;
const PEER_FIELDS = 6;

/** Cap on threshold ratios so one extreme measure does not dwarf the rest. */
const MAX_RATIO = 20;

export class FlowDetector {
  readonly thresholds: FlowThresholds;
  private sources!: KeyedTable;
  private services!: KeyedTable;
  private peers!: KeyedTable;
  private channels!: KeyedTable;
  private readonly maxSources: number;
  private readonly maxChannels: number;
  private scoring = false;
  private readonly aggregator: FlowAlertAggregator;
  private readonly verdict: FlowVerdict = { score: 0, alert: false, behaviour: null };
  private readonly ratios = new Float64Array(BEHAVIOURS.length);
  /** Services and external destinations seen working in a benign baseline. */
  private readonly baselinePorts = new Set<number>();
  private readonly baselineDestinations = new Set<string>();
  private learning = false;
  private flows = 0;
  private lastTs = 0;
  baselineFlows = 0;

  private readonly options: FlowDetectorOptions;

  constructor(opts: FlowDetectorOptions = {}) {
    this.options = opts;
    this.thresholds = resolveThresholds(opts.thresholds);
    this.maxSources = opts.maxSources ?? 65_536;
    this.maxChannels = opts.maxChannels ?? 1 << 18;
    this.resetState();
    this.aggregator = new FlowAlertAggregator(
      this.thresholds.alertGapSeconds,
      opts.recordIdCap,
      opts.onAlert,
    );
  }

  /**
   * Learns normal from a benign flow: the same state updates as `score`, no alerts, and the services and
   * external destinations it used successfully count as known afterwards.
   */
  learn(flow: FlowRecord): void {
    if (this.scoring) throw conflict('a baseline must be learned before the first flow is scored');
    this.learning = true;
    this.process(flow);
    this.learning = false;
    this.baselineFlows++;
    const pc = protoCode(flow.proto);
    const ok = flow.connState === 'SF' || flow.connState === 'S1' || flow.connState === 'S3' || flow.respPkts;
    if (ok && addressScope(flow.respHost) === 'external') {
      this.baselinePorts.add((pc << 16) | (flow.respPort & 0xffff));
      if (this.baselineDestinations.size < 100_000) this.baselineDestinations.add(flow.respHost);
    }
  }

  /** Scores one flow. The returned object is reused by the next call: copy what you keep. */
  score(flow: FlowRecord): FlowVerdict {
    if (!this.scoring) {
      // The baseline taught which services and destinations are normal; its counters and clock belong
      // to other devices and another time, so scoring starts from empty state.
      this.scoring = true;
      if (this.baselineFlows > 0) this.resetState();
    }
    this.flows++;
    const v = this.process(flow);
    if ((this.flows & 1023) === 0) this.aggregator.closeIdle(flow.ts);
    return v;
  }

  /**
   * Live use: closes the alert windows idle since before `now` - gap (their alerts go to onAlert) and
   * forgets closed alerts, so a long-running stream keeps no history here (the alert store has it).
   */
  flushIdle(now: number): void {
    this.aggregator.closeIdle(now);
    this.aggregator.closed.length = 0;
  }

  /** Closes all alert windows and returns every alert raised so far. */
  flush(): DetectionAlert[] {
    return this.aggregator.flush();
  }

  /**
   * The whole state (the four tables, the baseline, counters, options), versioned, so a restarted
   * server or another worker continues with the same decayed counts and beacon histories. Open alert
   * windows are not kept (the live path stores them every tick).
   */
  snapshot(): Uint8Array {
    const w = new ByteWriter();
    w.u32(SNAPSHOT_MAGIC);
    w.u32(SNAPSHOT_VERSION);
    const { onAlert, ...options } = this.options;
    w.string(JSON.stringify(options));
    w.u32(this.scoring ? 1 : 0);
    w.f64(this.flows);
    w.f64(this.lastTs);
    w.f64(this.baselineFlows);
    w.f64s(Float64Array.from(this.baselinePorts));
    w.strings([...this.baselineDestinations]);
    for (const t of [this.sources, this.services, this.peers, this.channels]) t.write(w);
    return w.bytes();
  }

  static restore(bytes: Uint8Array, hooks: { onAlert?: (alert: DetectionAlert) => void } = {}): FlowDetector {
    const r = openSnapshot(bytes, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, 'flow detector');
    const options = JSON.parse(r.string()) as FlowDetectorOptions;
    const d = new FlowDetector({ ...options, onAlert: hooks.onAlert });
    d.scoring = r.u32() === 1;
    d.flows = r.f64();
    d.lastTs = r.f64();
    d.baselineFlows = r.f64();
    for (const p of r.f64s()) d.baselinePorts.add(p);
    for (const h of r.strings()) d.baselineDestinations.add(h);
    for (const t of [d.sources, d.services, d.peers, d.channels]) t.read(r);
    closeSnapshot(r);
    return d;
  }

  get alerts(): readonly DetectionAlert[] {
    return this.aggregator.closed;
  }

  stats(): { flows: number; trackedKeys: number; evictedKeys: number; stateBytes: number } {
    const tables = [this.sources, this.services, this.peers, this.channels];
    return {
      flows: this.flows,
      trackedKeys: tables.reduce((n, t) => n + t.size, 0),
      evictedKeys: tables.reduce((n, t) => n + t.evicted, 0),
      stateBytes: tables.reduce((n, t) => n + t.bytes, 0),
    };
  }

  private process(flow: FlowRecord): FlowVerdict {
    const th = this.thresholds;
    const t = Math.max(flow.ts, this.lastTs); // tolerate small reordering: time never runs back
    this.lastTs = t;
    const sa = hashA(flow.origHost);
    const sb = hashB(flow.origHost);
    const dh = hashA(flow.respHost);
    const scope = addressScope(flow.respHost);
    const external = scope === 'external';
    const group = isGroupAddress(scope);
    const pc = protoCode(flow.proto);
    const port = flow.respPort;
    const portKey = (pc << 16) | (port & 0xffff);
    const failed = pc === PROTO_TCP && isFailedTcpState(flow.connState);
    const duration = flow.duration ?? 0;
    const origPkts = flow.origPkts ?? 0;
    const origBytes = flow.origBytes ?? 0;
    const respPkts = flow.respPkts ?? 0;
    const respBytes = flow.respBytes ?? 0;
    const unanswered = respBytes === 0 && respPkts * 10 < Math.max(1, origPkts);
    // Served: the peer answered and the attempt did not fail (a refusal answers, but serves nothing).
    const unserved = failed || (respPkts === 0 && respBytes === 0);
    // A probe is an attempt that exchanged no data: refused, unanswered or reset before any payload.
    // Scans are counted in probes, so a browser opening sessions to many CDNs is not a scanner.
    const probe = failed || unanswered || (pc === PROTO_TCP && origBytes === 0 && respBytes === 0);
    const auth = pc === PROTO_TCP && AUTH_PORTS.has(port) && (failed || duration < th.bruteforceShortSeconds);

    // source first: whether anything outside answers this device at all (read by the beacon rule)
    const sources = this.sources;
    const src = sources.upsert(sa, sb, 0, 0, t);
    sources.lastSeen[src] = t;
    const xv = sources.values;
    const xo = src * SOURCE_FIELDS;
    const answeredOutside = external && (respPkts > 0 || respBytes > 0);
    if (answeredOutside) xv[xo + S_ANSWERED_T] = t;
    const uplinkWorks =
      answeredOutside || (xv[xo + S_ANSWERED_T] > 0 && t - xv[xo + S_ANSWERED_T] <= th.uplinkSeconds);

    // channel: novelty and beacon attempts
    const channels = this.channels;
    const c = channels.upsert(sa, sb, dh, portKey, t);
    const cv = channels.values;
    const co = c * CHANNEL_FIELDS;
    const newChannel = channels.created || t - channels.lastSeen[c] > th.noveltySeconds;
    channels.lastSeen[c] = t;
    recordAttempt(cv, co, t, channels.created, pc === PROTO_TCP, flow.origPort, unserved, th);
    const infrastructure = this.isInfrastructure(pc, port);
    const common = this.isCommonPort(pc, port);
    const beacon =
      external && !infrastructure ? beaconRatio(cv, co, common, IRC_PORTS.has(port), uplinkWorks, th) : 0;

    // peer: vertical scan, flood, per-host brute force
    const peers = this.peers;
    const p = peers.upsert(sa, sb, dh, 0, t);
    const newPeer = peers.created;
    peers.lastSeen[p] = t;
    const pv = peers.values;
    const po = p * PEER_FIELDS;
    const dtP = t - pv[po + P_T];
    pv[po + P_T] = t;
    const dScan = decay(dtP, th.scanTau);
    const dFlood = decay(dtP, th.floodTau);
    pv[po + P_NEWPORTS] = pv[po + P_NEWPORTS] * dScan + (newChannel && probe ? 1 : 0);
    pv[po + P_AUTH] = pv[po + P_AUTH] * dScan + (auth ? 1 : 0);
    pv[po + P_FLOWS] = pv[po + P_FLOWS] * dFlood + 1;
    // A long flow's packets are spread over its duration: count the share of one time constant.
    // Floods go unanswered: count packets and bytes only of flows the peer sent (almost) nothing back on,
    // so a large download's acknowledgements are not a flood.
    const share = duration > th.floodTau ? th.floodTau / duration : 1;
    pv[po + P_PKTS] = pv[po + P_PKTS] * dFlood + (unanswered ? origPkts * share : 0);
    pv[po + P_BYTES] = pv[po + P_BYTES] * dFlood + (unanswered ? origBytes * share : 0);
    let verticalRatio = 0;
    let floodRatio = 0;
    let floodRate = 0;
    // A flow is rated (and marked) for a behaviour only when it is itself part of it: a probe of the
    // scanned host, an unanswered flow of a packet flood, a failed attempt, a login attempt. The device's
    // other flows in the same minutes (its NTP, its cloud session) are not evidence of the attack.
    if (!group) {
      if (probe) verticalRatio = pv[po + P_NEWPORTS] / th.verticalDistinctPorts;
      const flowRate = pv[po + P_FLOWS] / th.floodTau;
      const pktRate = pv[po + P_PKTS] / th.floodTau;
      const byteRate = pv[po + P_BYTES] / th.floodTau;
      // Every flow counts in the flow rate; only unanswered ones make up a packet or byte flood.
      floodRatio = flowRate / th.floodFlowsPerSecond;
      floodRate = flowRate;
      if (unanswered) {
        floodRatio = Math.max(
          floodRatio,
          pktRate / th.floodPacketsPerSecond,
          byteRate / th.floodBytesPerSecond,
        );
        floodRate = Math.max(flowRate, pktRate);
      }
    }

    // service: horizontal scan, brute force across few hosts
    const services = this.services;
    const s = services.upsert(sa, sb, portKey, 0, t);
    services.lastSeen[s] = t;
    const sv = services.values;
    const so = s * SERVICE_FIELDS;
    const dScanV = decay(t - sv[so + V_T], th.scanTau);
    sv[so + V_T] = t;
    sv[so + V_NEWDST] = sv[so + V_NEWDST] * dScanV + (newChannel && probe && !group ? 1 : 0);
    sv[so + V_AUTH] = sv[so + V_AUTH] * dScanV + (auth ? 1 : 0);
    sv[so + V_DST] = sv[so + V_DST] * dScanV + (newChannel && !group ? 1 : 0);
    const distinctDst = sv[so + V_NEWDST];
    const horizontalRatio = probe && !group ? distinctDst / th.horizontalDistinctDst : 0;
    let bruteRatio = 0;
    if (auth) {
      const perHost = pv[po + P_AUTH] / th.bruteforceAttempts;
      const perPort = sv[so + V_AUTH] / th.bruteforceAttempts;
      // Many attempts on few hosts; one attempt per host is a scan, not a guess.
      const repeats = sv[so + V_AUTH] / Math.max(1, sv[so + V_DST]);
      bruteRatio = Math.max(perHost, repeats >= th.bruteforceAttemptsPerHost ? perPort : 0);
    }

    // source: failed channels, outbound volume
    xv[xo + S_FAILCH] =
      xv[xo + S_FAILCH] * decay(t - xv[xo + S_T], th.scanTau) + (failed && newChannel ? 1 : 0);
    xv[xo + S_T] = t;
    const failedRatio = failed ? xv[xo + S_FAILCH] / th.failedChannels : 0;
    let exfilRatio = 0;
    let exfilZ = 0;
    // An upload is answered (acknowledged); an unanswered stream of bytes is a flood, scored above.
    if (external && origBytes > 0 && !unanswered) {
      const x = Math.log1p(origBytes);
      const n = xv[xo + S_N];
      const mean = xv[xo + S_LMEAN];
      if (n >= th.exfilMinHistory && origBytes >= th.exfilMinBytes) {
        exfilZ = (x - mean) / Math.max(Math.sqrt(xv[xo + S_LVAR]), 0.5);
        exfilRatio = exfilZ / th.exfilSigma;
      }
      // Running mean/variance, exact for the first 1,000 flows, then exponentially weighted.
      const w = 1 / Math.min(n + 1, 1000);
      const d = x - mean;
      xv[xo + S_LMEAN] = mean + w * d;
      xv[xo + S_LVAR] = (1 - w) * (xv[xo + S_LVAR] + w * d * d);
      xv[xo + S_N] = n + 1;
    }

    // the strongest behaviour; technique and evidence are worked out for the winner only
    const ratios = this.ratios;
    ratios[B_HORIZONTAL] = horizontalRatio;
    ratios[B_VERTICAL] = verticalRatio;
    ratios[B_BRUTEFORCE] = bruteRatio;
    ratios[B_BEACON] = beacon;
    ratios[B_FLOOD] = floodRatio;
    ratios[B_EXFIL] = exfilRatio;
    ratios[B_FAILED] = failedRatio;
    let bi = -1;
    let bestRatio = 0;
    for (let i = 0; i < ratios.length; i++) {
      if (ratios[i] > bestRatio) {
        bestRatio = ratios[i];
        bi = i;
      }
    }
    // Failed connections are the generic name for reconnaissance; a specific behaviour past its own
    // threshold names the flow instead (a telnet sweep is a horizontal scan even while its failures
    // outnumber its distinct destinations). The flow stays marked either way.
    if (bi === B_FAILED) {
      for (let i = 0; i < ratios.length; i++) {
        if (i !== B_FAILED && ratios[i] >= 1 && (bi === B_FAILED || ratios[i] > ratios[bi])) bi = i;
      }
      if (bi !== B_FAILED) bestRatio = ratios[bi];
    }

    // Weak context that raises the score without alerting: a new external peer, a non-standard port.
    let weak = 0;
    if (external && newPeer && !this.baselineDestinations.has(flow.respHost)) weak = 0.15;
    if (external && !common && !infrastructure) weak += 0.1;
    if (failed) weak += 0.05;

    const v = this.verdict;
    const alert = bestRatio >= 1;
    const best = bi >= 0 ? BEHAVIOURS[bi] : null;
    v.score = Math.max(ratioScore(Math.min(bestRatio, MAX_RATIO)), weak);
    v.alert = alert && !this.learning;
    v.behaviour = bestRatio >= 0.5 ? best : null;
    if (v.alert && best) {
      let technique: AttackTechnique;
      let metricName: string;
      let metric: number;
      switch (bi) {
        case B_HORIZONTAL:
          technique = TECHNIQUES.networkServiceDiscovery;
          metricName = 'distinctDestinationsDecayed';
          metric = distinctDst;
          break;
        case B_VERTICAL:
          technique = TECHNIQUES.networkServiceDiscovery;
          metricName = 'distinctPortsDecayed';
          metric = pv[po + P_NEWPORTS];
          break;
        case B_BRUTEFORCE:
          technique = TECHNIQUES.bruteForce;
          metricName = 'attemptsDecayed';
          metric = Math.max(pv[po + P_AUTH], sv[so + V_AUTH]);
          break;
        case B_BEACON:
          technique = common ? TECHNIQUES.applicationLayerProtocol : TECHNIQUES.nonStandardPort;
          metricName = 'periodSeconds';
          metric = cv[co + C_IA_PERIOD];
          break;
        case B_FLOOD:
          // SYN/ACK floods exhaust the target's connection state (T1499); the rest saturate the link (T1498).
          technique =
            pc === PROTO_TCP ? TECHNIQUES.endpointDenialOfService : TECHNIQUES.networkDenialOfService;
          metricName = 'ratePerSecond';
          metric = floodRate;
          break;
        case B_EXFIL:
          technique =
            cv[co + C_BEACON] === 1
              ? TECHNIQUES.exfiltrationOverC2
              : TECHNIQUES.exfiltrationOverAlternativeProtocol;
          metricName = 'sigmaAboveHistory';
          metric = exfilZ;
          break;
        default:
          technique = TECHNIQUES.activeScanning;
          metricName = 'failedChannelsDecayed';
          metric = xv[xo + S_FAILCH];
      }
      this.aggregator.add(best, bi, technique, flow, bestRatio, v.score, metricName, metric);
    }
    return v;
  }

  private resetState(): void {
    const idle = Math.max(this.thresholds.noveltySeconds, this.thresholds.beaconMaxPeriod * 2);
    const cap = this.maxChannels;
    this.sources = new KeyedTable(SOURCE_FIELDS, { maxCapacity: this.maxSources * 2, idleSeconds: 86_400 });
    this.services = new KeyedTable(SERVICE_FIELDS, { maxCapacity: cap, idleSeconds: idle });
    this.peers = new KeyedTable(PEER_FIELDS, { maxCapacity: cap, idleSeconds: idle });
    this.channels = new KeyedTable(CHANNEL_FIELDS, { maxCapacity: cap * 2, idleSeconds: idle });
    this.lastTs = 0;
  }

  private isInfrastructure(pc: number, port: number): boolean {
    return (pc === PROTO_UDP && INFRASTRUCTURE_UDP_PORTS.has(port)) || (pc === PROTO_TCP && port === 53);
  }

  private isCommonPort(pc: number, port: number): boolean {
    if (IRC_PORTS.has(port)) return false;
    return COMMON_SERVICE_PORTS.has(port) || this.baselinePorts.has((pc << 16) | (port & 0xffff));
  }
}
