import { boolean, date, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organisations } from '../tenancy/schema';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const sites = pgTable(
  'sites',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    name: text('name').notNull(),
    address: text('address'),
    country: text('country'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('sites_org_name_uq').on(t.orgId, t.name)],
);

export interface OpenService {
  port: number;
  protocol: 'tcp' | 'udp';
  service: string | null;
}

export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    siteId: text('site_id').references(() => sites.id),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    vendor: text('vendor').notNull(),
    product: text('product').notNull(),
    model: text('model'),
    firmwareVersion: text('firmware_version'),
    serial: text('serial'),
    ipAddresses: text('ip_addresses').array().notNull().default([]),
    macAddresses: text('mac_addresses').array().notNull().default([]),
    networkSegment: text('network_segment'),
    segmentedFromOffice: boolean('segmented_from_office'),
    internetExposed: boolean('internet_exposed').notNull().default(false),
    criticality: text('criticality').notNull().default('medium'),
    safetyCritical: boolean('safety_critical').notNull().default(false),
    dataHeld: text('data_held').notNull().default('none'),
    credentialState: text('credential_state').notNull().default('unknown'),
    openServices: jsonb('open_services').$type<OpenService[]>().notNull().default([]),
    supportEndDate: date('support_end_date', { mode: 'string' }),
    secureBoot: boolean('secure_boot'),
    encryptedTransport: boolean('encrypted_transport'),
    updateMechanism: text('update_mechanism').notNull().default('unknown'),
    status: text('status').notNull().default('active'),
    lastSeenAt: ts('last_seen_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('devices_org_serial_uq').on(t.orgId, t.serial),
    index('devices_org_kind_idx').on(t.orgId, t.kind),
    index('devices_org_site_idx').on(t.orgId, t.siteId),
  ],
);

/** MQTT credentials: one per device, sensor or gateway; the secret is stored only as a hash. */
export const mqttCredentials = pgTable(
  'mqtt_credentials',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    /** The id a client publishes under: `cw/{org slug}/{clientName}/...`. */
    clientName: text('client_name').notNull(),
    kind: text('kind').notNull(),
    deviceId: text('device_id').references(() => devices.id),
    /** `{org slug}.{clientName}`: globally unique MQTT username. */
    username: text('username').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    createdAt: ts('created_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('mqtt_cred_org_client_uq').on(t.orgId, t.clientName)],
);

/** Device facts as they changed over time (firmware, services, status), for audit and evidence. */
export const deviceEvents = pgTable(
  'device_events',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id),
    change: jsonb('change').$type<Record<string, { from: unknown; to: unknown }>>().notNull(),
    source: text('source').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('device_events_device_idx').on(t.orgId, t.deviceId, t.at)],
);
