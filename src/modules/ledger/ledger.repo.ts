import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import { invalid } from '../../core';
import { rawRows, rowsOf, type TenantScope } from '../../store';
import { organisations } from '../tenancy/schema';
import { DbNodeStore, hexOf } from './db-node-store';
import { ledgerCheckpoints, ledgerEntries, ledgerLogs } from './schema';

export type CheckpointInsert = Omit<typeof ledgerCheckpoints.$inferInsert, 'orgId'>;

/** An entry row as the append path writes it: text and payload already serialised. */
export interface EntryWrite {
  id: string;
  idx: number;
  type: string;
  ref: string;
  payloadHash: string;
  /** ISO-8601 UTC. */
  time: string;
  /** Leaf text (canonical JSON without payload). */
  entry: string;
  /** Payload JSON text, or null. */
  payloadJson: string | null;
  leafHash: Uint8Array;
}

// Rows per insert statement: bounds the size of one message.
const UNIT_SEPARATOR = '\u001f';
const INSERT_CHUNK = 10_000;
/** Appends of at least this many rows insert inside a savepoint instead of ON CONFLICT (insertNewEntries). */
const SAVEPOINT_MIN_ROWS = 256;
const UNIQUE_VIOLATION = '23505';

/** What appends and proofs read of a log's row. */
export interface LogHead {
  origin: string;
  size: number;
  /** The right edge (see schema.ts ledgerLogs.frontier), or null on older logs. */
  frontier: Uint8Array | null;
}
type HeadRow = { origin: string; size: string | number; frontier: string | null };
const headOf = (r: HeadRow): LogHead => ({
  origin: r.origin,
  size: Number(r.size),
  frontier: r.frontier === null ? null : Buffer.from(r.frontier, 'hex'),
});

export interface EntryFilter {
  types?: string[];
  ref?: string;
  from?: Date;
  to?: Date;
  indices?: number[];
}

/** Queries of the ledger; every one is bound to the scope's organisation. */
export const ledgerRepo = {
  async orgSlug(scope: TenantScope): Promise<string> {
    const [row] = await scope.db
      .select({ slug: organisations.slug })
      .from(organisations)
      .where(eq(organisations.id, scope.orgId));
    return row?.slug ?? scope.orgId;
  },

  /**
   * The organisation's log head, locked until the transaction ends, created on first use. The lock
   * serialises appends per organisation across processes (PostgreSQL and PGlite alike).
   */
  async lockHead(scope: TenantScope, origin: () => Promise<string>, now: Date): Promise<LogHead> {
    // Straight on the client: one statement of every append once the log exists.
    const lock = () =>
      rawRows<HeadRow>(
        scope.db,
        `select origin, size, encode(frontier, 'hex') as frontier from ledger_logs where org_id = $1 for update`,
        [scope.orgId],
      );
    let [head] = await lock();
    if (!head) {
      await scope.db
        .insert(ledgerLogs)
        .values({ id: scope.orgId, orgId: scope.orgId, origin: await origin(), size: 0, updatedAt: now })
        .onConflictDoNothing();
      [head] = await lock();
    }
    return headOf(head);
  },

  /** The log head without a lock (straight on the client: every proof reads it). */
  async head(scope: TenantScope): Promise<LogHead | undefined> {
    const [row] = await rawRows<HeadRow>(
      scope.db,
      `select origin, size, encode(frontier, 'hex') as frontier from ledger_logs where org_id = $1`,
      [scope.orgId],
    );
    return row && headOf(row);
  },

  /** Which of these log positions have an entry row stored (one statement). */
  async existingIndices(scope: TenantScope, indices: readonly number[]): Promise<Set<number>> {
    if (indices.length === 0) return new Set();
    const rows = await rawRows<{ idx: string }>(
      scope.db,
      'select idx::text as idx from ledger_entries where org_id = $1 and idx = any($2::bigint[])',
      [scope.orgId, indices],
    );
    return new Set(rows.map((r) => Number(r.idx)));
  },

  /** Commits the log's new size with its right edge (frontier hashes, largest subtree first). */
  async setSize(scope: TenantScope, size: number, frontier: readonly Uint8Array[], now: Date) {
    const hex = frontier.map(hexOf).join('');
    await rawRows(
      scope.db,
      `update ledger_logs set size = $1, frontier = decode($2, 'hex'), updated_at = $3 where org_id = $4`,
      [size, hex, now.toISOString(), scope.orgId],
    );
  },

  /** Logs that grew past their latest checkpoint (for the schedule; crosses organisations by design). */
  async logsNeedingCheckpoint(db: TenantScope['db']) {
    return db
      .select({ orgId: ledgerLogs.orgId, size: ledgerLogs.size })
      .from(ledgerLogs)
      .where(
        sql`${ledgerLogs.size} > coalesce((select max(${ledgerCheckpoints.size}) from ${ledgerCheckpoints} where ${ledgerCheckpoints.orgId} = ${ledgerLogs.orgId}), -1)`,
      );
  },

  /**
   * Logged entries with these identities. Probes the identity index by (ref, payload hash) once per
   * key (LATERAL ... OFFSET 0 is not flattened into a join): one index probe per key whatever the
   * table's size. The type is compared here, on the few rows a probe returns.
   */
  async byIdentity(
    scope: TenantScope,
    keys: ReadonlyArray<{ type: string; ref: string; payloadHash: string }>,
  ): Promise<
    Array<{ id: string; idx: number; type: string; ref: string; payloadHash: string; leafHash: Buffer }>
  > {
    if (keys.length === 0) return [];
    const res = await scope.db.execute(sql`
      select e.id, e.idx, e.type, e.ref, e.payload_hash as ph, encode(e.leaf_hash, 'hex') as leaf
      from unnest(${sql.param(keys.map((k) => k.payloadHash))}::text[], ${sql.param(keys.map((k) => k.ref))}::text[]) as k(ph, ref)
      cross join lateral (
        select x.id, x.idx, x.type, x.ref, x.payload_hash, x.leaf_hash from ${ledgerEntries} x
        where x.org_id = ${scope.orgId} and x.payload_hash = k.ph and x.ref = k.ref offset 0) e`);
    const wanted = new Set(keys.map((k) => `${k.type}\u0000${k.ref}\u0000${k.payloadHash}`));
    const seen = new Set<string>();
    const out = [];
    for (const r of rowsOf<{
      id: string;
      idx: string | number;
      type: string;
      ref: string;
      ph: string;
      leaf: string;
    }>(res)) {
      const key = `${r.type}\u0000${r.ref}\u0000${r.ph}`;
      if (!wanted.has(key) || seen.has(key)) continue;
      seen.add(key);
      out.push({
        id: r.id,
        idx: Number(r.idx),
        type: r.type,
        ref: r.ref,
        payloadHash: r.ph,
        leafHash: Buffer.from(r.leaf, 'hex'),
      });
    }
    return out;
  },

  /**
   * Inserts new entries unless their identity is already logged; returns how many were written, which
   * is fewer than given when some were (the caller then places the rest again). The unique identity
   * index decides either way. Small batches skip logged ones with ON CONFLICT (no extra statement).
   * Large ones insert plainly inside a savepoint and, when the index refuses a row, roll back to it
   * and write none: ON CONFLICT's speculative insertion was a fifth of a row's insert on PGlite, a
   * savepoint two statements per batch. Runs inside the caller's transaction. Short columns go
   * as arrays; leaf texts and payloads as one string each, split in SQL (PGlite parses that faster
   * than quoted array elements or a jsonb document); leaf hashes as one hex string sliced per row
   * (PGlite serialises bytea parameters byte by byte in JavaScript). bench/ledger-store.bench.ts.
   */
  async insertNewEntries(scope: TenantScope, rows: readonly EntryWrite[]): Promise<number> {
    if (rows.length < SAVEPOINT_MIN_ROWS) return insertChunks(scope, rows, true);
    await rawRows(scope.db, 'savepoint ledger_insert');
    try {
      const written = await insertChunks(scope, rows, false);
      await rawRows(scope.db, 'release savepoint ledger_insert');
      return written;
    } catch (e) {
      if ((e as { code?: unknown }).code !== UNIQUE_VIOLATION) throw e;
      await rawRows(scope.db, 'rollback to savepoint ledger_insert');
      await rawRows(scope.db, 'release savepoint ledger_insert');
      return 0;
    }
  },

  /**
   * Removes rows this transaction just inserted (by log position, the key), to re-insert them at
   * other positions.
   */
  async deleteEntries(scope: TenantScope, indices: readonly number[]) {
    if (indices.length === 0) return;
    await scope.db.execute(
      sql`delete from ${ledgerEntries} where org_id = ${scope.orgId} and idx = any(${sql.param(indices)}::bigint[])`,
    );
  },

  filterSql(f: EntryFilter): SQL | undefined {
    const c: SQL[] = [];
    if (f.types?.length) c.push(inArray(ledgerEntries.type, f.types));
    if (f.ref) c.push(eq(ledgerEntries.ref, f.ref));
    if (f.from) c.push(gte(ledgerEntries.time, f.from));
    if (f.to) c.push(lte(ledgerEntries.time, f.to));
    if (f.indices) c.push(inArray(ledgerEntries.idx, f.indices.length ? f.indices : [-1]));
    return c.length ? and(...c) : undefined;
  },

  async entries(
    scope: TenantScope,
    f: EntryFilter,
    page: { limit: number; offset: number },
    order: 'asc' | 'desc',
  ) {
    return scope.select(ledgerEntries, ledgerRepo.filterSql(f), {
      orderBy: [order === 'asc' ? asc(ledgerEntries.idx) : desc(ledgerEntries.idx)],
      limit: page.limit,
      offset: page.offset,
    });
  },

  countEntries(scope: TenantScope, f: EntryFilter = {}) {
    return scope.count(ledgerEntries, ledgerRepo.filterSql(f));
  },

  async entryAt(scope: TenantScope, index: number) {
    const [row] = await scope.select(ledgerEntries, eq(ledgerEntries.idx, index), { limit: 1 });
    return row;
  },

  /** Log positions below `size` that have no entry row (deleted rows), at most `limit`. */
  async missingIndices(scope: TenantScope, size: number, limit = 100): Promise<number[]> {
    const res = await scope.db.execute(sql`
      select g.i::bigint as i from generate_series(0::bigint, ${size}::bigint - 1) as g(i)
      where not exists (select 1 from ${ledgerEntries} e where e.org_id = ${scope.orgId} and e.idx = g.i)
      order by g.i limit ${limit}`);
    return rowsOf<{ i: string | number }>(res).map((r) => Number(r.i));
  },

  /** Stored leaf hashes (level-0 nodes) at these indices. */
  async leafNodes(scope: TenantScope, indices: number[]) {
    const hashes = await new DbNodeStore(scope).getMany(indices.map((index) => ({ level: 0, index })));
    const out = new Map<number, Uint8Array>();
    indices.forEach((i, k) => {
      const h = hashes[k];
      if (h) out.set(i, h);
    });
    return out;
  },

  async insertCheckpoint(scope: TenantScope, row: CheckpointInsert) {
    const [inserted] = await scope.db
      .insert(ledgerCheckpoints)
      .values({ ...row, orgId: scope.orgId })
      .onConflictDoNothing()
      .returning();
    return inserted ?? (await ledgerRepo.checkpointAt(scope, row.size));
  },

  async checkpointAt(scope: TenantScope, size: number) {
    const [row] = await scope.select(ledgerCheckpoints, eq(ledgerCheckpoints.size, size), { limit: 1 });
    return row;
  },

  /**
   * Size and signed note of the checkpoint at `size`, or of the latest when `size` is undefined
   * (straight on the client: every proof served reads it).
   */
  async checkpointNote(
    scope: TenantScope,
    size?: number,
  ): Promise<{ size: number; note: string } | undefined> {
    const [row] = await rawRows<{ size: string | number; note: string }>(
      scope.db,
      size === undefined
        ? 'select size, note from ledger_checkpoints where org_id = $1 order by size desc limit 1'
        : 'select size, note from ledger_checkpoints where org_id = $1 and size = $2',
      size === undefined ? [scope.orgId] : [scope.orgId, size],
    );
    return row && { size: Number(row.size), note: row.note };
  },

  async latestCheckpoint(scope: TenantScope) {
    const [row] = await scope.select(ledgerCheckpoints, undefined, {
      orderBy: [desc(ledgerCheckpoints.size)],
      limit: 1,
    });
    return row;
  },
};

async function insertChunks(scope: TenantScope, rows: readonly EntryWrite[], skipLogged: boolean) {
  let written = 0;

  for (let c = 0; c < rows.length; c += INSERT_CHUNK) {
    const chunk = rows.slice(c, c + INSERT_CHUNK);
    const texts: string[] = [];
    const payloads: string[] = [];
    const leaves: string[] = [];
    for (const r of chunk) {
      // JSON text never holds a raw control character (RFC 8259 §7), so U+001F can separate rows.
      if (r.entry.includes(UNIT_SEPARATOR) || r.payloadJson?.includes(UNIT_SEPARATOR))
        throw invalid('entry text holds a raw U+001F', [{ field: 'entry', message: r.ref }]);
      texts.push(r.entry);
      payloads.push(r.payloadJson ?? '');
      leaves.push(hexOf(r.leafHash));
    }
    const [res] = await rawRows<{ n: number }>(
      scope.db,
      `with ins as (
          insert into ledger_entries (id, org_id, idx, type, ref, payload_hash, time, entry, payload, leaf_hash)
          select r.id, $1::text, r.idx, r.type, r.ref, r.ph, r.time, r.entry, nullif(r.payload, '')::jsonb,
            substring(d.b from (r.n::int - 1) * 32 + 1 for 32)
          from unnest(
            $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
            string_to_array($8, chr(31)), string_to_array($9, chr(31))
          ) with ordinality as r(id, idx, type, ref, ph, time, entry, payload, n),
          (select decode($10, 'hex') as b) d
          ${skipLogged ? 'on conflict (org_id, ref, type, payload_hash) do nothing' : ''}
          returning 1)
        select count(*)::int as n from ins`,
      [
        scope.orgId,
        chunk.map((r) => r.id),
        chunk.map((r) => r.idx),
        chunk.map((r) => r.type),
        chunk.map((r) => r.ref),
        chunk.map((r) => r.payloadHash),
        chunk.map((r) => r.time),
        texts.join(UNIT_SEPARATOR),
        payloads.join(UNIT_SEPARATOR),
        leaves.join(''),
      ],
    );
    written += Number(res?.n ?? 0);
  }
  return written;
}
