import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EvidenceBundle,
  leafHash,
  parseVerifierKey,
  verifyBundle,
  verifyInclusion,
} from '../../src/modules/ledger';
import { openCheckpoint } from '../../src/modules/ledger/domain/checkpoint';
import { systemActor } from '../../src/modules/tenancy';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';

describe('ledger API', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  let admin: string;
  let underwriter: string;

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    world.services.ledger.setDataDir(mkdtempSync(join(tmpdir(), 'cw-ledger-api-')));
    app = await testApp(world);
    admin = await signIn(app, world.users['acme-admin'].email);
    underwriter = await signIn(app, world.users['insurer-underwriter'].email);
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    await world.services.ledger.appendMany(
      ctx.scope,
      Array.from({ length: 7 }, (_, i) => ({
        type: 'response_action' as const,
        ref: `act-${i}`,
        payload: { i },
      })),
    );
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('publishes the verifier key without authentication', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/ledger/key' });
    expect(res.statusCode).toBe(200);
    const { verifierKey } = res.json() as { verifierKey: string };
    expect(parseVerifierKey(verifierKey).name).toBe('coverwatch.example');
    expect(res.body).not.toMatch(/PRIVATE/);
  });

  it('lists entries newest first and serves one by index', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/ledger/entries?limit=3',
      headers: { cookie: admin },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { items: Array<{ index: number; ref: string }>; total: number };
    expect(body.total).toBe(7);
    expect(body.items.map((e) => e.index)).toEqual([6, 5, 4]);
    const one = await app.inject({
      method: 'GET',
      url: '/api/v1/ledger/entries/2',
      headers: { cookie: admin },
    });
    expect(one.json()).toMatchObject({ index: 2, ref: 'act-2', payload: { i: 2 } });
    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/ledger/entries?type=nonsense',
      headers: { cookie: admin },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('proves an entry against the signed checkpoint, for the related insurer too', async () => {
    const { verifierKey } = (await app.inject({ method: 'GET', url: '/api/v1/ledger/key' })).json() as {
      verifierKey: string;
    };
    const none = await app.inject({
      method: 'GET',
      url: '/api/v1/ledger/checkpoints/latest',
      headers: { cookie: admin },
    });
    expect(none.statusCode).toBe(404);
    const cp = await app.inject({
      method: 'POST',
      url: '/api/v1/ledger/checkpoints',
      headers: { cookie: admin },
    });
    expect(cp.statusCode).toBe(201);
    const opened = openCheckpoint(cp.json().checkpoint, parseVerifierKey(verifierKey));
    expect(opened.ok && opened.checkpoint.size).toBe(7);
    const headers = { cookie: underwriter, 'x-org-id': world.orgs.acme };
    const entry = (await app.inject({ method: 'GET', url: '/api/v1/ledger/entries/5', headers })).json() as {
      entry: string;
    };
    const proof = (
      await app.inject({ method: 'GET', url: '/api/v1/ledger/entries/5/proof', headers })
    ).json() as {
      treeSize: number;
      inclusionProof: string[];
    };
    expect(proof.treeSize).toBe(7);
    if (!opened.ok) throw new Error('checkpoint did not verify');
    const r = verifyInclusion(
      5,
      7,
      leafHash(Buffer.from(entry.entry, 'utf8')),
      proof.inclusionProof.map((h) => Buffer.from(h, 'base64')),
      opened.checkpoint.rootHash,
    );
    expect(r.ok).toBe(true);
    const outOfRange = await app.inject({
      method: 'GET',
      url: '/api/v1/ledger/consistency?from=3&to=99',
      headers,
    });
    expect(outOfRange.statusCode).toBe(400);
  });

  it('exports a bundle the insurer verifies with the published key', async () => {
    const { verifierKey } = (await app.inject({ method: 'GET', url: '/api/v1/ledger/key' })).json() as {
      verifierKey: string;
    };
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/ledger/export',
      headers: { cookie: underwriter, 'x-org-id': world.orgs.acme },
      payload: { indices: [1, 4], olderSize: 2, subject: 'claim-1', withholdPayloads: true },
    });
    expect(res.statusCode, res.body).toBe(200);
    const bundle = res.json() as EvidenceBundle;
    expect(bundle.entries.map((e) => [e.index, e.payload])).toEqual([
      [1, undefined],
      [4, undefined],
    ]);
    const report = verifyBundle(bundle, verifierKey);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
