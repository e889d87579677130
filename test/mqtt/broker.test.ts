import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core';
import { systemActor } from '../../src/modules/tenancy';
import { Ingest } from '../../src/server/ingest';
import { Metrics } from '../../src/server/metrics';
import { connectExternalBroker, type MessageBus, startEmbeddedBroker } from '../../src/server/mqtt';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, type World } from '../support/harness';

const waitFor = async (check: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
};

async function setup(world: World) {
  const { tenancy, inventory, credentials } = world.services;
  const ctx = await tenancy.context(systemActor(world.orgs.acme, 'insured'));
  const device = await inventory.createDevice(ctx, {
    name: 'cam-1',
    kind: 'camera',
    vendor: 'Hikvision',
    product: 'DS-2CD',
    firmwareVersion: 'V5.5.0',
    ipAddresses: ['10.0.0.9'],
    macAddresses: [],
    internetExposed: false,
    criticality: 'low',
    safetyCritical: false,
    dataHeld: 'none',
    credentialState: 'unknown',
    openServices: [],
    updateMechanism: 'unknown',
    status: 'active',
  });
  const cam = await credentials.create(ctx, { clientName: 'cam-1', kind: 'device', deviceId: device.id });
  const other = await credentials.create(ctx, { clientName: 'cam-2', kind: 'device' });
  const clinicCtx = await tenancy.context(systemActor(world.orgs.clinic, 'insured'));
  const foreign = await credentials.create(clinicCtx, { clientName: 'cam-1', kind: 'device' });
  return { ctx, device, cam, other, foreign, acmeSlug: ctx.org.slug, clinicSlug: clinicCtx.org.slug };
}

describe('embedded MQTT broker', () => {
  let store: Store;
  let world: World;
  let bus: MessageBus;
  let metrics: Metrics;
  let s: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    s = await setup(world);
    metrics = new Metrics();
    bus = await startEmbeddedBroker(0, '127.0.0.1', {
      credentials: world.services.credentials,
      metrics,
      logger: silentLogger(),
    });
    new Ingest(world.services, metrics, silentLogger()).attach(bus);
  });
  afterAll(async () => {
    await bus?.close();
    await store?.close();
  });

  const connect = (username: string, password: string) =>
    mqtt.connectAsync(bus.url, {
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
    });

  it('refuses a bad password and an unknown user', async () => {
    await expect(connect(s.cam.username, 'wrong')).rejects.toThrow(/bad user ?name or password/i);
    await expect(connect('nobody.none', s.cam.password)).rejects.toThrow();
  });

  it('a state message updates firmware, services and last seen, and records the change', async () => {
    const c = await connect(s.cam.username, s.cam.password);
    await c.publishAsync(
      `cw/${s.acmeSlug}/cam-1/state`,
      JSON.stringify({
        firmwareVersion: 'V5.7.3',
        openServices: [{ port: 23, protocol: 'tcp', service: 'telnet' }],
      }),
      { qos: 1 },
    );
    const ok = await waitFor(
      async () => (await world.services.inventory.getDevice(s.ctx, s.device.id)).firmwareVersion === 'V5.7.3',
    );
    expect(ok).toBe(true);
    const d = await world.services.inventory.getDevice(s.ctx, s.device.id);
    expect(d.openServices).toEqual([{ port: 23, protocol: 'tcp', service: 'telnet' }]);
    expect(d.lastSeenAt).not.toBeNull();
    const history = await world.services.inventory.deviceHistory(s.ctx, s.device.id);
    expect(history[0].change.firmwareVersion).toEqual({ from: 'V5.5.0', to: 'V5.7.3' });
    expect(history[0].source).toBe(`mqtt:${s.cam.username}`);
    await c.endAsync();
  });

  it('refuses a publish outside the client topic and never applies it', async () => {
    const c = await connect(s.other.username, s.other.password);
    const refusedBefore =
      (await metrics.registry.getSingleMetric('coverwatch_mqtt_refused_total')!.get()).values.find(
        (v) => v.labels.what === 'publish',
      )?.value ?? 0;
    // cam-2 tries to speak for cam-1, and for a device of another organisation. A refused PUBLISH is
    // dropped and (MQTT 3.1.1) the client disconnected, so publish at QoS 0 and do not wait for an ack.
    c.publish(`cw/${s.acmeSlug}/cam-1/state`, JSON.stringify({ firmwareVersion: 'EVIL' }), { qos: 0 });
    await new Promise((r) => setTimeout(r, 300));
    c.end(true);
    const c2 = await connect(s.other.username, s.other.password);
    c2.publish(`cw/${s.clinicSlug}/cam-1/state`, JSON.stringify({ firmwareVersion: 'EVIL' }), { qos: 0 });
    await new Promise((r) => setTimeout(r, 300));
    c2.end(true);
    await new Promise((r) => setTimeout(r, 500));
    expect((await world.services.inventory.getDevice(s.ctx, s.device.id)).firmwareVersion).not.toBe('EVIL');
    const refusedAfter =
      (await metrics.registry.getSingleMetric('coverwatch_mqtt_refused_total')!.get()).values.find(
        (v) => v.labels.what === 'publish',
      )?.value ?? 0;
    expect(refusedAfter - refusedBefore).toBe(2);
  });

  it('lets a client subscribe to its own commands only', async () => {
    const c = await connect(s.cam.username, s.cam.password);
    // mqtt.js rejects a SUBACK with refused filters; the packet still carries every return code.
    const suback = await c
      .subscribeAsync([`cw/${s.acmeSlug}/cam-1/commands`, `cw/${s.acmeSlug}/cam-2/commands`, 'cw/#'])
      .then(() => null)
      .catch((e: { packet?: { granted: number[] } }) => e.packet?.granted);
    expect(suback).toEqual([0, 128, 128]);
    const got = new Promise<string>((resolve) => c.on('message', (topic, p) => resolve(`${topic} ${p}`)));
    await bus.publishCommand(`cw/${s.acmeSlug}/cam-1/commands`, { action: 'isolate' });
    await expect(got).resolves.toBe(`cw/${s.acmeSlug}/cam-1/commands {"action":"isolate"}`);
    await c.endAsync();
  });

  it('counts a malformed state message and keeps processing the stream', async () => {
    const c = await connect(s.cam.username, s.cam.password);
    await c.publishAsync(`cw/${s.acmeSlug}/cam-1/state`, 'not json', { qos: 1 });
    await c.publishAsync(`cw/${s.acmeSlug}/cam-1/state`, JSON.stringify({ firmwareVersion: 7 }), { qos: 1 });
    await c.publishAsync(`cw/${s.acmeSlug}/cam-1/state`, JSON.stringify({ firmwareVersion: 'V5.8.0' }), {
      qos: 1,
    });
    const ok = await waitFor(
      async () => (await world.services.inventory.getDevice(s.ctx, s.device.id)).firmwareVersion === 'V5.8.0',
    );
    expect(ok).toBe(true);
    const rejected = (
      await metrics.registry.getSingleMetric('coverwatch_ingest_rejected_records_total')!.get()
    ).values;
    expect(rejected.reduce((n, v) => n + v.value, 0)).toBeGreaterThanOrEqual(2);
    await c.endAsync();
  });

  it('revoked credentials can no longer connect', async () => {
    await world.services.credentials.revoke(s.ctx, s.other.id);
    await expect(connect(s.other.username, s.other.password)).rejects.toThrow();
  });
});

describe('external MQTT broker (the machine Mosquitto on 127.0.0.1:1883)', () => {
  const url = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  let store: Store;
  let world: World;
  let bus: MessageBus;
  let s: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    s = await setup(world);
    const metrics = new Metrics();
    bus = await connectExternalBroker(
      url,
      { credentials: world.services.credentials, metrics, logger: silentLogger() },
      `test-${Date.now()}`,
    );
    new Ingest(world.services, metrics, silentLogger()).attach(bus);
  });
  afterAll(async () => {
    await bus?.close();
    await store?.close();
  });

  it('receives state through a shared subscription and updates the device', async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    await c.publishAsync(`cw/${s.acmeSlug}/cam-1/state`, JSON.stringify({ firmwareVersion: 'V9.9.9' }), {
      qos: 1,
    });
    const ok = await waitFor(
      async () => (await world.services.inventory.getDevice(s.ctx, s.device.id)).firmwareVersion === 'V9.9.9',
    );
    expect(ok).toBe(true);
    await c.endAsync();
  });

  it('ignores topics that name no client with live credentials', async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    await c.publishAsync(
      `cw/${s.acmeSlug}/ghost/state`,
      JSON.stringify({ deviceId: s.device.id, firmwareVersion: 'GHOST' }),
      { qos: 1 },
    );
    await new Promise((r) => setTimeout(r, 800));
    expect((await world.services.inventory.getDevice(s.ctx, s.device.id)).firmwareVersion).not.toBe('GHOST');
    await c.endAsync();
  });

  it('delivers commands to gateways through the broker', async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    await c.subscribeAsync(`cw/${s.acmeSlug}/cam-1/commands`, { qos: 1 });
    const got = new Promise<string>((resolve) => c.on('message', (_t, p) => resolve(p.toString())));
    await bus.publishCommand(`cw/${s.acmeSlug}/cam-1/commands`, { action: 'release' });
    await expect(got).resolves.toBe('{"action":"release"}');
    await c.endAsync();
  });
});
