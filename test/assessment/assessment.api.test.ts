import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/modules/tenancy';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';
import { sharedData } from '../support/shared-data';

const kevPath = sharedData('vuln/kev.json');

describe.skipIf(!kevPath)('assessment API', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  const cookie: Record<string, string> = {};
  let cameraId: string;

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    app = await testApp(world);
    for (const k of ['acme-admin', 'acme-viewer', 'insurer-admin', 'insurer-underwriter', 'clinic-admin'])
      cookie[k] = await signIn(app, world.users[k].email);
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    const cam = await world.services.inventory.createDevice(ctx, {
      name: 'lobby-cam',
      kind: 'camera',
      vendor: 'Hikvision',
      product: 'DS-2CD2143G0-I',
      firmwareVersion: 'V5.5.0 build 170725',
      ipAddresses: [],
      macAddresses: [],
      internetExposed: true,
      criticality: 'medium',
      safetyCritical: false,
      dataHeld: 'personal',
      credentialState: 'default',
      openServices: [{ port: 80, protocol: 'tcp', service: 'http' }],
      updateMechanism: 'manual',
      status: 'active',
    });
    cameraId = cam.id;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const get = (url: string, who = 'acme-admin') =>
    app.inject({ method: 'GET', url, headers: { cookie: cookie[who] } });

  it('a KEV file with a syntax error is refused with its byte offset; nothing is stored', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/feeds/kev',
      headers: { cookie: cookie['acme-admin'], 'content-type': 'application/json' },
      payload: '{"catalogVersion": "x",, }',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].offset).toBe(23);
    const feeds = (await get('/api/v1/feeds')).json().items;
    expect(feeds.find((f: { kind: string }) => f.kind === 'kev').records).toBe(0);
  });

  it('an insurer administrator imports the full KEV catalogue; every organisation is re-assessed', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/feeds/kev',
      headers: { cookie: cookie['insurer-admin'], 'content-type': 'application/json' },
      payload: readFileSync(kevPath!),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().imported).toBe(1404);
    const kev = (await get('/api/v1/feeds', 'acme-viewer'))
      .json()
      .items.find((f: { kind: string }) => f.kind === 'kev');
    expect(kev.records).toBe(1404);
    expect(kev.lastImport.importedBy).toMatch(/^user:/);
    const findings = (await get(`/api/v1/devices/${cameraId}/findings`)).json().items;
    expect(findings.find((f: { ref: string }) => f.ref === 'CVE-2021-36260')?.status).toBe('needs_review');
  });

  it('findings filter by KEV and kind; another organisation gets 404 for the device', async () => {
    const kevOnly = (await get('/api/v1/findings?kev=true&limit=500')).json();
    expect(kevOnly.total).toBeGreaterThan(0);
    expect(kevOnly.items.every((f: { kev: unknown }) => f.kev !== null)).toBe(true);
    const config = (await get('/api/v1/findings?kind=config&limit=500')).json();
    expect(config.items.map((f: { ref: string }) => f.ref)).toContain('CFG-DEFAULT-CREDENTIALS');
    expect((await get(`/api/v1/devices/${cameraId}/findings`, 'clinic-admin')).statusCode).toBe(404);
    expect((await get('/api/v1/findings', 'clinic-admin')).json().total).toBe(0);
  });

  it('risk: score, factors, recommendations, history after an assessment; device risk', async () => {
    world.clock.advance(3_600_000);
    const run = await app.inject({
      method: 'POST',
      url: '/api/v1/assessments',
      headers: { cookie: cookie['acme-admin'] },
    });
    expect(run.statusCode).toBe(201);
    expect(run.json().devices).toBe(1);
    const risk = (await get('/api/v1/risk')).json();
    expect(risk.score).toBeGreaterThan(0);
    expect(risk.topDevices[0].deviceId).toBe(cameraId);
    expect(risk.recommendations.length).toBeGreaterThan(0);
    const history = (await get('/api/v1/risk/history')).json().items;
    expect(history.at(-1).at).toBe(world.clock.now().toISOString());
    const dev = (await get(`/api/v1/devices/${cameraId}/risk`)).json();
    expect(dev.score).toBeCloseTo(risk.topDevices[0].score, 6);
    // The insurer reads through its relation.
    const asInsurer = await app.inject({
      method: 'GET',
      url: '/api/v1/risk',
      headers: { cookie: cookie['insurer-underwriter'], 'x-org-id': world.orgs.acme },
    });
    expect(asInsurer.json().score).toBeCloseTo(risk.score, 6);
  });

  it('baselines: list, evaluation with the deciding fact, printable HTML report', async () => {
    const list = (await get('/api/v1/baselines')).json().items.map((b: { id: string }) => b.id);
    expect(list).toEqual(
      expect.arrayContaining(['etsi-en-303-645', 'uk-psti', 'nistir-8259a', 'eu-cra-annex-i']),
    );
    const ev = (await get('/api/v1/baselines/uk-psti/evaluation')).json();
    const creds = ev.devices[0].results.find((r: { result: string }) => r.result === 'not_met');
    expect(creds.decidedBy.length).toBeGreaterThan(0);
    const report = await get('/api/v1/baselines/etsi-en-303-645/report');
    expect(report.headers['content-type']).toMatch(/text\/html/);
    expect(report.body).toContain('lobby-cam');
    expect((await get('/api/v1/baselines/nope/report')).statusCode).toBe(404);
  });
});
