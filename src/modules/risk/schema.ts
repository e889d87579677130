import { boolean, doublePrecision, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { devices } from '../inventory/schema';
import { organisations } from '../tenancy/schema';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Risk scores over time: one organisation row (deviceId null) and one row per device per assessment. */
export const riskScores = pgTable(
  'risk_scores',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    deviceId: text('device_id').references(() => devices.id),
    score: doublePrecision('score').notNull(),
    factors: jsonb('factors').$type<unknown[]>().notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('risk_scores_org_device_at_idx').on(t.orgId, t.deviceId, t.at)],
);

/**
 * Control attestations (DESIGN.md §5): what the organisation states about controls telemetry cannot
 * see. Append-only: a new attestation supersedes the previous one for the control (its
 * `supersededAt` is set in the same transaction), so the full history stays readable.
 */
export const controlAttestations = pgTable(
  'control_attestations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    control: text('control').notNull(),
    attested: boolean('attested').notNull(),
    evidence: text('evidence').notNull(),
    /** Actor id (user, token) and a readable name at the time. */
    attestedBy: text('attested_by').notNull(),
    attestedByName: text('attested_by_name'),
    attestedAt: ts('attested_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    supersededAt: ts('superseded_at'),
    supersededBy: text('superseded_by'),
  },
  (t) => [index('control_attestations_org_control_idx').on(t.orgId, t.control, t.attestedAt)],
);
