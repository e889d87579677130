import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { silentLogger, systemClock } from '../src/core';
import { DbNodeStore, leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '../src/modules/ledger';
import { systemActor } from '../src/modules/tenancy';
import { createServices } from '../src/server/services';
import { openStore, TenantScope } from '../src/store';
import type { BenchRow } from './run';

/**
 * The persisted ledger on PGlite (in memory): entries appended through LedgerService.appendMany
 * (entry rows + node tiles + head row, one transaction per batch), then proof generation from the
 * node tiles at a large size. Proof time at size N needs only the tiles, so the large tree is built
 * from leaf hashes straight through DbNodeStore (what appendMany writes, minus entry rows).
 */
const APPENDS = Number(process.env.LEDGER_BENCH_APPENDS ?? 20_000);
const BATCH = 5_000;
const BIG = Number(process.env.LEDGER_BENCH_LEAVES ?? 1_000_000);
const BIG_CHUNK = 100_000;
const bigLeaf = (i: number) => leafHash(Buffer.from(`entry ${i}`));
/** Perfect-subtree nodes of a tree of n leaves: floor(n / 2^level) per level. */
const storedNodes = (n: number) => {
  let sum = 0;
  for (let w = 1; w <= n; w *= 2) sum += Math.floor(n / w);
  return sum;
};

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const store = await openStore({});
  try {
    const s = createServices(store, systemClock, silentLogger());
    s.ledger.setDataDir(mkdtempSync(join(tmpdir(), 'cw-ledger-bench-')));
    const org = await s.tenancy.createOrganisation({ name: 'Ledger Bench', kind: 'insured' });
    const scope = s.tenancy.scope(org.id);
    const ctx = await s.tenancy.context(systemActor(org.id, 'insured'));

    // Warm-up batch (JIT, statement plans), not counted.
    await s.ledger.appendMany(
      scope,
      Array.from({ length: 1000 }, (_, i) => ({ type: 'alert' as const, ref: `warm-${i}`, payload: { i } })),
    );
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 0; b < APPENDS; b += BATCH) {
      await s.ledger.appendMany(
        scope,
        Array.from({ length: BATCH }, (_, i) => ({
          type: 'alert' as const,
          ref: `alert-${b + i}`,
          payload: {
            severity: 'high',
            score: 0.93,
            count: b + i,
            subject: '10.0.0.7',
            behaviour: 'telnet_bruteforce',
          },
        })),
      );
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    rows.push({
      name: `ledger persisted appends, PGlite, batches of ${BATCH.toLocaleString('en-US')}`,
      value: Math.round(APPENDS / wall),
      unit: 'entries/s',
      target: '>= 20,000/s',
      note: `${APPENDS.toLocaleString('en-US')} entries in ${wall.toFixed(2)} s wall; ${Math.round((APPENDS * 1e6) / (cpu.user + cpu.system)).toLocaleString('en-US')} per CPU-second (PGlite runs in this process)`,
    });

    // Single appends: one transaction each (what a device change or alert costs the writer).
    const singles = 300;
    const t1 = performance.now();
    for (let i = 0; i < singles; i++)
      await s.ledger.append(scope, {
        type: 'device_change',
        ref: `dev-${i}`,
        payload: { firmwareVersion: `1.${i}` },
      });
    rows.push({
      name: 'ledger append, one transaction each, PGlite',
      value: Number(((performance.now() - t1) / singles).toFixed(3)),
      unit: 'ms/append',
    });

    const cp = await s.ledger.publishCheckpoint(scope);
    const idx = Math.floor(cp.size / 3);
    const tp = performance.now();
    const reps = 50;
    for (let i = 0; i < reps; i++) await s.ledger.inclusionProof(ctx, (idx + i * 997) % cp.size);
    rows.push({
      name: `inclusion proof via LedgerService at ${cp.size.toLocaleString('en-US')} entries (PGlite)`,
      value: Number(((performance.now() - tp) / reps).toFixed(3)),
      unit: 'ms',
      note: 'includes entry lookup, tree open, proof, leaf and root reads',
    });

    // A large tree in the node tiles of a second organisation.
    const big = await s.tenancy.createOrganisation({ name: 'Ledger Bench Big', kind: 'insured' });
    const nodes = new DbNodeStore(new TenantScope(store.db, big.id));
    const tree = await MerkleTree.open(nodes);
    const cb = process.cpuUsage();
    const tb = performance.now();
    for (let c = 0; c < BIG; c += BIG_CHUNK) {
      const chunk: Buffer[] = [];
      for (let i = c; i < Math.min(BIG, c + BIG_CHUNK); i++) chunk.push(bigLeaf(i));
      await tree.appendLeafHashes(chunk);
    }
    const buildS = (performance.now() - tb) / 1000;
    const buildCpu = process.cpuUsage(cb);
    const [{ n: tileRows }] = (
      (await store.db.execute(
        sql`select count(*)::int as n from ledger_tiles where org_id = ${big.id}`,
      )) as unknown as { rows: Array<{ n: number }> }
    ).rows;
    rows.push({
      name: `node tiles build, ${BIG.toLocaleString('en-US')} leaves (${storedNodes(BIG).toLocaleString('en-US')} nodes in ${Number(tileRows).toLocaleString('en-US')} tile rows)`,
      value: Math.round(BIG / buildS),
      unit: 'leaves/s',
      note: `${buildS.toFixed(1)} s wall, ${((buildCpu.user + buildCpu.system) / 1e6).toFixed(1)} s CPU; chunks of ${BIG_CHUNK.toLocaleString('en-US')}`,
    });

    const reopened = await MerkleTree.open(nodes, BIG);
    const root = await reopened.root();
    const q = 200;
    // Leaves spread over the whole tree (a fixed stride), each proof checked against the root.
    const at = (i: number) => (i * 7_919 + 13) % BIG;
    let t = performance.now();
    for (let i = 0; i < q; i++) {
      const index = at(i);
      const p = await reopened.inclusionProof(index, BIG);
      if (!verifyInclusion(index, BIG, bigLeaf(index), p, root).ok) throw new Error('inclusion proof failed');
    }
    rows.push({
      name: `inclusion proof from the DB + verify at ${BIG.toLocaleString('en-US')} leaves`,
      value: Number(((performance.now() - t) / q).toFixed(3)),
      unit: 'ms',
      target: '< 1 ms',
      note: 'one query per proof (a 32-byte slice of one tile per node)',
    });
    const older = Math.floor(BIG * 0.7) + 3;
    const oldRoot = await reopened.root(older);
    t = performance.now();
    for (let i = 0; i < q; i++) {
      const p = await reopened.consistencyProof(older, BIG);
      if (!verifyConsistency(older, BIG, p, oldRoot, root).ok) throw new Error('consistency proof failed');
    }
    rows.push({
      name: `consistency proof from the DB + verify, ${older.toLocaleString('en-US')} -> ${BIG.toLocaleString('en-US')}`,
      value: Number(((performance.now() - t) / q).toFixed(3)),
      unit: 'ms',
      target: '< 1 ms',
    });
  } finally {
    await store.close();
  }
  return rows;
}
