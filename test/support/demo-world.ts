import { ManualClock, silentLogger } from '../../src/core';
import { loadDemo } from '../../src/demo';
import { buildApp } from '../../src/server/app';
import { Metrics } from '../../src/server/metrics';
import { createServices, type Services } from '../../src/server/services';
import type { Store } from '../../src/store';
import { freshStore, PASSWORD, signIn } from './harness';

export interface DemoWorld {
  store: Store;
  services: Services;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Session cookies of Northwind's underwriter, Acme's admin and Riverside's admin, keyed by slug. */
  cookie: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The demo world (src/demo) on a fresh PGlite store, loaded at `at` (Northwind quoted both insureds and
 * bound Acme's policy on 2026-11-02), served over HTTP with its three users signed in.
 */
export async function demoWorld(at = '2026-11-02T09:00:00Z'): Promise<DemoWorld> {
  const store = await freshStore('pglite');
  const services = createServices(store, new ManualClock(at), silentLogger());
  await loadDemo(services, { password: PASSWORD });
  const app = await buildApp({ services, metrics: new Metrics(), serveWeb: false });
  const cookie: Record<string, string> = {
    northwind: await signIn(app, 'underwriter@northwind.example'),
    acme: await signIn(app, 'admin@acme.example'),
    riverside: await signIn(app, 'admin@riverside.example'),
  };
  return {
    store,
    services,
    app,
    cookie,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
