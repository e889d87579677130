/**
 * The live path end to end over real MQTT: a sensor publishes JSON flow batches to the embedded broker,
 * Ingest hands them to LiveDetection (wired as `coverwatch serve` wires it), alerts are stored in PGlite.
 *
 * Phase 1 (throughput): BATCHES batches of FLOWS_PER_BATCH benign flows, published with QoS 1 without
 * waiting for each PUBACK (the client keeps them in flight, as a sensor would); messages/s and flows/s
 * from the first publish to the last flow scored.
 * Phase 2 (latency): SCANNERS hosts each sweep port 23 over SCAN_TARGETS addresses inside one batch
 * mixed into benign traffic, a scanner every SCAN_SPACING_MS; latency = the scan batch's publish to
 * AlertService.onAlert for that scanner (inside the storing transaction). It includes the alert window
 * gap (ALERT_GAP_S: a window is stored once its subject is quiet that long) and the tick period.
 * Phase 3 (packets): shared/data/pcap/lemay_DERIVED… (a real Modbus capture) cut into pcap batches of
 * PACKETS_PER_BATCH packets and published by the same sensor; packets/s from the first publish to the last
 * packet through the sensor's packet model and flow assembler (the live path runs them on one thread).
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { silentLogger, systemClock } from '../src/core';
import { LiveDetection } from '../src/modules/alerts';
import type { FlowRecord } from '../src/modules/telemetry';
import { systemActor } from '../src/modules/tenancy';
import { Ingest } from '../src/server/ingest';
import { Metrics } from '../src/server/metrics';
import { startEmbeddedBroker } from '../src/server/mqtt';
import { createServices } from '../src/server/services';
import { wireDetection } from '../src/server/start';
import { openStore } from '../src/store';
import { sharedData } from '../test/support/shared-data';

type Row = { name: string; value: number; unit: string; target?: string; note?: string };

const BATCHES = 200;
const FLOWS_PER_BATCH = 100;
const SCANNERS = 20;
const SCAN_TARGETS = 40;
const SCAN_SPACING_MS = 150;
const ALERT_GAP_S = 1;
const TICK_MS = 200;
const PACKETS_PER_BATCH = 1_000;

/** A classic pcap file cut into files of `per` records each, every one with the file's global header. */
function pcapBatches(file: Uint8Array, per: number): { batches: Uint8Array[]; packets: number } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const header = file.subarray(0, 24);
  const batches: Uint8Array[] = [];
  let packets = 0;
  let at = 24;
  while (at + 16 <= file.length) {
    const start = at;
    let n = 0;
    while (n < per && at + 16 <= file.length) {
      at += 16 + view.getUint32(at + 8, little);
      n++;
    }
    const batch = new Uint8Array(24 + at - start);
    batch.set(header);
    batch.set(file.subarray(start, at), 24);
    batches.push(batch);
    packets += n;
  }
  return { batches, packets };
}

let uidSeq = 0;
const services = ['dns', 'http', 'ssl', 'mqtt'];
const ports = [53, 80, 443, 1883];

/** A benign flow: one of 50 devices to one of 4 servers on that server's port, ts = now. */
function benignFlow(i: number, now: number): FlowRecord {
  const s = i % 4;
  return {
    uid: `B${uidSeq++}`,
    ts: now,
    origHost: `10.1.0.${10 + (i % 50)}`,
    origPort: 40_000 + (i % 20_000),
    respHost: `10.1.1.${1 + s}`,
    respPort: ports[s],
    proto: s === 0 ? 'udp' : 'tcp',
    service: services[s],
    duration: 0.05,
    origBytes: 120,
    respBytes: 900,
    connState: 'SF',
    localOrig: true,
    localResp: true,
    missedBytes: 0,
    history: 'ShADadFf',
    origPkts: 6,
    origIpBytes: 440,
    respPkts: 6,
    respIpBytes: 1220,
  };
}

/** A Mirai-style telnet probe: SYN without answer (S0) to the next address of the sweep. */
function scanFlow(scanner: number, target: number, now: number): FlowRecord {
  return {
    ...benignFlow(0, now),
    uid: `S${uidSeq++}`,
    origHost: `10.1.2.${10 + scanner}`,
    origPort: 50_000 + target,
    respHost: `10.1.${3 + (target >> 8)}.${target & 255}`,
    respPort: 23,
    proto: 'tcp',
    service: null,
    duration: null,
    origBytes: 0,
    respBytes: 0,
    connState: 'S0',
    history: 'S',
    origPkts: 1,
    origIpBytes: 40,
    respPkts: 0,
    respIpBytes: 0,
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

export async function run(): Promise<Row[]> {
  const setup0 = performance.now();
  const store = await openStore({});
  const logger = silentLogger();
  const svc = createServices(store, systemClock, logger);
  const metrics = new Metrics();
  const bus = await startEmbeddedBroker(0, '127.0.0.1', { credentials: svc.credentials, metrics, logger });
  const ingest = new Ingest(svc, metrics, logger);
  ingest.attach(bus);
  const live = new LiveDetection(svc.alerts, systemClock, logger, {
    alertGapSeconds: ALERT_GAP_S,
    tickMs: TICK_MS,
  });
  wireDetection(ingest, live, metrics);
  live.start();

  let scored = 0;
  let onScored: (() => void) | null = null;
  let packetsSeen = 0;
  let onPackets: (() => void) | null = null;
  const packets = live.packets.bind(live);
  live.packets = async (orgId, sensor, pcap) => {
    const r = await packets(orgId, sensor, pcap);
    packetsSeen += r.packets;
    onPackets?.();
    return r;
  };
  const flows = live.flows.bind(live);
  live.flows = async (orgId, batch) => {
    const r = await flows(orgId, batch);
    scored += r.accepted;
    onScored?.();
    return r;
  };

  const org = await svc.tenancy.createOrganisation({
    name: 'Bench Fleet',
    slug: 'bench-fleet',
    kind: 'insured',
  });
  const ctx = await svc.tenancy.context(systemActor(org.id, 'insured'));
  const cred = await svc.credentials.create(ctx, { clientName: 'bench-sensor', kind: 'sensor' });
  const client = await mqtt.connectAsync(bus.url, {
    username: cred.username,
    password: cred.password,
    protocolVersion: 4,
  });
  const topic = 'cw/bench-fleet/bench-sensor/flows';

  const waitScored = (n: number, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      onScored = () => {
        if (scored >= n) {
          clearTimeout(timer);
          onScored = null;
          resolve(true);
        }
      };
      onScored();
    });

  try {
    const setupSeconds = (performance.now() - setup0) / 1000;
    // Phase 1: throughput.
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let i = 0;
    const acks: Promise<unknown>[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const now = Date.now() / 1000;
      const batch = Array.from({ length: FLOWS_PER_BATCH }, () => benignFlow(i++, now));
      acks.push(client.publishAsync(topic, JSON.stringify(batch), { qos: 1 }));
    }
    await Promise.all(acks);
    const complete = await waitScored(BATCHES * FLOWS_PER_BATCH, 30_000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;

    // Phase 2: publish -> alert stored latency.
    const started = new Map<string, number>();
    const latencies = new Map<string, number>();
    let allSeen: (() => void) | null = null;
    const behaviours = new Set<string>();
    svc.alerts.onAlert((a) => {
      const t = started.get(a.subject);
      if (t === undefined || latencies.has(a.subject)) return;
      behaviours.add(`${a.behaviour} ${a.technique.id}`);
      latencies.set(a.subject, performance.now() - t);
      if (latencies.size === SCANNERS) allSeen?.();
    });
    const done = new Promise<void>((resolve) => {
      allSeen = resolve;
      setTimeout(resolve, 20_000);
    });
    for (let s = 0; s < SCANNERS; s++) {
      const now = Date.now() / 1000;
      const batch: FlowRecord[] = [];
      for (let k = 0; k < FLOWS_PER_BATCH - SCAN_TARGETS; k++) batch.push(benignFlow(i++, now));
      for (let k = 0; k < SCAN_TARGETS; k++)
        batch.splice(k * 2 + 1, 0, scanFlow(s, k + s * SCAN_TARGETS, now));
      started.set(`10.1.2.${10 + s}`, performance.now());
      await client.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
      await new Promise((r) => setTimeout(r, SCAN_SPACING_MS));
    }
    await done;
    const lat = [...latencies.values()].sort((a, b) => a - b);
    const flowsTotal = BATCHES * FLOWS_PER_BATCH;
    const rows: Row[] = [
      {
        name: 'mqtt e2e: flow batches ingested',
        value: Math.round(BATCHES / seconds),
        unit: 'messages/s',
        note: `${BATCHES} QoS 1 batches of ${FLOWS_PER_BATCH} JSON flows, one client, embedded broker + PGlite (setup ${setupSeconds.toFixed(1)} s)${complete ? '' : `; only ${scored} of ${flowsTotal} flows scored in 30 s`}`,
      },
      {
        name: 'mqtt e2e: flows ingested and scored',
        value: Math.round(Math.min(scored, flowsTotal) / seconds),
        unit: 'flows/s',
        note: `wall; ${Math.round(Math.min(scored, flowsTotal) / cpuSeconds)} flows per CPU-second of this process (broker, client and detector share it)`,
      },
    ];
    if (lat.length) {
      const note = `${lat.length} of ${SCANNERS} scans alerted (${[...behaviours].join(', ')}); includes the ${ALERT_GAP_S} s alert window gap and ${TICK_MS} ms tick`;
      rows.push(
        {
          name: 'mqtt e2e: scan publish -> alert stored p50',
          value: Math.round(quantile(lat, 0.5)),
          unit: 'ms',
          note,
        },
        {
          name: 'mqtt e2e: scan publish -> alert stored p99',
          value: Math.round(quantile(lat, 0.99)),
          unit: 'ms',
          note,
        },
      );
    } else {
      rows.push({
        name: 'mqtt e2e: scan publish -> alert stored',
        value: Number.NaN,
        unit: 'ms',
        note: 'no scan alert within 20 s',
      });
    }

    // Phase 3: packets.
    const capture = sharedData('pcap/lemay_DERIVED_benign_then_characterization.pcap');
    if (!capture) {
      rows.push({
        name: 'mqtt e2e: packet batches',
        value: Number.NaN,
        unit: 'packets/s',
        note: 'skipped: shared/data/pcap is absent',
      });
      return rows;
    }
    const { batches, packets: total } = pcapBatches(readFileSync(capture), PACKETS_PER_BATCH);
    const allPackets = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      onPackets = () => {
        if (packetsSeen >= total) {
          clearTimeout(timer);
          onPackets = null;
          resolve(true);
        }
      };
    });
    const p0 = performance.now();
    const pc0 = process.cpuUsage();
    await Promise.all(
      batches.map((b) =>
        client.publishAsync('cw/bench-fleet/bench-sensor/packets', Buffer.from(b), { qos: 1 }),
      ),
    );
    const allIn = await allPackets;
    const pSeconds = (performance.now() - p0) / 1000;
    const pcpu = process.cpuUsage(pc0);
    rows.push({
      name: 'mqtt e2e: packets ingested and detected',
      value: Math.round(Math.min(packetsSeen, total) / pSeconds),
      unit: 'packets/s',
      note: `${batches.length} QoS 1 pcap batches of ${PACKETS_PER_BATCH} (lemay_DERIVED, ${total} packets): packet model + flow assembly + flow rules; ${Math.round(Math.min(packetsSeen, total) / ((pcpu.user + pcpu.system) / 1e6))} per CPU-second${allIn ? '' : `; only ${packetsSeen} in 60 s`}`,
    });
    return rows;
  } finally {
    await client.endAsync();
    await live.stop();
    await bus.close();
    await store.close();
  }
}
