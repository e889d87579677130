import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core';
import { loadDemo } from '../../src/demo';
import { startSimulator } from '../../src/demo/simulator';
import type { FlowRecord } from '../../src/modules/telemetry';
import { Metrics } from '../../src/server/metrics';
import { type MessageBus, startEmbeddedBroker } from '../../src/server/mqtt';
import { createServices, type Services } from '../../src/server/services';
import type { Store } from '../../src/store';
import { freshStore } from '../support/harness';

/**
 * The demo simulator over a real (embedded) broker: `coverwatch serve` gives each start its own traffic
 * seed, so a restarted demo does not replay the same scan addresses, while the infected camera stays the
 * one the seed picks.
 */
describe('demo fleet simulator', () => {
  let store: Store;
  let services: Services;
  let bus: MessageBus;
  const published: FlowRecord[] = [];

  beforeAll(async () => {
    store = await freshStore('pglite');
    services = createServices(store, systemClock, silentLogger());
    await loadDemo(services, { password: 'demo-password-1' });
    bus = await startEmbeddedBroker(0, '127.0.0.1', {
      credentials: services.credentials,
      metrics: new Metrics(),
      logger: silentLogger(),
    });
    bus.onMessage(async (m) => {
      if (m.channel === 'flows')
        published.push(...(JSON.parse(Buffer.from(m.payload).toString()) as FlowRecord[]));
    });
  });
  afterAll(async () => {
    await bus?.close();
    await store?.close();
  });

  /** The infected camera and the telnet scan targets of the first published batches of one start. */
  async function run(trafficSeed?: number) {
    published.length = 0;
    const sim = await startSimulator(
      services,
      { mqttUrl: bus.url, orgSlugs: ['acme'], infectAfterSeconds: 0, intervalMs: 100, seed: 7, trafficSeed },
      systemClock,
      silentLogger(),
    );
    const victim = sim.victims[0];
    const deadline = Date.now() + 10_000;
    const scans = () =>
      published.filter((f) => f.origHost === victim.ip && (f.respPort === 23 || f.respPort === 2323));
    while (scans().length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sim.stop();
    return {
      victim: victim.device,
      targets: scans()
        .slice(0, 20)
        .map((f) => f.respHost),
    };
  }

  it('keeps the infected camera across traffic seeds, and scans other addresses with another seed', async () => {
    const a = await run(1);
    const again = await run(1);
    const b = await run(2);
    expect(a.targets).toHaveLength(20);
    expect(again).toEqual(a);
    expect(b.victim).toBe(a.victim);
    expect(b.targets.filter((t) => a.targets.includes(t))).toEqual([]);
    // Without a traffic seed the camera seed drives both, as before (tests and `coverwatch demo`).
    expect((await run()).victim).toBe(a.victim);
  }, 60_000);
});
