import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';

describe('API smoke', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    app = await testApp(world);
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('signs in, creates and lists a device', async () => {
    const cookie = await signIn(app, world.users['acme-admin'].email);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { cookie },
      payload: {
        name: 'cam-1',
        kind: 'camera',
        vendor: 'Hikvision',
        product: 'DS-2CD2143G0-I',
        ipAddresses: ['10.0.0.5'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const list = await app.inject({ method: 'GET', url: '/api/v1/devices?kind=camera', headers: { cookie } });
    expect(list.json().total).toBe(1);
    expect(list.json().items[0].name).toBe('cam-1');
  });
});
