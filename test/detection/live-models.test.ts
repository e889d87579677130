import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core';
import { LiveDetection } from '../../src/modules/alerts';
import { detectorSnapshots } from '../../src/modules/alerts/schema';
import { PacketDetector } from '../../src/modules/detection';
import { writePcap } from '../../src/modules/telemetry';
import type { Store } from '../../src/store';
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
    store.db.select().from(detectorSnapshots).where(eq(detectorSnapshots.orgId, world.orgs.acme));

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
    const rows = await stored();
    expect(rows.map((r) => r.key)).toEqual(['packets:gw-1']);

    expect(PacketDetector.restore(rows[0].state).processedPackets).toBe(800);

    // A new process: the sensor's next batch continues the stored model (a new one would have seen 200
    // packets and be training).
    const second = live();
    expect(await second.packets(world.orgs.acme, 'gw-1', polling(T0 + 40, 200))).toEqual({
      packets: 200,
      error: null,
    });
    expect(second.sensorModel(world.orgs.acme, 'gw-1')).toEqual({ packets: 1000, trained: true });
    await second.stop();
    expect((await stored())[0].takenAt.getTime()).toBeGreaterThanOrEqual(rows[0].takenAt.getTime());
    expect(PacketDetector.restore((await stored())[0].state).processedPackets).toBe(1000);
  });

  it('keeps one model per sensor, and a sensor that sent nothing since is not stored again', async () => {
    const a = live();
    await a.packets(world.orgs.acme, 'gw-2', polling(T0, 100));
    expect(a.sensorModel(world.orgs.acme, 'gw-2')).toEqual({ packets: 100, trained: false });
    expect(await a.saveModels()).toBe(1);
    expect(await a.saveModels()).toBe(0);
    await a.stop();
    expect((await stored()).map((r) => r.key).sort()).toEqual(['packets:gw-1', 'packets:gw-2']);
  });

  it('trains a new model when the stored one cannot be read, and says so in the log', async () => {
    await store.db
      .update(detectorSnapshots)
      .set({ state: new Uint8Array([1, 2, 3, 4]) })
      .where(eq(detectorSnapshots.key, 'packets:gw-2'));
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    const c = new LiveDetection(world.services.alerts, world.clock, logger, { packetTrainPackets: 600 });
    expect(await c.packets(world.orgs.acme, 'gw-2', polling(T0, 50))).toEqual({ packets: 50, error: null });
    expect(c.sensorModel(world.orgs.acme, 'gw-2')).toEqual({ packets: 50, trained: false });
    expect(warnings).toEqual(['stored packet model unreadable; training a new one']);
    await c.stop();
  });
});
