import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core';
import { loadDemo } from '../../src/demo';
import { startSimulator } from '../../src/demo/simulator';
import { LiveDetection } from '../../src/modules/alerts';
import { systemActor } from '../../src/modules/tenancy';
import { Ingest } from '../../src/server/ingest';
import { Metrics } from '../../src/server/metrics';
import { type MessageBus, startEmbeddedBroker } from '../../src/server/mqtt';
import { createServices, type Services } from '../../src/server/services';
import { wireDetection } from '../../src/server/start';
import { type Store, tables } from '../../src/store';
import { freshStore } from '../support/harness';

/**
 * The live path end to end: the demo simulator publishes flows over real MQTT to the embedded broker,
 * ingest hands them to detection, alerts are stored and pushed to subscribers.
 */
describe('live detection from MQTT', () => {
  let store: Store;
  let services: Services;
  let bus: MessageBus;
  let live: LiveDetection;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  const pushed: string[] = [];

  beforeAll(async () => {
    store = await freshStore('pglite');
    services = createServices(store, systemClock, silentLogger());
    await loadDemo(services, { password: 'demo-password-1' });
    const metrics = new Metrics();
    bus = await startEmbeddedBroker(0, '127.0.0.1', {
      credentials: services.credentials,
      metrics,
      logger: silentLogger(),
    });
    const ingest = new Ingest(services, metrics, silentLogger());
    ingest.attach(bus);
    live = new LiveDetection(services.alerts, systemClock, silentLogger(), {
      alertGapSeconds: 2,
      tickMs: 1000,
    });
    wireDetection(ingest, live, metrics);
    live.start();
    const acme = await services.tenancy.organisationBySlug('acme');
    services.alertHub.subscribe(acme.id, (a) => pushed.push(a.behaviour));
    sim = await startSimulator(
      services,
      { mqttUrl: bus.url, orgSlugs: ['acme', 'riverside'], infectAfterSeconds: 4, intervalMs: 500, seed: 11 },
      systemClock,
      silentLogger(),
    );
  });
  afterAll(async () => {
    await sim?.stop();
    await live?.stop();
    await bus?.close();
    await store?.close();
  });

  it('names the infected camera scanning telnet, and nothing else', async () => {
    expect(sim.victims).toHaveLength(1);
    const victim = sim.victims[0];
    const acme = await services.tenancy.organisationBySlug('acme');
    const ctx = await services.tenancy.context(systemActor(acme.id, 'insured'));
    const deadline = Date.now() + 60_000;
    let behaviours = new Set<string>();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const { items } = await services.alerts.list(ctx, {}, { limit: 100, offset: 0 });
      behaviours = new Set(items.map((a) => a.behaviour));
      const flows = items.reduce((n, a) => n + a.count, 0);
      if (behaviours.has('port_scan_horizontal') && flows > 50) break;
    }
    await sim.stop();
    await live.drain();
    await new Promise((r) => setTimeout(r, 200)); // pushes go out on the next turn of the event loop
    const { items } = await services.alerts.list(ctx, {}, { limit: 100, offset: 0 });
    expect(items.length).toBeGreaterThan(0);
    for (const a of items) {
      expect(a.subject, `${a.behaviour} on ${a.subject}: ${a.summary}`).toBe(victim.ip);
      expect(a.deviceName).toBe(victim.device);
    }
    // Telnet scanning of random addresses is a horizontal scan. Its first failures may close a small
    // failed-connections window before the sweep passes its own threshold; the sweep then names the rest.
    const scan = items.find((a) => a.behaviour === 'port_scan_horizontal');
    expect(scan?.technique.id).toBe('T1046');
    expect((scan!.evidence.recordIds as string[]).length).toBeGreaterThan(0);
    const failed = items.filter((a) => a.behaviour === 'failed_connections').reduce((n, a) => n + a.count, 0);
    const swept = items
      .filter((a) => a.behaviour === 'port_scan_horizontal')
      .reduce((n, a) => n + a.count, 0);
    expect(swept).toBeGreaterThan(failed);
    expect(items.reduce((n, a) => n + a.count, 0)).toBeGreaterThan(50);
    // Every stored alert was also pushed to the organisation's live stream.
    expect(new Set(pushed)).toEqual(new Set(items.map((a) => a.behaviour)));
    // The ledger holds each alert as raised and, after the drain, as it stands now (versions between
    // are logged at most once a minute, and this run is shorter).
    const ledger = await store.db.select().from(tables.ledgerEntries).orderBy(tables.ledgerEntries.idx);
    for (const a of items) {
      const logged = ledger
        .filter((e) => e.type === 'alert' && e.ref === a.id)
        .map((e) => e.payload as { windows: number; count: number });
      expect(logged[0].windows, a.behaviour).toBe(1);
      expect(logged.at(-1), a.behaviour).toMatchObject({ windows: a.windows, count: a.count });
      expect(logged.length).toBeLessThanOrEqual(a.windows);
    }

    const riverside = await services.tenancy.organisationBySlug('riverside');
    const rctx = await services.tenancy.context(systemActor(riverside.id, 'insured'));
    expect((await services.alerts.list(rctx, {}, { limit: 10, offset: 0 })).total).toBe(0);

    const device = (await services.inventory.allDevices(ctx.scope)).find((d) => d.name === victim.device)!;
    const traffic = await services.alerts.deviceTraffic(ctx, device.id, 1);
    expect(traffic.points.reduce((n, p) => n + p.flows, 0)).toBeGreaterThan(50);
  }, 180_000);
});
