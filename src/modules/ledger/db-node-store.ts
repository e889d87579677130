import { and, eq, sql } from 'drizzle-orm';
import { conflict, invalid } from '../../core';
import type { TenantScope } from '../../store';
import { HASH_SIZE } from './domain/merkle';
import type { NodeKey, NodeStore, StoredNode } from './domain/node-store';
import { ledgerNodes } from './schema';

// Nodes per insert statement (one jsonb parameter each): bounds the size of one message.
const INSERT_CHUNK = 10_000;

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/**
 * The ledger's NodeStore over the `ledger_nodes` table of one organisation. Every statement carries
 * the scope's organisation, and runs on the scope's handle, so nodes written by an append belong to
 * the transaction of the write the entry records.
 */
export class DbNodeStore implements NodeStore {
  constructor(private readonly scope: TenantScope) {}

  async get(level: number, index: number): Promise<Uint8Array | undefined> {
    const [h] = await this.getMany([{ level, index }]);
    return h;
  }

  async put(level: number, index: number, hash: Uint8Array): Promise<void> {
    await this.putMany([{ level, index, hash }]);
  }

  async getMany(keys: readonly NodeKey[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return [];
    const rows = await this.scope.db
      .select({ level: ledgerNodes.level, idx: ledgerNodes.idx, hash: ledgerNodes.hash })
      .from(ledgerNodes)
      .where(
        and(
          eq(ledgerNodes.orgId, this.scope.orgId),
          // One jsonb parameter (see ledger.repo.ts byIdentity: long IN lists overflow PGlite's stack).
          sql`(${ledgerNodes.level}, ${ledgerNodes.idx}) in (select k.l, k.i from jsonb_to_recordset(${JSON.stringify(
            keys.map((k) => ({ l: k.level, i: k.index })),
          )}::jsonb) as k(l int, i bigint))`,
        ),
      );
    const found = new Map<string, Uint8Array>();
    for (const r of rows) found.set(`${r.level}/${Number(r.idx)}`, r.hash);
    return keys.map((k) => found.get(`${k.level}/${k.index}`));
  }

  /** All or nothing: one savepoint (or transaction); a different hash at a stored key is a conflict. */
  async putMany(nodes: readonly StoredNode[]): Promise<void> {
    for (const n of nodes) {
      if (n.hash.length !== HASH_SIZE) {
        throw invalid(`node hash must be ${HASH_SIZE} bytes`, [
          { path: `nodes[${n.level}][${n.index}]`, message: `got ${n.hash.length} bytes` },
        ]);
      }
      if (
        !Number.isInteger(n.level) ||
        n.level < 0 ||
        n.level > 63 ||
        !Number.isSafeInteger(n.index) ||
        n.index < 0
      )
        throw invalid(`bad node key (${n.level}, ${n.index})`);
    }
    if (nodes.length === 0) return;
    await this.scope.transaction(async (s) => {
      const orgId = s.orgId;
      let written = 0;
      for (let i = 0; i < nodes.length; i += INSERT_CHUNK) {
        const chunk = nodes
          .slice(i, i + INSERT_CHUNK)
          .map((n) => ({ l: n.level, i: n.index, h: Buffer.from(n.hash).toString('hex') }));
        // One jsonb parameter per chunk: far cheaper on PGlite than a parameter per value.
        const res = await s.db.execute(sql`
          insert into ${ledgerNodes} (org_id, level, idx, hash)
          select ${orgId}, k.l, k.i, decode(k.h, 'hex')
          from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as k(l int, i bigint, h text)
          on conflict do nothing returning 1 as x`);
        written += (res as unknown as { rows: unknown[] }).rows.length;
      }
      if (written === nodes.length) return;
      // Some keys existed: they must hold exactly the hash given (append-only store).
      const stored = await new DbNodeStore(s).getMany(nodes);
      nodes.forEach((n, i) => {
        const h = stored[i];
        if (h && !same(h, n.hash)) {
          throw conflict(`node (${n.level}, ${n.index}) is already stored with a different hash`, [
            { path: `nodes[${n.level}][${n.index}]`, message: 'append-only store: nodes never change' },
          ]);
        }
      });
    });
  }
}
