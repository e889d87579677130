import { and, asc, count, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { TenantScope } from '../../store';
import { organisations } from '../tenancy/schema';
import { ledgerCheckpoints, ledgerEntries, ledgerLogs, ledgerNodes } from './schema';

export type EntryInsert = Omit<typeof ledgerEntries.$inferInsert, 'orgId'>;
export type CheckpointInsert = Omit<typeof ledgerCheckpoints.$inferInsert, 'orgId'>;

// Rows per insert statement (one jsonb parameter each): bounds the size of one message.
const INSERT_CHUNK = 5000;

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
  async lockHead(scope: TenantScope, origin: () => Promise<string>, now: Date) {
    let [head] = await scope.db
      .select()
      .from(ledgerLogs)
      .where(eq(ledgerLogs.orgId, scope.orgId))
      .for('update');
    if (!head) {
      await scope.db
        .insert(ledgerLogs)
        .values({ id: scope.orgId, orgId: scope.orgId, origin: await origin(), size: 0, updatedAt: now })
        .onConflictDoNothing();
      [head] = await scope.db
        .select()
        .from(ledgerLogs)
        .where(eq(ledgerLogs.orgId, scope.orgId))
        .for('update');
    }
    return head;
  },

  async head(scope: TenantScope) {
    const [head] = await scope.db.select().from(ledgerLogs).where(eq(ledgerLogs.orgId, scope.orgId));
    return head;
  },

  async setSize(scope: TenantScope, size: number, now: Date) {
    await scope.db.update(ledgerLogs).set({ size, updatedAt: now }).where(eq(ledgerLogs.orgId, scope.orgId));
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

  async byIdentity(
    scope: TenantScope,
    keys: ReadonlyArray<{ type: string; ref: string; payloadHash: string }>,
  ) {
    if (keys.length === 0) return [];
    return scope.db
      .select({
        id: ledgerEntries.id,
        idx: ledgerEntries.idx,
        type: ledgerEntries.type,
        ref: ledgerEntries.ref,
        payloadHash: ledgerEntries.payloadHash,
        leafHash: ledgerEntries.leafHash,
        time: ledgerEntries.time,
      })
      .from(ledgerEntries)
      .where(
        and(
          eq(ledgerEntries.orgId, scope.orgId),
          // One jsonb parameter, not a list of tuples: a long tuple IN list nests expressions deeply
          // enough to exhaust PGlite's WebAssembly stack.
          sql`(${ledgerEntries.type}, ${ledgerEntries.ref}, ${ledgerEntries.payloadHash}) in (select k.type, k.ref, k.ph from jsonb_to_recordset(${JSON.stringify(
            keys.map((k) => ({ type: k.type, ref: k.ref, ph: k.payloadHash })),
          )}::jsonb) as k(type text, ref text, ph text))`,
        ),
      );
  },

  /**
   * Bulk insert as one jsonb parameter per chunk: PGlite binds and parses one large value far faster
   * than tens of thousands of separate parameters (bench/ledger-store.bench.ts).
   */
  async insertEntries(scope: TenantScope, rows: EntryInsert[]) {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK).map((r) => ({
        id: r.id,
        idx: r.idx,
        type: r.type,
        ref: r.ref,
        ph: r.payloadHash,
        time: r.time.toISOString(),
        entry: r.entry,
        payload: r.payload ?? null,
        leaf: Buffer.from(r.leafHash).toString('hex'),
      }));
      await scope.db.execute(sql`
        insert into ${ledgerEntries} (id, org_id, idx, type, ref, payload_hash, time, entry, payload, leaf_hash)
        select r.id, ${scope.orgId}, r.idx, r.type, r.ref, r.ph, r.time, r.entry, r.payload, decode(r.leaf, 'hex')
        from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(
          id text, idx bigint, type text, ref text, ph text, time timestamptz, entry text, payload jsonb, leaf text)`);
    }
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
    const rows = await scope.db.execute(sql`
      select g.i::bigint as i from generate_series(0::bigint, ${size}::bigint - 1) as g(i)
      where not exists (select 1 from ${ledgerEntries} e where e.org_id = ${scope.orgId} and e.idx = g.i)
      order by g.i limit ${limit}`);
    const list =
      (rows as unknown as { rows?: Array<{ i: string | number }> }).rows ??
      (rows as unknown as Array<{ i: string | number }>);
    return list.map((r) => Number(r.i));
  },

  async leafNodes(scope: TenantScope, indices: number[]) {
    if (indices.length === 0) return new Map<number, Uint8Array>();
    const rows = await scope.db
      .select({ idx: ledgerNodes.idx, hash: ledgerNodes.hash })
      .from(ledgerNodes)
      .where(
        and(eq(ledgerNodes.orgId, scope.orgId), eq(ledgerNodes.level, 0), inArray(ledgerNodes.idx, indices)),
      );
    return new Map(rows.map((r) => [Number(r.idx), r.hash]));
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

  async latestCheckpoint(scope: TenantScope) {
    const [row] = await scope.select(ledgerCheckpoints, undefined, {
      orderBy: [desc(ledgerCheckpoints.size)],
      limit: 1,
    });
    return row;
  },

  async checkpointCount(scope: TenantScope) {
    const [row] = await scope.db
      .select({ n: count() })
      .from(ledgerCheckpoints)
      .where(eq(ledgerCheckpoints.orgId, scope.orgId));
    return Number(row?.n ?? 0);
  },
};
