import { inflateSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core';
import { LiveDetection } from '../../src/modules/alerts';
import { FlowDetector, PacketDetector } from '../../src/modules/detection';
import { type FlowRecord, writePcap } from '../../src/modules/telemetry';
import { systemActor } from '../../src/modules/tenancy';
import { type Store, tables } from '../../src/store';
import { cameraPolling } from '../support/captures';
import { freshStore, seedWorld, type World } from '../support/harness';

/** The camera polling of test/support/captures.ts, `n` packets from `t0`, as one pcap batch. */
const polling = (t0: number, n: number): Uint8Array => writePcap(cameraPolling(t0, n));

/**
 * The live path keeps each sensor's packet model in the database (detector_snapshots), so a restarted
 * server continues from it instead of training on the sensor's next 20,000 packets again.
 */
describe('live packet models survive a restart', () => {
  let store: Store;
  let world: World;
  const T0 = 1_800_000_000;
  const live = () =>
    new LiveDetection(world.services.alerts, world.clock, silentLogger(), { packetTrainPackets: 600 });
  const stored = async () =>
    store.db
      .select()
      .from(tables.detectorSnapshots)
      .where(eq(tables.detectorSnapshots.orgId, world.orgs.acme));

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('stores the model on stop and restores it, trained, in the next process', async () => {
    const first = live();
    expect(await first.packets(world.orgs.acme, 'gw-1', polling(T0, 800))).toEqual({
      packets: 800,
      error: null,
    });
    expect(first.sensorModel(world.orgs.acme, 'gw-1')).toEqual({ packets: 800, trained: true });
    await first.stop();
    const rows = (await stored()).filter((r) => r.key.startsWith('packets:'));
    expect(rows.map((r) => r.key)).toEqual(['packets:gw-1']);

    expect(PacketDetector.restore(inflateSync(rows[0].state)).processedPackets).toBe(800);

    // A new process: the sensor's next batch continues the stored model (a new one would have seen 200
    // packets and be training).
    const second = live();
    expect(await second.packets(world.orgs.acme, 'gw-1', polling(T0 + 40, 200))).toEqual({
      packets: 200,
      error: null,
    });
    expect(second.sensorModel(world.orgs.acme, 'gw-1')).toEqual({ packets: 1000, trained: true });
    await second.stop();
    const again = (await stored()).find((r) => r.key === 'packets:gw-1')!;
    expect(again.takenAt.getTime()).toBeGreaterThanOrEqual(rows[0].takenAt.getTime());
    expect(PacketDetector.restore(inflateSync(again.state)).processedPackets).toBe(1000);
  });

  it('keeps one model per sensor, and a sensor that sent nothing since is not stored again', async () => {
    const a = live();
    await a.packets(world.orgs.acme, 'gw-2', polling(T0, 100));
    expect(a.sensorModel(world.orgs.acme, 'gw-2')).toEqual({ packets: 100, trained: false });
    expect(await a.saveModels()).toBeGreaterThanOrEqual(1);
    expect(await a.saveModels()).toBe(0);
    await a.stop();
    const keys = (await stored()).map((r) => r.key).filter((k) => k.startsWith('packets:'));
    expect(keys.sort()).toEqual(['packets:gw-1', 'packets:gw-2']);
  });

  it('continues the flow detector from the store: a C&C beacon split by a restart is named as without one', async () => {
    // A device calling an IRC server every 10 s (answered), 40 times; restart after the 12th call.
    const calls = Array.from({ length: 40 }, (_, i) => ({
      uid: `irc-${i}`,
      ts: T0 + i * 10 + (i % 3) * 0.1,
      origHost: '10.0.0.30',
      origPort: 41_000 + i,
      respHost: '185.244.25.235',
      respPort: 6667,
      proto: 'tcp',
      duration: 1.1,
      origBytes: 75,
      respBytes: 243,
      connState: 'S3',
      history: 'ShAdDaf',
      origPkts: 7,
      respPkts: 5,
    }));
    const beaconAlerts = async (orgId: string) => {
      const ctx = await world.services.tenancy.context(systemActor(orgId, 'insured'));
      const { items } = await world.services.alerts.list(
        ctx,
        { behaviour: 'cnc_beacon' },
        { limit: 10, offset: 0 },
      );
      return items.map((a) => ({ subject: a.subject, firstSeen: a.firstSeen, count: a.count }));
    };
    // Without a restart (the insurer organisation's own detector, for comparison).
    const whole = live();
    for (const c of calls) await whole.flows(world.orgs.insurer, [{ ...c }]);
    await whole.stop();
    const expected = await beaconAlerts(world.orgs.insurer);
    expect(expected).toHaveLength(1);

    const before = live();
    for (const c of calls.slice(0, 12)) await before.flows(world.orgs.clinic, [{ ...c }]);
    await before.stop();
    const [beforeRestart] = await beaconAlerts(world.orgs.clinic);
    const after = live();
    for (const c of calls.slice(12)) await after.flows(world.orgs.clinic, [{ ...c }]);
    await after.stop();
    expect(await beaconAlerts(world.orgs.clinic)).toEqual(expected);
    // The restored detector marks every call after the restart.
    const restoredMarked = expected[0].count - beforeRestart.count;
    expect(restoredMarked).toBe(calls.length - 12);

    // A new detector for the second part alone names the beacon later, if at all: it marks fewer of the
    // same calls than the restored one.
    const fresh = new FlowDetector({ thresholds: { alertGapSeconds: 30 } });
    const record = (c: (typeof calls)[number]): FlowRecord => ({
      service: null,
      localOrig: null,
      localResp: null,
      missedBytes: 0,
      origIpBytes: null,
      respIpBytes: null,
      ...c,
    });
    const freshMarked = calls.slice(12).filter((c) => fresh.score(record(c)).alert).length;
    expect(freshMarked).toBeLessThan(restoredMarked);
  });

  it('tries a failed store again at the next save', async () => {
    const a = live();
    await a.packets(world.orgs.acme, 'gw-3', polling(T0, 60));
    const { alerts } = world.services;
    const save = alerts.saveDetectorState.bind(alerts);
    let fail = true;
    alerts.saveDetectorState = async (...args) => {
      if (fail) {
        fail = false;
        throw new Error('database went away');
      }
      return save(...args);
    };
    try {
      await expect(a.saveModels()).rejects.toThrow('database went away');
      expect((await stored()).some((r) => r.key === 'packets:gw-3')).toBe(false);
      expect(await a.saveModels()).toBeGreaterThanOrEqual(1);
      expect((await stored()).some((r) => r.key === 'packets:gw-3')).toBe(true);
    } finally {
      alerts.saveDetectorState = save;
    }
    await a.stop();
  });

  it('trains a new model when the stored one cannot be read, and says so in the log', async () => {
    await store.db
      .update(tables.detectorSnapshots)
      .set({ state: new Uint8Array([1, 2, 3, 4]) })
      .where(eq(tables.detectorSnapshots.key, 'packets:gw-2'));
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    const c = new LiveDetection(world.services.alerts, world.clock, logger, { packetTrainPackets: 600 });
    expect(await c.packets(world.orgs.acme, 'gw-2', polling(T0, 50))).toEqual({ packets: 50, error: null });
    expect(c.sensorModel(world.orgs.acme, 'gw-2')).toEqual({ packets: 50, trained: false });
    expect(warnings).toEqual(['stored detector state unreadable; starting a new one']);
    await c.stop();
  });
});
