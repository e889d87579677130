import mqtt, { type MqttClient } from 'mqtt';
import { type Clock, type Logger, type Rng, seededRng } from '../core';
import type { DeviceView } from '../modules/inventory';
import type { FlowRecord } from '../modules/telemetry';
import { systemActor } from '../modules/tenancy';
import type { Services } from '../server/services';

export interface SimulatorOptions {
  mqttUrl: string;
  /** Organisation slugs to simulate (default: every insured organisation with devices). */
  orgSlugs: string[];
  /** Seconds of normal traffic before a camera is infected (default 180; 0 = at once; <0 = never). */
  infectAfterSeconds?: number;
  /** Publish interval (default 2 s). */
  intervalMs?: number;
  /** Seeds the choice of the infected camera, and the traffic unless trafficSeed is given. */
  seed?: number;
  /**
   * Seeds the traffic alone. `coverwatch serve` gives each start its own, so a restarted demo does not
   * replay the same scan addresses to a detector that remembers them (it would call them repeated
   * logins); the infected camera stays the same.
   */
  trafficSeed?: number;
}

interface Fleet {
  orgSlug: string;
  client: MqttClient;
  topic: string;
  devices: DeviceView[];
  servers: { nvr: string; hmi: string; dns: string; ehr: string };
  rng: Rng;
  victim: DeviceView | null;
}

const CNC = '45.95.147.236'; // a documented Mirai C&C address is not used: this one is illustrative
const FLOOD_TARGET = '203.0.113.50'; // RFC 5737 TEST-NET-3
let uidCounter = 0;
const uid = () => `S${(++uidCounter).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

function flow(
  ts: number,
  o: string,
  op: number,
  r: string,
  rp: number,
  proto: string,
  state: string,
  ob: number,
  rb: number,
  service: string | null = null,
): FlowRecord {
  const okPkts = state === 'SF' ? Math.max(1, Math.ceil(ob / 1000)) : 1;
  return {
    uid: uid(),
    ts,
    origHost: o,
    origPort: op,
    respHost: r,
    respPort: rp,
    proto,
    service,
    duration: state === 'S0' ? 0 : 0.05 + (ob + rb) / 1e7,
    origBytes: ob,
    respBytes: rb,
    connState: state,
    localOrig: true,
    localResp: !/^(45|203|162|52)\./.test(r),
    missedBytes: 0,
    history: state === 'S0' ? 'S' : state === 'REJ' ? 'Sr' : 'ShADadFf',
    origPkts: okPkts,
    origIpBytes: ob + okPkts * 40,
    respPkts: state === 'SF' ? Math.max(1, Math.ceil(rb / 1000)) : 0,
    respIpBytes: state === 'SF' ? rb + 40 : 0,
  };
}

/** One interval of ordinary traffic for a fleet: streams, polling, DNS, time, vendor cloud. */
function normalTraffic(f: Fleet, now: number, seconds: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  const { rng, servers } = f;
  for (const d of f.devices) {
    const ip = d.ipAddresses[0];
    if (!ip || d === f.victim) continue;
    const t = () => now - rng.next() * seconds;
    switch (d.kind) {
      case 'camera':
      case 'nvr':
        if (rng.chance(0.5))
          out.push(
            flow(
              t(),
              ip,
              554,
              servers.nvr,
              49152 + rng.int(0, 9999),
              'tcp',
              'SF',
              400_000 + rng.int(0, 90_000),
              2_000,
            ),
          );
        break;
      case 'plc':
      case 'rtu':
        out.push(flow(t(), servers.hmi, 40000 + rng.int(0, 999), ip, 502, 'tcp', 'SF', 240, 260, 'modbus'));
        break;
      case 'infusion_pump':
      case 'patient_monitor':
        if (rng.chance(0.6))
          out.push(flow(t(), ip, 50000 + rng.int(0, 9999), servers.ehr, 443, 'tcp', 'SF', 1_800, 900, 'ssl'));
        break;
      default:
        if (rng.chance(0.3))
          out.push(flow(t(), ip, 50000 + rng.int(0, 9999), servers.ehr, 443, 'tcp', 'SF', 900, 4_000, 'ssl'));
    }
    if (rng.chance(0.15))
      out.push(flow(t(), ip, 30000 + rng.int(0, 29999), servers.dns, 53, 'udp', 'SF', 60, 120, 'dns'));
    if (rng.chance(0.02)) out.push(flow(t(), ip, 123, '162.159.200.1', 123, 'udp', 'SF', 48, 48, 'ntp'));
  }
  return out;
}

/** Mirai, as IoT-23 shows it: telnet scanning, a C&C beacon, then a flood. */
function miraiTraffic(f: Fleet, now: number, seconds: number, infectedFor: number): FlowRecord[] {
  const v = f.victim?.ipAddresses[0];
  if (!v) return [];
  const out: FlowRecord[] = [];
  const { rng } = f;
  const scans = Math.round(25 * seconds);
  for (let i = 0; i < scans; i++) {
    const dst = `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    out.push(
      flow(
        now - rng.next() * seconds,
        v,
        30000 + rng.int(0, 30000),
        dst,
        rng.chance(0.9) ? 23 : 2323,
        'tcp',
        rng.chance(0.8) ? 'S0' : 'REJ',
        0,
        0,
      ),
    );
  }
  // C&C: one short connection every 10 s with low jitter.
  for (let k = Math.floor((infectedFor - seconds) / 10) + 1; k * 10 <= infectedFor; k++) {
    out.push(
      flow(
        now - (infectedFor - k * 10) + rng.next() * 0.2,
        v,
        40000 + rng.int(0, 999),
        CNC,
        48101,
        'tcp',
        'SF',
        120,
        64,
      ),
    );
  }
  if (infectedFor > 30) {
    for (let i = 0; i < 60 * seconds; i++) {
      out.push(
        flow(
          now - rng.next() * seconds,
          v,
          1024 + rng.int(0, 60000),
          FLOOD_TARGET,
          80,
          'udp',
          'S0',
          1_400,
          0,
        ),
      );
    }
  }
  return out;
}

/** The demo fleet simulator: publishes realistic flows over MQTT, then infects a camera Mirai-style. */
export async function startSimulator(
  services: Services,
  opts: SimulatorOptions,
  clock: Clock,
  logger: Logger,
) {
  const fleets: Fleet[] = [];
  let seed = opts.seed ?? 7;
  for (const slug of opts.orgSlugs) {
    const org = await services.tenancy.organisationBySlug(slug);
    const ctx = await services.tenancy.context(systemActor(org.id, org.kind));
    const existing = await services.credentials.findByClientName(ctx, 'demo-sensor');
    const cred = existing
      ? await services.credentials.rotate(ctx, existing.id)
      : await services.credentials.create(ctx, { clientName: 'demo-sensor', kind: 'sensor' });
    const client = await mqtt.connectAsync(opts.mqttUrl, {
      username: cred.username,
      password: cred.password,
      reconnectPeriod: 2000,
      protocolVersion: 4,
    });
    const devices = (await services.inventory.allDevices(ctx.scope)).filter((d) => d.status === 'active');
    const byKind = (k: string) => devices.find((d) => d.kind === k)?.ipAddresses[0];
    const base = devices[0]?.ipAddresses[0]?.split('.').slice(0, 3).join('.') ?? '10.0.0';
    const rng = seededRng(seed++);
    const cameras = devices.filter((d) => d.kind === 'camera');
    const victim = fleets.length === 0 && cameras.length ? rng.pick(cameras) : null;
    fleets.push({
      orgSlug: slug,
      client,
      topic: `cw/${slug}/demo-sensor/flows`,
      devices,
      servers: {
        nvr: byKind('nvr') ?? `${base}.5`,
        hmi: byKind('hmi') ?? `${base}.6`,
        dns: `${base}.2`,
        ehr: `${base}.7`,
      },
      rng: opts.trafficSeed === undefined ? rng : seededRng(opts.trafficSeed + fleets.length),
      victim,
    });
  }
  const intervalMs = opts.intervalMs ?? 2000;
  const infectAfter = opts.infectAfterSeconds ?? 180;
  const started = clock.now().getTime();
  let infectedLogged = false;
  const timer = setInterval(() => {
    const nowMs = clock.now().getTime();
    const now = nowMs / 1000;
    const elapsed = (nowMs - started) / 1000;
    for (const f of fleets) {
      const batch = normalTraffic(f, now, intervalMs / 1000);
      if (f.victim && infectAfter >= 0 && elapsed >= infectAfter) {
        if (!infectedLogged) {
          infectedLogged = true;
          logger.warn(
            { org: f.orgSlug, device: f.victim.name, ip: f.victim.ipAddresses[0] },
            'simulator: camera infected (Mirai-style)',
          );
        }
        batch.push(...miraiTraffic(f, now, intervalMs / 1000, elapsed - infectAfter));
      }
      batch.sort((a, b) => a.ts - b.ts);
      for (let i = 0; i < batch.length; i += 500) {
        f.client.publish(f.topic, JSON.stringify(batch.slice(i, i + 500)), { qos: 0 });
      }
    }
  }, intervalMs);
  return {
    victims: fleets
      .filter((f) => f.victim)
      .map((f) => ({ org: f.orgSlug, device: f.victim!.name, ip: f.victim!.ipAddresses[0] })),
    stop: async () => {
      clearInterval(timer);
      for (const f of fleets) await f.client.endAsync();
    },
  };
}
