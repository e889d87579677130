/**
 * A real CoverWatch server with the live detection path, for browser tests: PGlite in memory, the demo
 * organisations and fleets (src/demo), the embedded MQTT broker, ingest wired into LiveDetection, and
 * the built dashboard on the API's port. The demo simulator (normal traffic, then one camera infected
 * Mirai-style) starts only when the test asks, so a page can be open before the first alert exists.
 */
import type { AddressInfo } from 'node:net';
import { silentLogger, systemClock } from '../../src/core';
import { loadDemo } from '../../src/demo';
import { startSimulator } from '../../src/demo/simulator';
import { LiveDetection } from '../../src/modules/alerts';
import { buildApp } from '../../src/server/app';
import { Ingest } from '../../src/server/ingest';
import { Metrics } from '../../src/server/metrics';
import { type MessageBus, startEmbeddedBroker } from '../../src/server/mqtt';
import { createServices, type Services } from '../../src/server/services';
import { wireDetection } from '../../src/server/start';
import type { Store } from '../../src/store';
import { freshStore } from '../support/harness';

export const DEMO_PASSWORD = 'demo-password-1';

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;

export interface DetectionServer {
  base: string;
  services: Services;
  live: LiveDetection;
  /** Start the demo simulator for acme and riverside; the infected camera starts scanning at once. */
  simulate(): Promise<Simulator>;
  close(): Promise<void>;
}

export async function startDetectionServer(): Promise<DetectionServer> {
  const store: Store = await freshStore('pglite');
  const logger = silentLogger();
  const services = createServices(store, systemClock, logger);
  await loadDemo(services, { password: DEMO_PASSWORD });
  const metrics = new Metrics();
  const app = await buildApp({
    services,
    metrics,
    serveWeb: true,
  });
  const bus: MessageBus = await startEmbeddedBroker(0, '127.0.0.1', {
    credentials: services.credentials,
    metrics,
    logger,
  });
  const ingest = new Ingest(services, metrics, logger);
  ingest.attach(bus);
  // Short alert gap and tick, as test/detection/live.test.ts: windows close within seconds, not minutes.
  const live = new LiveDetection(services.alerts, systemClock, logger, { alertGapSeconds: 2, tickMs: 1000 });
  wireDetection(ingest, live, metrics);
  live.start();

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  let sim: Simulator | null = null;
  return {
    base: `http://127.0.0.1:${port}`,
    services,
    live,
    simulate: async () => {
      sim = await startSimulator(
        services,
        {
          mqttUrl: bus.url,
          orgSlugs: ['acme', 'riverside'],
          infectAfterSeconds: 0,
          intervalMs: 500,
          seed: 11,
        },
        systemClock,
        logger,
      );
      return sim;
    },
    close: async () => {
      await sim?.stop().catch(() => undefined);
      await live.stop().catch(() => undefined);
      await app.close();
      await bus.close();
      await store.close();
    },
  };
}
