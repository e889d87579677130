import {
  bigint,
  customType,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { organisations } from '../tenancy/schema';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
// Log positions fit in 2^53 (JS safe integers); PostgreSQL bigint keeps room past 2^31.
const position = (name: string) => bigint(name, { mode: 'number' });

/**
 * One row per organisation's log: its origin and committed size. Appenders lock this row
 * (`select ... for update`) so one organisation's appends are serialised across processes.
 */
export const ledgerLogs = pgTable('ledger_logs', {
  /** Equal to orgId: one log per organisation. */
  id: text('id').primaryKey(),
  orgId: text('org_id')
    .notNull()
    .unique()
    .references(() => organisations.id),
  /** C2SP checkpoint origin, e.g. "coverwatch.example/acme". Fixed when the log is created. */
  origin: text('origin').notNull(),
  size: position('size').notNull().default(0),
  /**
   * The right edge of the tree at `size`: the perfect-subtree roots of its binary decomposition,
   * largest first, 32 bytes each (RFC 9162 §2.1.1 MTH folds them right to left). Written with `size`
   * in the appending transaction, so an append never reads the node tiles; null on logs written before
   * it existed (the frontier is then read from the tiles once).
   */
  frontier: bytea('frontier'),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * Logged entries. `entry` holds the exact leaf bytes (canonical JSON without payload).
 * `org_id` has no foreign key of its own: rows are written only by the appender holding the
 * organisation's `ledger_logs` row (which references the organisation), and a per-row foreign-key
 * check was a fifth of the cost of a bulk append on PGlite (bench/ledger-store.bench.ts).
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    /** The entry's id as the API shows it; entries are looked up by (org_id, idx), never by id. */
    id: text('id').notNull(),
    orgId: text('org_id').notNull(),
    idx: position('idx').notNull(),
    type: text('type').notNull(),
    ref: text('ref').notNull(),
    payloadHash: text('payload_hash').notNull(),
    time: ts('time').notNull(),
    entry: text('entry').notNull(),
    /** The payload; null once erased (the entry still proves its hash). */
    payload: jsonb('payload'),
    leafHash: bytea('leaf_hash').notNull(),
  },
  (t) => [
    // The log position is the key: listings and exports walk it in order (filtering type and time on
    // the way), so no index on id or (type, time) is kept; each index was a share of every append.
    primaryKey({ name: 'ledger_entries_pkey', columns: [t.orgId, t.idx] }),
    // Identity for idempotent appends, and the path to every version of one record (type, ref).
    // ref leads so that a lookup by (ref, payload hash) without the type (byIdentity in ledger.repo.ts)
    // is still one narrow probe of this index, over the versions of that ref only.
    uniqueIndex('ledger_entries_identity_key').on(t.orgId, t.ref, t.type, t.payloadHash),
  ],
);

/**
 * RFC 9162 perfect-subtree node hashes per organisation, in tiles: the row (level, idx) holds the
 * hashes of nodes idx * 32 ... idx * 32 + 31 of that level, concatenated (32 bytes each, in index
 * order; TILE_WIDTH in db-node-store.ts). Only the last tile of a level is partial; appends extend it
 * (`hashes || new`) and never change bytes already written. Every level is stored, so a proof reads
 * one 32-byte slice per node (`substring`) with no hashing, and a bulk append writes a few hundred
 * rows instead of two per leaf. A 1 KiB tile stays inline in its row (no TOAST lookup per read).
 * Same idea as C2SP tlog-tiles (c2sp.org/tlog-tiles), which stores only every eighth level.
 */
export const ledgerTiles = pgTable(
  'ledger_tiles',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    level: integer('level').notNull(),
    /** Tile index: node index / 32 (TILE_WIDTH), rounded down. */
    idx: position('idx').notNull(),
    hashes: bytea('hashes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.level, t.idx] })],
);

/** Signed tree heads as published. */
export const ledgerCheckpoints = pgTable(
  'ledger_checkpoints',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    size: position('size').notNull(),
    rootHash: bytea('root_hash').notNull(),
    /** The signed C2SP checkpoint note, verbatim. */
    note: text('note').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('ledger_checkpoints_org_size_uq').on(t.orgId, t.size)],
);

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;
export type LedgerCheckpointRow = typeof ledgerCheckpoints.$inferSelect;
