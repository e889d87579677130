/**
 * A real CoverWatch server for browser tests: PGlite in memory, the seeded world of
 * test/support/harness.ts (acme and clinic insured, an insurer related to acme only), a fleet of
 * devices in each, and the built dashboard on the same port as the API.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/server/app';
import { Metrics } from '../../src/server/metrics';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, type World } from '../support/harness';

export interface E2EServer {
  world: World;
  base: string;
  /** Devices created in acme, by name. */
  acmeDevices: Map<string, string>;
  acmeSite: { id: string; name: string };
  clinicDeviceNames: string[];
  close(): Promise<void>;
}

type App = Awaited<ReturnType<typeof buildApp>>;

const ACME = [
  {
    name: 'lobby-cam-01',
    kind: 'camera',
    vendor: 'Hikvision',
    product: 'DS-2CD2143G0-I',
    criticality: 'medium',
    internetExposed: true,
    credentialState: 'default',
    ipAddresses: ['10.1.0.11'],
  },
  {
    name: 'lobby-cam-02',
    kind: 'camera',
    vendor: 'Hikvision',
    product: 'DS-2CD2143G0-I',
    criticality: 'low',
    ipAddresses: ['10.1.0.12'],
  },
  {
    name: 'yard-cam-03',
    kind: 'camera',
    vendor: 'Axis',
    product: 'P1455-LE',
    criticality: 'medium',
    ipAddresses: ['10.1.0.13'],
  },
  {
    name: 'press-line-plc',
    kind: 'plc',
    vendor: 'Siemens',
    product: 'SIMATIC S7-1200',
    model: 'CPU 1214C',
    firmwareVersion: '4.4.0',
    serial: 'S7-0001',
    criticality: 'critical',
    safetyCritical: true,
    dataHeld: 'operational',
    networkSegment: 'ot-cell-1',
    segmentedFromOffice: false,
    openServices: [
      { port: 102, protocol: 'tcp', service: 's7comm' },
      { port: 80, protocol: 'tcp', service: 'http' },
    ],
    supportEndDate: '2025-06-30',
    secureBoot: false,
    encryptedTransport: false,
    updateMechanism: 'manual',
    macAddresses: ['00:1b:1b:aa:bb:01'],
    ipAddresses: ['10.20.0.5'],
  },
  {
    name: 'paint-shop-plc',
    kind: 'plc',
    vendor: 'Rockwell',
    product: 'CompactLogix 5380',
    criticality: 'high',
    ipAddresses: ['10.20.0.6'],
  },
  {
    name: 'line-hmi',
    kind: 'hmi',
    vendor: 'Siemens',
    product: 'KTP700 Basic',
    criticality: 'high',
    ipAddresses: ['10.20.0.7'],
  },
  {
    name: 'edge-router',
    kind: 'router',
    vendor: 'MikroTik',
    product: 'RB4011',
    criticality: 'high',
    internetExposed: true,
    ipAddresses: ['192.0.2.1'],
  },
] as const;

const CLINIC = [
  {
    name: 'ward-pump-07',
    kind: 'infusion_pump',
    vendor: 'Baxter',
    product: 'Sigma Spectrum',
    criticality: 'critical',
  },
  {
    name: 'mri-suite-console',
    kind: 'imaging',
    vendor: 'Siemens Healthineers',
    product: 'MAGNETOM',
    criticality: 'critical',
  },
] as const;

async function post(app: App, cookie: string, url: string, payload: unknown): Promise<{ id: string }> {
  const res = await app.inject({ method: 'POST', url, headers: { cookie }, payload: payload as object });
  if (res.statusCode !== 201) throw new Error(`seed ${url} failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function startServer(): Promise<E2EServer> {
  const store: Store = await freshStore('pglite');
  const world = await seedWorld(store);
  const app = await buildApp({ services: world.services, metrics: new Metrics(), serveWeb: true });

  const acme = await signIn(app, world.users['acme-admin'].email);
  const site = await post(app, acme, '/api/v1/sites', { name: 'Plant A', country: 'DE' });
  const acmeDevices = new Map<string, string>();
  for (const d of ACME) {
    const created = await post(app, acme, '/api/v1/devices', { ...d, siteId: site.id });
    acmeDevices.set(d.name, created.id);
  }
  // A device that reported state over telemetry has a last-seen time and a recorded firmware change.
  const plc = acmeDevices.get('press-line-plc')!;
  await world.services.inventory.applyState(
    world.services.tenancy.scope(world.orgs.acme),
    plc,
    { firmwareVersion: '4.5.2', at: new Date('2026-11-01T08:30:00Z') },
    'mqtt:gw-1',
  );
  const clinic = await signIn(app, world.users['clinic-admin'].email);
  for (const d of CLINIC) await post(app, clinic, '/api/v1/devices', d);

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    world,
    base: `http://127.0.0.1:${port}`,
    acmeDevices,
    acmeSite: { id: site.id, name: 'Plant A' },
    clinicDeviceNames: CLINIC.map((d) => d.name),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
