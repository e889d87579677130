import { doublePrecision, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
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
