import { sql } from 'drizzle-orm';
import {
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { devices } from '../inventory/schema';
import { organisations } from '../tenancy/schema';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/** Aggregated alerts: one row per subject and behaviour while it keeps happening. */
export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    deviceId: text('device_id').references(() => devices.id),
    /** IP or MAC the alert is about. */
    subject: text('subject').notNull(),
    behaviour: text('behaviour').notNull(),
    techniqueId: text('technique_id').notNull(),
    techniqueName: text('technique_name').notNull(),
    tactic: text('tactic').notNull(),
    matrix: text('matrix').notNull(),
    severity: text('severity').notNull(),
    score: doublePrecision('score').notNull(),
    summary: text('summary').notNull(),
    firstSeen: ts('first_seen').notNull(),
    lastSeen: ts('last_seen').notNull(),
    count: integer('count').notNull(),
    /** Detector windows merged into this alert. */
    windows: integer('windows').notNull().default(1),
    /** `windows` of the version last handed to the evidence ledger, and when (AlertService.record). */
    ledgerWindows: integer('ledger_windows').notNull().default(0),
    ledgerLoggedAt: ts('ledger_logged_at'),
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
    /** 'packets' | 'flows' | a file name for offline runs. */
    source: text('source').notNull(),
    sensor: text('sensor'),
    status: text('status').notNull().default('open'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('alerts_org_last_idx').on(t.orgId, t.lastSeen),
    index('alerts_org_device_idx').on(t.orgId, t.deviceId),
    index('alerts_org_open_idx').on(t.orgId, t.subject, t.behaviour, t.status),
    // Versions not yet logged: few rows, read by every detection tick (AlertService.logPendingEvidence).
    index('alerts_evidence_pending_idx').on(t.ledgerLoggedAt).where(sql`windows > ledger_windows`),
  ],
);

/** Per-minute traffic per subject, for the device traffic chart. */
export const trafficMinutes = pgTable(
  'traffic_minutes',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    subject: text('subject').notNull(),
    minute: ts('minute').notNull(),
    flows: integer('flows').notNull().default(0),
    packets: integer('packets').notNull().default(0),
    bytes: doublePrecision('bytes').notNull().default(0),
    alerting: integer('alerting').notNull().default(0),
  },
  (t) => [uniqueIndex('traffic_org_subject_minute_uq').on(t.orgId, t.subject, t.minute)],
);

/** Detector state, so a worker can restart or take over a partition (DESIGN.md §7). */
export const detectorSnapshots = pgTable(
  'detector_snapshots',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    /** 'packets:{sensor}'. */
    key: text('key').notNull(),
    state: bytea('state').notNull(),
    takenAt: ts('taken_at').notNull(),
  },
  (t) => [uniqueIndex('detector_snapshots_org_key_uq').on(t.orgId, t.key)],
);
