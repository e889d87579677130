import {
  bigint,
  customType,
  index,
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
  updatedAt: ts('updated_at').notNull(),
});

/** Logged entries. `entry` holds the exact leaf bytes (canonical JSON without payload). */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
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
    uniqueIndex('ledger_entries_org_idx_uq').on(t.orgId, t.idx),
    uniqueIndex('ledger_entries_identity_uq').on(t.orgId, t.type, t.ref, t.payloadHash),
    index('ledger_entries_org_type_time_idx').on(t.orgId, t.type, t.time),
  ],
);

/** RFC 9162 perfect-subtree node hashes per organisation: (level, idx) as in NodeStore. */
export const ledgerNodes = pgTable(
  'ledger_nodes',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    level: integer('level').notNull(),
    idx: position('idx').notNull(),
    hash: bytea('hash').notNull(),
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
