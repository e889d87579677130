import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/modules/tenancy';
import { loadIotRecords } from '../../src/modules/vulnerabilities/domain/iot-digest.test-support';
import { type Store, tables } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';
import { sharedData } from '../support/shared-data';

const kevPath = sharedData('vuln/kev.json');
const iotPath = sharedData('vuln/iot-cves.json');

/** A device created by API or imported from a file has its findings at once, not at the next assessment. */
describe.skipIf(!kevPath || !iotPath)('findings of created and imported devices', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  let cookie: string;

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    app = await testApp(world);
    cookie = await signIn(app, world.users['acme-admin'].email);
    const s = world.services;
    await s.feeds.importKev('cli', readFileSync(kevPath!));
    await s.feeds.importCveRecords('cli', loadIotRecords(readFileSync(iotPath!, 'utf8')).records, 'iot');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const findingsOf = async (deviceId: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/devices/${deviceId}/findings`,
      headers: { cookie },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as { ref: string; kind: string; status: string }[];
  };
  const deviceIdByName = async (name: string) => {
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    return (await world.services.inventory.allDevices(ctx.scope)).find((d) => d.name === name)?.id as string;
  };

  it('a device created over the API has its CVE and configuration findings immediately', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { cookie },
      payload: {
        name: 'dock-cam',
        kind: 'camera',
        vendor: 'Hikvision',
        product: 'DS-2CD2143G0-I',
        firmwareVersion: 'V5.5.0 build 170725',
        internetExposed: true,
        credentialState: 'default',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const fs = await findingsOf(res.json().id);
    expect(fs.find((f) => f.ref === 'CVE-2021-36260')?.kind).toBe('vuln');
    expect(fs.some((f) => f.kind === 'config' && f.ref === 'CFG-DEFAULT-CREDENTIALS')).toBe(true);
  });

  it('every device of an import has its findings in the same transaction', async () => {
    const csv =
      'name,kind,vendor,product,firmwareVersion,serial,credentialState,internetExposed,secureBoot\n' +
      'gate-cam,camera,Hikvision,DS-2CD2143G0-I,V5.5.0 build 170725,IMP-1,default,true,\n' +
      'hall-sensor,sensor,Acme,Thermo 1,1.0,IMP-2,unique,false,false\n';
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/devices/import',
      headers: { cookie, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().created).toBe(2);
    const cam = await findingsOf(await deviceIdByName('gate-cam'));
    expect(cam.map((f) => f.ref)).toContain('CVE-2021-36260');
    expect(cam.map((f) => f.ref)).toContain('CFG-DEFAULT-CREDENTIALS');
    // The sensor is assessed too: its one configuration weakness is found, and nothing it does not have.
    const sensor = await findingsOf(await deviceIdByName('hall-sensor'));
    expect(sensor.map((f) => f.ref)).toContain('CFG-NO-SECURE-BOOT');
    expect(sensor.filter((f) => f.kind === 'vuln')).toEqual([]);
    expect(sensor.map((f) => f.ref)).not.toContain('CFG-DEFAULT-CREDENTIALS');
  });

  it('a refused import leaves neither devices nor findings', async () => {
    const before = (await store.db.select().from(tables.findings)).length;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/devices/import',
      headers: { cookie, 'content-type': 'text/csv' },
      payload:
        'name,kind,vendor,product,serial,credentialState\n' +
        'yard-cam,camera,Hikvision,DS-2CD2143G0-I,IMP-3,default\n' +
        'dupe,camera,Hikvision,DS-2CD2143G0-I,IMP-1,default\n',
    });
    expect(res.statusCode).toBe(400);
    expect(await deviceIdByName('yard-cam')).toBeUndefined();
    expect((await store.db.select().from(tables.findings)).length).toBe(before);
  });
});
