import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core';
import {
  consistencyProofFromLeafHashes,
  DbNodeStore,
  inclusionProofFromLeafHashes,
  leafHash,
  MemoryNodeStore,
  MerkleTree,
  perfectSubtrees,
  rootFromLeafHashes,
} from '../../src/modules/ledger';
import { systemActor } from '../../src/modules/tenancy';
import { createServices } from '../../src/server/services';
import { type Db, migrationsFolder, type Store, TenantScope, tables } from '../../src/store';

/**
 * A log written before node tiles existed (one ledger_nodes row per node, no frontier in the log
 * row) is carried over by the migrations: same roots and proofs from the tiles, and appends go on
 * from the right edge read back from them.
 */

// The last migration before the tiles (0006_ledger_tiles).
const BEFORE_TILES = '0005_control_attestations';

function migrationsUpTo(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-migrations-'));
  mkdirSync(join(dir, 'meta'));
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>;
  };
  const last = journal.entries.findIndex((e) => e.tag === tag);
  if (last < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const e of journal.entries)
    copyFileSync(join(migrationsFolder, `${e.tag}.sql`), join(dir, `${e.tag}.sql`));
  return dir;
}

describe('ledger migration from per-node rows to tiles', () => {
  let client: PGlite;
  let store: Store;
  const orgId = '0b7f3a52-6c1e-4d0a-9e55-2f4b8c1d9a01';
  // 1,000 leaves: levels 0..5 span several tiles, the upper ones are partial.
  const leaves = Array.from({ length: 1000 }, (_, i) => leafHash(Buffer.from(`legacy entry ${i}`)));

  beforeAll(async () => {
    client = new PGlite();
    const db = drizzle(client, { schema: tables }) as unknown as Db;
    await migrate(db as never, { migrationsFolder: migrationsUpTo(BEFORE_TILES) });
    await client.query(
      `insert into organisations (id, slug, name, kind, created_at) values ($1, 'legacy', 'Legacy', 'insured', now())`,
      [orgId],
    );
    await client.query(
      `insert into ledger_logs (id, org_id, origin, size, updated_at) values ($1, $1, 'coverwatch.example/legacy', $2, now())`,
      [orgId, leaves.length],
    );
    // Every node the tree stores, written as the old DbNodeStore did: one row each.
    const mem = new MemoryNodeStore();
    await (await MerkleTree.open(mem)).appendLeafHashes(leaves);
    const rows: Array<[number, number, string]> = [];
    for (let level = 0; mem.countAt(level) > 0; level++)
      for (let i = 0; i < mem.countAt(level); i++)
        rows.push([level, i, Buffer.from(mem.getSync(level, i)!).toString('hex')]);
    await client.query(
      `insert into ledger_nodes (org_id, level, idx, hash)
       select $1, l, i, decode(h, 'hex') from unnest($2::int[], $3::bigint[], $4::text[]) as r(l, i, h)`,
      [orgId, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
    await migrate(db as never, { migrationsFolder });
    store = { db, kind: 'pglite', where: 'pglite in memory', close: () => client.close() };
  });
  afterAll(async () => {
    await store?.close();
  });

  it('moves every node into tiles and drops the old table', async () => {
    const tiles = await client.query<{ n: number; bytes: number }>(
      `select count(*)::int as n, sum(length(hashes))::int as bytes from ledger_tiles where org_id = $1`,
      [orgId],
    );
    // Perfect-subtree nodes only: floor(n / 2^level) per level.
    let nodes = 0;
    for (let w = 1; w <= leaves.length; w *= 2) nodes += Math.floor(leaves.length / w);
    expect(tiles.rows[0].bytes).toBe(nodes * 32);
    expect(tiles.rows[0].n).toBeGreaterThan(1);
    const old = await client.query(`select to_regclass('ledger_nodes') as t`);
    expect((old.rows[0] as { t: string | null }).t).toBeNull();
  });

  it('serves the same roots and proofs, and appends on from the right edge in the tiles', async () => {
    const services = createServices(store, systemClock, silentLogger());
    services.ledger.setDataDir(mkdtempSync(join(tmpdir(), 'cw-ledger-mig-')));
    const ctx = await services.tenancy.context(systemActor(orgId, 'insured'));
    const tree = await MerkleTree.open(new DbNodeStore(new TenantScope(store.db, orgId)), leaves.length);
    expect((await tree.root()).equals(rootFromLeafHashes(leaves))).toBe(true);
    for (const i of [0, 255, 256, 777, 999]) {
      expect((await tree.inclusionProof(i)).map((h) => h.toString('hex'))).toEqual(
        inclusionProofFromLeafHashes(leaves, i, leaves.length).map((h) => h.toString('hex')),
      );
    }
    expect((await tree.consistencyProof(333)).map((h) => h.toString('hex'))).toEqual(
      consistencyProofFromLeafHashes(leaves, 333, leaves.length).map((h) => h.toString('hex')),
    );

    // The log row has no frontier yet: the first append reads it from the tiles, then stores it.
    const head0 = await client.query<{ frontier: Uint8Array | null }>(
      'select frontier from ledger_logs where org_id = $1',
      [orgId],
    );
    expect(head0.rows[0].frontier).toBeNull();
    const added = await services.ledger.appendMany(
      ctx.scope,
      Array.from({ length: 40 }, (_, i) => ({ type: 'alert' as const, ref: `after-${i}`, payload: { i } })),
    );
    expect(added.map((a) => a.index)).toEqual(Array.from({ length: 40 }, (_, i) => leaves.length + i));
    const all = [...leaves, ...added.map((a) => Buffer.from(a.leafHash, 'hex'))];
    const cp = await services.ledger.publishCheckpoint(ctx.scope);
    expect(cp.size).toBe(all.length);
    expect(cp.rootHash).toBe(rootFromLeafHashes(all).toString('hex'));
    const head1 = await client.query<{ frontier: Uint8Array }>(
      'select frontier from ledger_logs where org_id = $1',
      [orgId],
    );
    const mem = new MemoryNodeStore();
    await (await MerkleTree.open(mem)).appendLeafHashes(all);
    const edge = perfectSubtrees(0, all.length).map((k) => Buffer.from(mem.getSync(k.level, k.index)!));
    expect(Buffer.from(head1.rows[0].frontier).equals(Buffer.concat(edge))).toBe(true);
  });
});
