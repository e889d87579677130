import { AppError, type Clock, type Config, createLogger, type Logger, systemClock } from '../core';
import { LiveDetection } from '../modules/alerts';
import { openStore } from '../store';
import { type AppOptions, buildApp } from './app';
import { Ingest } from './ingest';
import { Metrics } from './metrics';
import { connectExternalBroker, type MessageBus, startEmbeddedBroker } from './mqtt';
import { createServices, type Services } from './services';

export interface Running {
  url: string;
  live: LiveDetection;
  mqttUrl: string | null;
  services: Services;
  bus: MessageBus | null;
  ingest: Ingest;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Called once the database is open and before the server listens (demo loading, simulators). */
  beforeListen?: (services: Services) => Promise<void>;
  /** Called after everything listens (simulators that publish over MQTT). */
  afterListen?: (r: Running) => Promise<(() => Promise<void>) | undefined>;
  extraRoutes?: AppOptions['extraRoutes'];
}

/** Start the whole product in this process: database, MQTT, ingest, HTTP API and dashboard. */
export async function startCoverWatch(config: Config, opts: StartOptions = {}): Promise<Running> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
  });
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const services = createServices(store, clock, logger);
    // Ledger signing key in ${DATA_DIR}/keys (also with DATABASE_URL); checkpoints every 10 min when grown.
    services.ledger.setDataDir(config.dataDir);
    services.ledger.signer();
    closers.push(services.ledger.startSchedule(logger));
    const metrics = new Metrics(true);
    if (opts.beforeListen) await opts.beforeListen(services);

    const ingest = new Ingest(services, metrics, logger);
    const live = new LiveDetection(services.alerts, clock, logger);
    wireDetection(ingest, live, metrics);
    live.start();
    closers.push(() => live.stop());
    let bus: MessageBus | null = null;
    if (config.mqttUrl)
      bus = await connectExternalBroker(config.mqttUrl, {
        credentials: services.credentials,
        metrics,
        logger,
      });
    else if (config.mqttPort > 0)
      bus = await startEmbeddedBroker(config.mqttPort, config.host, {
        credentials: services.credentials,
        metrics,
        logger,
      });
    if (bus) {
      closers.push(() => bus!.close());
      ingest.attach(bus);
    }

    const app = await buildApp({
      services,
      metrics,
      ready: async () => bus?.health() ?? null,
      extraRoutes: opts.extraRoutes,
    });
    closers.push(() => app.close());
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new AppError(
          'unavailable',
          `HTTP port ${config.port} is already in use: set PORT to a free port`,
        );
      }
      throw e;
    }
    const address = app.server.address() as { port: number };
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    const running: Running = {
      url: `http://${host}:${address.port}`,
      mqttUrl: bus?.url ?? null,
      services,
      bus,
      ingest,
      live,
      close: closeAll,
    };
    if (opts.afterListen) {
      const stop = await opts.afterListen(running);
      if (stop) closers.push(stop);
    }
    logger.info({ url: running.url, mqtt: running.mqttUrl, database: store.where }, 'CoverWatch is running');
    return running;
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** Flows (JSON batches) and packets (pcap batches) from MQTT into live detection. */
export function wireDetection(ingest: Ingest, live: LiveDetection, metrics: Metrics): void {
  ingest.on('flows', async (m) => {
    let batch: unknown;
    try {
      batch = JSON.parse(m.payload.toString('utf8'));
    } catch (e) {
      throw new Error(`flows payload is not JSON: ${(e as Error).message}`);
    }
    const r = await live.flows(m.identity.orgId, batch);
    for (const x of r.rejected) metrics.ingestRejected.inc({ reason: `flow: ${x.reason}` });
    if (r.accepted === 0 && r.rejected.length)
      throw new Error(`no valid flow in the batch (first: ${r.rejected[0].reason})`);
  });
  ingest.on('packets', async (m) => {
    const r = await live.packets(m.identity.orgId, m.identity.clientName, m.payload);
    if (r.error) throw new Error(`packets batch after ${r.packets} packets: ${r.error}`);
  });
}
