import { sql } from 'drizzle-orm';
import { conflict, invalid } from '../../core';
import { rawRows, rowsOf, type TenantScope } from '../../store';
import { HASH_SIZE } from './domain/merkle';
import type { NodeKey, NodeStore, StoredNode } from './domain/node-store';
import { ledgerTiles } from './schema';

/** Nodes per tile row (see schema.ts ledgerTiles): 32 hashes, 1 KiB, small enough to stay in the row. */
export const TILE_WIDTH = 32;
const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

const tileOf = (index: number) => Math.floor(index / TILE_WIDTH);

/** Lowercase hex of the bytes, without copying them. */
export const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Appended bytes of one tile: nodes [first, first + count) of `level`, all inside tile `tile`. */
interface TileRun {
  level: number;
  tile: number;
  /** Bytes the tile must hold before this run (= offset of its first node in the tile). */
  start: number;
  hashes: Uint8Array[];
}

export interface DbNodeStoreOptions {
  /**
   * The caller runs inside a transaction that it rolls back on any error (the ledger service's
   * append), so putMany need not open a savepoint of its own to stay all-or-nothing.
   */
  inTransaction?: boolean;
}

/**
 * The ledger's NodeStore over the `ledger_tiles` table of one organisation: node (level, index) is
 * the 32-byte slice at (index % TILE_WIDTH) * 32 of tile (level, floor(index / TILE_WIDTH)). Every
 * statement carries the scope's organisation and runs on the scope's handle, so nodes written by an
 * append belong to the transaction of the write the entry records.
 *
 * Like the in-memory store, each level fills left to right: a node may be written only at the next
 * free index of its level (or rewritten with the same hash, a no-op).
 */
export class DbNodeStore implements NodeStore {
  constructor(
    private readonly scope: TenantScope,
    private readonly opts: DbNodeStoreOptions = {},
  ) {}

  async get(level: number, index: number): Promise<Uint8Array | undefined> {
    const [h] = await this.getMany([{ level, index }]);
    return h;
  }

  async put(level: number, index: number, hash: Uint8Array): Promise<void> {
    await this.putMany([{ level, index, hash }]);
  }

  /** One statement: each key reads its 32-byte slice of one tile through the primary key. */
  async getMany(keys: readonly NodeKey[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return [];
    const levels = keys.map((k) => k.level);
    const tiles = keys.map((k) => tileOf(k.index));
    const offsets = keys.map((k) => (k.index % TILE_WIDTH) * HASH_SIZE + 1);
    // One row, one text value back (64 hex digits per key, '-' where missing): PGlite's per-row and
    // per-field result handling in JavaScript costs more than the probes themselves. A plain join
    // (the planner picks one primary-key probe per key: the key list is short and known) is cheaper
    // than LATERAL ... LIMIT 1, whose per-key rescans cost as much as the probes.
    // Straight on the client (rawRows): drizzle's per-query overhead was a sixth of a proof.
    const [row] = await rawRows<{ h: string | null }>(
      this.scope.db,
      `select string_agg(rpad(coalesce(encode(substring(x.hashes from k.o for ${HASH_SIZE}), 'hex'), ''), ${HASH_SIZE * 2}, '-'), '' order by k.n) as h
      from unnest($1::int[], $2::bigint[], $3::int[]) with ordinality as k(l, i, o, n)
      left join ledger_tiles x on x.org_id = $4 and x.level = k.l and x.idx = k.i`,
      [levels, tiles, offsets, this.scope.orgId],
    );
    const all = row?.h ?? '';
    const out: Array<Uint8Array | undefined> = new Array(keys.length);
    const width = HASH_SIZE * 2;
    for (let i = 0; i < keys.length; i++) {
      const hex = all.slice(i * width, (i + 1) * width);
      out[i] = hex.length === width && !hex.includes('-') ? Buffer.from(hex, 'hex') : undefined;
    }
    return out;
  }

  /** All or nothing; a different hash at a stored key is a conflict, a gap in a level is invalid. */
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
    const runs = contiguousRuns(nodes);
    // Fast path: the runs extend their tiles exactly where they end (what an append does). One
    // statement checks every tile's length first and writes nothing unless all match, so it needs
    // no savepoint.
    if (runs && (await this.appendRuns(this.scope, runs))) return;
    // Rewrites, races or gaps: read the tiles and decide node by node, atomically.
    if (this.opts.inTransaction) await this.putChecked(this.scope, nodes);
    else await this.scope.transaction((s) => this.putChecked(s, nodes));
  }

  /** Appends each run at its start offset if every tile holds exactly `start` bytes; else nothing. */
  private async appendRuns(scope: TenantScope, runs: readonly TileRun[]): Promise<boolean> {
    const offsets: number[] = [];
    const lengths: number[] = [];
    let at = 1;
    for (const r of runs) {
      offsets.push(at);
      lengths.push(r.hashes.length * HASH_SIZE);
      at += r.hashes.length * HASH_SIZE;
    }
    // All new bytes as one hex parameter, sliced per tile: PGlite serialises a bytea parameter byte
    // by byte in JavaScript, a text one in one copy.
    const data = runs.map((r) => r.hashes.map(hexOf).join('')).join('');
    const [row] = await rawRows<{ good: boolean; written: number }>(
      scope.db,
      `with k as (
        select r.l, r.i, r.s, substring(d.b from r.o for r.n) as h
        from unnest($1::int[], $2::bigint[], $3::int[], $4::int[], $5::int[]) as r(l, i, s, o, n),
        (select decode($6, 'hex') as b) d),
      cur as (
        select k.*, t.len is not null as present, coalesce(t.len, 0) as len from k
        left join lateral (
          select length(x.hashes) as len from ledger_tiles x
          where x.org_id = $7::text and x.level = k.l and x.idx = k.i limit 1) t on true),
      ok as (select bool_and(len = s) as good from cur),
      upd as (
        update ledger_tiles x set hashes = x.hashes || cur.h from cur, ok
        where ok.good and cur.present and x.org_id = $7::text and x.level = cur.l and x.idx = cur.i
        returning 1),
      ins as (
        insert into ledger_tiles (org_id, level, idx, hashes)
        select $7::text, cur.l, cur.i, cur.h from cur, ok where ok.good and not cur.present
        returning 1)
      select ok.good, (select count(*) from upd)::int + (select count(*) from ins)::int as written from ok`,
      [
        runs.map((r) => r.level),
        runs.map((r) => r.tile),
        runs.map((r) => r.start),
        offsets,
        lengths,
        data,
        scope.orgId,
      ],
    );
    if (!row?.good) return false;
    if (Number(row.written) !== runs.length)
      throw conflict('ledger tiles changed while appending (a concurrent writer?)');
    return true;
  }

  private async putChecked(scope: TenantScope, nodes: readonly StoredNode[]): Promise<void> {
    const tileKeys = new Map<string, { level: number; tile: number }>();
    for (const n of nodes)
      tileKeys.set(`${n.level}/${tileOf(n.index)}`, { level: n.level, tile: tileOf(n.index) });
    const wanted = [...tileKeys.values()];
    const res = await scope.db.execute(sql`
      select x.level, x.idx::bigint as idx, encode(x.hashes, 'hex') as h from ${ledgerTiles} x
      join unnest(${sql.param(wanted.map((k) => k.level))}::int[], ${sql.param(wanted.map((k) => k.tile))}::bigint[])
        as k(l, i) on x.level = k.l and x.idx = k.i
      where x.org_id = ${scope.orgId}`);
    const stored = new Map<string, Buffer>();
    for (const r of rowsOf<{ level: number; idx: string | number; h: string }>(res))
      stored.set(`${r.level}/${Number(r.idx)}`, Buffer.from(r.h, 'hex'));
    // Nodes present per level so far (stored tiles + accepted new nodes), to enforce left-to-right.
    const fresh: StoredNode[] = [];
    const next = new Map<number, number>();
    const sorted = [...nodes].sort((a, b) => a.level - b.level || a.index - b.index);
    for (const n of sorted) {
      const tile = stored.get(`${n.level}/${tileOf(n.index)}`);
      const have = tile ? tileOf(n.index) * TILE_WIDTH + tile.length / HASH_SIZE : undefined;
      const off = (n.index % TILE_WIDTH) * HASH_SIZE;
      if (tile && off + HASH_SIZE <= tile.length) {
        if (!tile.subarray(off, off + HASH_SIZE).equals(n.hash)) {
          throw conflict(`node (${n.level}, ${n.index}) is already stored with a different hash`, [
            { path: `nodes[${n.level}][${n.index}]`, message: 'append-only store: nodes never change' },
          ]);
        }
        continue;
      }
      const dup = fresh.find((f) => f.level === n.level && f.index === n.index);
      if (dup) {
        if (!Buffer.from(dup.hash).equals(n.hash))
          throw conflict(`node (${n.level}, ${n.index}) is given twice with different hashes`);
        continue;
      }
      // The next free index of the level: after this tile's last node, or (no such tile) the end of
      // the previous tile, which must then be full.
      let free = next.get(n.level) ?? have;
      if (free === undefined) free = await this.levelCount(scope, n.level, tileOf(n.index));
      if (n.index !== free) {
        const before = free < 0 ? 'the nodes left of it' : `(${n.level}, ${free})`;
        throw invalid(`node (${n.level}, ${n.index}) written before ${before}; levels fill left to right`);
      }
      fresh.push(n);
      next.set(n.level, free + 1);
    }
    if (fresh.length === 0) return;
    const runs = contiguousRuns(fresh);
    if (!runs || !(await this.appendRuns(scope, runs)))
      throw conflict('ledger tiles changed while appending (a concurrent writer?)');
  }

  /** Nodes stored at `level` given that tile `tile` is absent: all of tile - 1 (full) or none. */
  private async levelCount(scope: TenantScope, level: number, tile: number): Promise<number> {
    if (tile === 0) return 0;
    const res = await scope.db.execute(sql`
      select length(x.hashes) as len from ${ledgerTiles} x
      where x.org_id = ${scope.orgId} and x.level = ${level} and x.idx = ${tile - 1}`);
    const [r] = rowsOf<{ len: number }>(res);
    if (!r) return -1;
    return Number(r.len) === TILE_BYTES
      ? tile * TILE_WIDTH
      : (tile - 1) * TILE_WIDTH + Number(r.len) / HASH_SIZE;
  }
}

/**
 * Groups nodes into per-tile runs of consecutive indices, or undefined when some level's nodes are
 * not one ascending gap-free sequence (then the careful path decides).
 */
function contiguousRuns(nodes: readonly StoredNode[]): TileRun[] | undefined {
  const byLevel = new Map<number, StoredNode[]>();
  for (const n of nodes) {
    const list = byLevel.get(n.level);
    if (list) list.push(n);
    else byLevel.set(n.level, [n]);
  }
  const runs: TileRun[] = [];
  for (const [level, list] of byLevel) {
    let run: TileRun | undefined;
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      if (i > 0 && n.index !== list[i - 1].index + 1) return undefined;
      const tile = tileOf(n.index);
      if (!run || run.tile !== tile) {
        run = { level, tile, start: (n.index % TILE_WIDTH) * HASH_SIZE, hashes: [] };
        runs.push(run);
      }
      run.hashes.push(n.hash);
    }
  }
  return runs;
}
