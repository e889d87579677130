import {
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
import type { VulnRecord } from './domain/feeds';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/*
 * Feeds are global reference data (public CVE records, CISA KEV, FIRST EPSS), not tenant rows: one
 * copy serves every organisation, so these tables have no org_id.
 */

/** One CVE JSON 5 record, stored in its parsed form (the matcher's input). */
export const cveRecords = pgTable('cve_records', {
  cveId: text('cve_id').primaryKey(),
  state: text('state').notNull(),
  record: jsonb('record').$type<VulnRecord>().notNull(),
  /** "vendor / product" labels of the affected entries, for listing and search. */
  affected: text('affected').array().notNull().default([]),
  dateUpdated: text('date_updated'),
  importedAt: ts('imported_at').notNull(),
});

/** One CISA KEV catalogue entry (the catalogue is replaced as a whole on import). */
export const kevEntries = pgTable('kev_entries', {
  cveId: text('cve_id').primaryKey(),
  vendorProject: text('vendor_project').notNull(),
  product: text('product').notNull(),
  vulnerabilityName: text('vulnerability_name').notNull(),
  dateAdded: text('date_added').notNull(),
  dueDate: text('due_date').notNull(),
  knownRansomwareCampaignUse: text('known_ransomware_campaign_use').notNull(),
  requiredAction: text('required_action').notNull(),
  shortDescription: text('short_description').notNull(),
  notes: text('notes').notNull(),
  cwes: text('cwes').array().notNull().default([]),
  catalogVersion: text('catalog_version').notNull(),
});

/** FIRST EPSS scores (replaced as a whole on import). */
export const epssScores = pgTable('epss_scores', {
  cveId: text('cve_id').primaryKey(),
  score: doublePrecision('score').notNull(),
  percentile: doublePrecision('percentile').notNull(),
  modelVersion: text('model_version'),
  scoreDate: text('score_date'),
});

/** Every feed import, for "last import" and the audit of what the findings were computed from. */
export const feedImports = pgTable(
  'feed_imports',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    records: integer('records').notNull(),
    /** Catalogue version, EPSS score date or file name: what was imported. */
    version: text('version'),
    /** 'cli' or the importing user's id. */
    importedBy: text('imported_by').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('feed_imports_kind_at_idx').on(t.kind, t.at)],
);

/**
 * Findings per device: a vulnerability (CVE) or a configuration finding. One row per (device,
 * kind, ref) for its whole life: fixedAt is set when the finding is gone and cleared if it returns.
 */
export const findings = pgTable(
  'findings',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id),
    kind: text('kind').notNull(),
    /** CVE id or configuration finding id (CFG-...). */
    ref: text('ref').notNull(),
    status: text('status').notNull(),
    title: text('title'),
    reason: text('reason').notNull(),
    matchedRange: text('matched_range'),
    source: text('source'),
    cvss: jsonb('cvss').$type<{ version: string; vector: string; baseScore: number; severity: string }>(),
    kev: jsonb('kev').$type<{ dateAdded: string; knownRansomwareCampaignUse: string; dueDate: string }>(),
    epss: doublePrecision('epss'),
    severity: text('severity').notNull(),
    firmwareVersion: text('firmware_version'),
    firstSeen: ts('first_seen').notNull(),
    lastSeen: ts('last_seen').notNull(),
    fixedAt: ts('fixed_at'),
  },
  (t) => [
    uniqueIndex('findings_device_kind_ref_uq').on(t.orgId, t.deviceId, t.kind, t.ref),
    index('findings_org_open_idx').on(t.orgId, t.fixedAt),
    index('findings_org_ref_idx').on(t.orgId, t.ref),
  ],
);
