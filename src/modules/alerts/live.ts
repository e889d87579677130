import { deflateSync, inflateSync } from 'node:zlib';
import type { Clock, Logger } from '../../core';
import { type DetectionAlert, FlowAssembler, FlowDetector, PacketDetector } from '../detection';
import { type FlowRecord, type PacketRecord, PcapReader } from '../telemetry';
import type { AlertService } from './alerts.service';

export interface LiveOptions {
  /** Packets each sensor's packet model trains on before it scores (default 20,000). */
  packetTrainPackets?: number;
  /** An alert window closes after this many quiet seconds (default 30; files use 600). */
  alertGapSeconds?: number;
  /** How often open windows are flushed to stored alerts and traffic counters written (ms). */
  tickMs?: number;
  /**
   * How often each sensor's packet model is stored (ms, default 5 minutes; also on stop), so a restarted
   * server, or another worker taking over the sensor, continues from it instead of training again.
   */
  snapshotMs?: number;
}

interface OrgState {
  flows: FlowDetector;
  pending: DetectionAlert[];
  /** Flows since the detector was last stored. */
  unsaved: number;
}

interface SensorState {
  packets: PacketDetector;
  assembler: FlowAssembler;
  pending: DetectionAlert[];
  /** Packets since the model was last stored. */
  unsaved: number;
}

/**
 * A snapshot as stored: deflated (level 1), since most of a detector's tables are empty slots and zeros
 * (the IoT-23 Mirai flow detector: 369 KB to 8 KB; a packet model after the Kitsune trace: 3.2 MB to
 * 0.77 MB, in 14 ms).
 */
const packed = (snapshot: Uint8Array): Uint8Array => deflateSync(snapshot, { level: 1 });

/** detector_snapshots keys: a sensor's packet model, and the organisation's flow detector. */
const snapshotKey = (sensor: string) => `packets:${sensor}`;
const FLOWS_KEY = 'flows';

const FLOW_FIELDS: (keyof FlowRecord)[] = [
  'uid',
  'ts',
  'origHost',
  'origPort',
  'respHost',
  'respPort',
  'proto',
];

/** Validate one flow of a `flows` message; returns the reason it is rejected, or null. */
export function flowProblem(f: unknown): string | null {
  if (typeof f !== 'object' || f === null) return 'not an object';
  const r = f as Record<string, unknown>;
  for (const k of FLOW_FIELDS) if (r[k] === undefined || r[k] === null) return `${k} is missing`;
  if (typeof r.ts !== 'number' || !Number.isFinite(r.ts)) return 'ts must be seconds since the epoch';
  if (typeof r.origHost !== 'string' || typeof r.respHost !== 'string') return 'hosts must be strings';
  if (!Number.isInteger(r.origPort) || !Number.isInteger(r.respPort)) return 'ports must be integers';
  return null;
}

const NULLABLE: (keyof FlowRecord)[] = [
  'service',
  'duration',
  'origBytes',
  'respBytes',
  'connState',
  'localOrig',
  'localResp',
  'missedBytes',
  'history',
  'origPkts',
  'origIpBytes',
  'respPkts',
  'respIpBytes',
];

/**
 * The live path: telemetry from MQTT (flows as JSON batches, packets as pcap batches) through the
 * detectors, alerts into the alert store as their windows close, traffic into per-minute counters.
 * One flow detector per organisation; one packet model and flow assembler per sensor, since a
 * model learns one network's normal.
 */
export class LiveDetection {
  private readonly orgs = new Map<string, OrgState>();
  private readonly sensors = new Map<string, SensorState & { orgId: string; sensor: string }>();
  private readonly traffic = new Map<
    string,
    {
      orgId: string;
      subject: string;
      minute: number;
      flows: number;
      packets: number;
      bytes: number;
      alerting: number;
    }
  >();
  private timer: NodeJS.Timeout | null = null;
  /** States being loaded from the database: batches that arrive meanwhile wait for the same load. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /** When models were last stored (or, before the first store, the detection started). */
  private lastSnapshot: number;
  private readonly gap: number;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly alertsSvc: AlertService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: LiveOptions = {},
  ) {
    this.gap = opts.alertGapSeconds ?? 30;
    this.lastSnapshot = clock.now().getTime();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.ticking = this.ticking
        .then(async () => {
          await this.tick();
        })
        .catch((e) => this.logger.error({ err: e }, 'detection tick failed'));
    }, this.opts.tickMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await this.tick();
    await this.alertsSvc.logPendingEvidence({ all: true });
    await this.saveModels();
  }

  /**
   * Stores every flow detector and sensor packet model that saw records since its last store. A store
   * that fails leaves its records counted, so the next call tries again.
   */
  async saveModels(): Promise<number> {
    const due: { orgId: string; key: string; state: { unsaved: number }; snapshot: () => Uint8Array }[] = [];
    for (const [orgId, s] of this.orgs)
      if (s.unsaved) due.push({ orgId, key: FLOWS_KEY, state: s, snapshot: () => s.flows.snapshot() });
    for (const s of this.sensors.values())
      if (s.unsaved)
        due.push({
          orgId: s.orgId,
          key: snapshotKey(s.sensor),
          state: s,
          snapshot: () => s.packets.snapshot(),
        });
    for (const d of due) {
      // Records that arrive while the store awaits count towards the next one.
      const covered = d.state.unsaved;
      await this.alertsSvc.saveDetectorState(d.orgId, d.key, packed(d.snapshot()));
      d.state.unsaved -= covered;
    }
    this.lastSnapshot = this.clock.now().getTime();
    return due.length;
  }

  /** Packets a sensor's model has seen (restored ones included) and whether it has finished training. */
  sensorModel(orgId: string, sensor: string): { packets: number; trained: boolean } | null {
    const s = this.sensors.get(`${orgId}|${sensor}`);
    return s ? { packets: s.packets.processedPackets, trained: s.packets.trained } : null;
  }

  /** One load per key at a time: callers that arrive while it runs get the same result. */
  private once<T>(key: string, have: T | undefined, load: () => Promise<T>): Promise<T> {
    if (have) return Promise.resolve(have);
    let p = this.loading.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.loading.set(key, p);
      p.finally(() => this.loading.delete(key)).catch(() => {});
    }
    return p;
  }

  /** A detector as last stored under `key`, or null (none stored, or unreadable: logged). */
  private async restored<T>(
    orgId: string,
    key: string,
    restore: (state: Uint8Array) => T,
  ): Promise<T | null> {
    const stored = await this.alertsSvc.detectorState(orgId, key);
    if (!stored) return null;
    try {
      return restore(inflateSync(stored));
    } catch (e) {
      this.logger.warn({ err: e, orgId, key }, 'stored detector state unreadable; starting a new one');
      return null;
    }
  }

  /** The organisation's flow detector: as last stored (a restart, a takeover), else a new one. */
  private orgState(orgId: string): Promise<OrgState> {
    return this.once(`flows|${orgId}`, this.orgs.get(orgId), async () => {
      const pending: DetectionAlert[] = [];
      const onAlert = (a: DetectionAlert) => pending.push(a);
      const flows =
        (await this.restored(orgId, FLOWS_KEY, (b) => FlowDetector.restore(b, { onAlert }))) ??
        new FlowDetector({ thresholds: { alertGapSeconds: this.gap }, onAlert });
      const s = { pending, flows, unsaved: 0 };
      this.orgs.set(orgId, s);
      return s;
    });
  }

  private count(
    orgId: string,
    subject: string,
    time: number,
    flows: number,
    packets: number,
    bytes: number,
    alerting: boolean,
  ) {
    const minute = Math.floor(time / 60) * 60_000;
    const key = `${orgId}|${subject}|${minute}`;
    let t = this.traffic.get(key);
    if (!t) {
      t = { orgId, subject, minute, flows: 0, packets: 0, bytes: 0, alerting: 0 };
      this.traffic.set(key, t);
    }
    t.flows += flows;
    t.packets += packets;
    t.bytes += bytes;
    if (alerting) t.alerting++;
  }

  private scoreFlow(orgId: string, state: OrgState, f: FlowRecord): boolean {
    const v = state.flows.score(f);
    state.unsaved++;
    this.count(
      orgId,
      f.origHost,
      f.ts,
      1,
      (f.origPkts ?? 0) + (f.respPkts ?? 0),
      (f.origBytes ?? 0) + (f.respBytes ?? 0),
      v.alert,
    );
    return v.alert;
  }

  /** A batch of flows; bad records are skipped with a reason, the rest are scored. */
  async flows(
    orgId: string,
    batch: unknown,
  ): Promise<{ accepted: number; rejected: { index: number; reason: string }[] }> {
    if (!Array.isArray(batch))
      return { accepted: 0, rejected: [{ index: -1, reason: 'payload must be a JSON array of flows' }] };
    const state = await this.orgState(orgId);
    const rejected: { index: number; reason: string }[] = [];
    let accepted = 0;
    batch.forEach((raw, index) => {
      const problem = flowProblem(raw);
      if (problem) {
        rejected.push({ index, reason: problem });
        return;
      }
      const f = raw as FlowRecord;
      for (const k of NULLABLE) if (f[k] === undefined) (f as unknown as Record<string, null>)[k] = null;
      f.uid = String(f.uid);
      this.scoreFlow(orgId, state, f);
      accepted++;
    });
    return { accepted, rejected };
  }

  /**
   * A sensor's state: its packet model as last stored (a restart, or a worker taking over), else a new
   * model that trains on the sensor's first packets.
   */
  private sensor(orgId: string, sensor: string): Promise<SensorState & { orgId: string; sensor: string }> {
    const key = `${orgId}|${sensor}`;
    return this.once(`packets|${key}`, this.sensors.get(key), async () => {
      const pending: DetectionAlert[] = [];
      const onAlert = (a: DetectionAlert) => pending.push(a);
      const detector =
        (await this.restored(orgId, snapshotKey(sensor), (b) => PacketDetector.restore(b, { onAlert }))) ??
        new PacketDetector({
          trainPackets: this.opts.packetTrainPackets ?? 20_000,
          alertWindowSeconds: this.gap,
          onAlert,
        });
      const org = await this.orgState(orgId);
      const assembler = new FlowAssembler((f) => this.scoreFlow(orgId, org, f), {
        uidPrefix: `P${sensor.slice(0, 4)}`,
      });
      const s = { orgId, sensor, packets: detector, assembler, pending, unsaved: 0 };
      this.sensors.set(key, s);
      return s;
    });
  }

  /** A batch of packets as a classic pcap file (global header + records). */
  async packets(
    orgId: string,
    sensor: string,
    pcap: Uint8Array,
  ): Promise<{ packets: number; error: string | null }> {
    const st = await this.sensor(orgId, sensor);
    // Each message is a whole pcap: a fresh reader per batch, the same detector and assembler.
    let n = 0;
    const reader = new PcapReader((p: PacketRecord) => {
      n++;
      st.packets.process(p);
      st.assembler.push(p);
      if (p.srcIp) this.count(orgId, p.srcIp, p.time, 0, 1, p.length, false);
    });
    try {
      reader.push(pcap);
      reader.end();
      return { packets: n, error: null };
    } catch (e) {
      return { packets: n, error: (e as Error).message };
    } finally {
      st.unsaved += n;
    }
  }

  /** Close idle windows, store alerts, write traffic counters. */
  async tick(): Promise<number> {
    let stored = 0;
    const now = this.clock.now().getTime() / 1000;
    for (const [orgId, s] of this.orgs) {
      // Close every open window, not only idle ones: an attack that goes on must show up while it
      // runs. Each closed window merges into the stored alert of the same subject and behaviour.
      s.flows.flush();
      s.flows.flushIdle(now);
      const batch = s.pending.splice(0);
      for (const a of batch) {
        await this.alertsSvc.record(orgId, a, 'flows');
        stored++;
      }
    }
    for (const s of this.sensors.values()) {
      for (const a of s.pending.splice(0)) {
        await this.alertsSvc.record(s.orgId, a, 'packets', s.sensor);
        stored++;
      }
    }
    // Versions of alerts that went on changing and are now due as evidence.
    await this.alertsSvc.logPendingEvidence();
    if (this.clock.now().getTime() - this.lastSnapshot >= (this.opts.snapshotMs ?? 300_000))
      await this.saveModels();
    const rows = [...this.traffic.values()];
    this.traffic.clear();
    const byOrg = new Map<string, typeof rows>();
    for (const r of rows) byOrg.set(r.orgId, [...(byOrg.get(r.orgId) ?? []), r]);
    for (const [orgId, list] of byOrg) {
      await this.alertsSvc.addTraffic(
        orgId,
        list.map((r) => ({
          subject: r.subject,
          minute: new Date(r.minute),
          flows: r.flows,
          packets: r.packets,
          bytes: r.bytes,
          alerting: r.alerting,
        })),
      );
    }
    return stored;
  }

  /** Flush everything now (tests, shutdown): every open window closes. */
  async drain(): Promise<number> {
    for (const s of this.orgs.values()) s.flows.flushIdle(Number.POSITIVE_INFINITY);
    const stored = await this.tick();
    await this.alertsSvc.logPendingEvidence({ all: true });
    return stored;
  }
}
