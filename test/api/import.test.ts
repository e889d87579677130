import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';

describe('device import over the API', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  let cookie: string;
  const total = async () =>
    (await app.inject({ method: 'GET', url: '/api/v1/devices?limit=1', headers: { cookie } })).json()
      .total as number;
  const post = (body: string | Buffer, type = 'text/csv') =>
    app.inject({
      method: 'POST',
      url: '/api/v1/devices/import',
      headers: { cookie, 'content-type': type },
      payload: body,
    });

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    app = await testApp(world);
    cookie = await signIn(app, world.users['acme-admin'].email);
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('imports a good CSV, creating its sites, and audits it', async () => {
    const res = await post(
      'name,kind,vendor,product,serial,site\ncam-1,camera,Hikvision,DS,S-1,Plant A\nplc-1,plc,Siemens,S7,S-2,Plant B\n',
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ created: 2, sitesCreated: ['Plant A', 'Plant B'] });
    expect(await total()).toBe(2);
    const audit = (
      await app.inject({ method: 'GET', url: '/api/v1/audit?entity=device', headers: { cookie } })
    ).json();
    expect(audit.items[0]).toMatchObject({ action: 'import', details: { created: 2 } });
  });

  it('imports JSON sent as application/json, keeping its byte offsets for errors', async () => {
    const ok = await post(
      JSON.stringify([{ name: 'j-1', kind: 'sensor', vendor: 'V', product: 'P', site: 'Plant A' }]),
      'application/json',
    );
    expect(ok.statusCode, ok.body).toBe(201);
    const bad = await post('[{"name": "x",, }]', 'application/json');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/byte offset/);
  });

  it('rejects a file whose serial already exists, importing none of its rows', async () => {
    const before = await total();
    const res = await post('name,kind,vendor,product,serial\nnew-1,camera,V,P,S-NEW\ndup,camera,V,P,S-1\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([expect.objectContaining({ line: 3, field: 'serial' })]);
    expect(await total()).toBe(before);
  });

  it('rejects wrong types with line and field, importing nothing', async () => {
    const before = await total();
    const res = await post('name,kind,vendor,product,criticality\na,camera,V,P,extreme\nb,camera,V,P,low\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([expect.objectContaining({ line: 2, field: 'criticality' })]);
    expect(await total()).toBe(before);
  });

  it('refuses a 50 MB file with 413 and a clear message', async () => {
    const before = await total();
    const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toMatch(/larger than this route accepts/);
    expect(await total()).toBe(before);
  });

  it('refuses binary junk naming the byte offset', async () => {
    const res = await post(
      Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x00, 0xff]),
      'application/octet-stream',
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ offset: 5 });
  });

  it('exports what it imported in the same layout (round trip)', async () => {
    const exported = await app.inject({
      method: 'GET',
      url: '/api/v1/devices/export?format=csv',
      headers: { cookie },
    });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toMatch(/attachment/);
    const other = await signIn(app, world.users['clinic-admin'].email);
    const back = await app.inject({
      method: 'POST',
      url: '/api/v1/devices/import',
      headers: { cookie: other, 'content-type': 'text/csv' },
      payload: exported.body,
    });
    expect(back.statusCode, back.body).toBe(201);
    expect(back.json().created).toBe(await total());
  });
});
