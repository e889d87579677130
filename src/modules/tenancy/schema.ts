import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const organisations = pgTable('organisations', {
  id: text('id').primaryKey(),
  /** URL- and MQTT-topic-safe short name, unique: `cw/{slug}/...`. */
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  /** 'insured' or 'insurer'. */
  kind: text('kind').notNull(),
  industry: text('industry'),
  country: text('country'),
  /** Underwriting profile facts (revenue, records held, hourly downtime cost...), shaped by underwriting. */
  profile: jsonb('profile').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: ts('created_at').notNull(),
});

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** argon2id PHC string. */
    passwordHash: text('password_hash').notNull(),
    role: text('role').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email), index('users_org_idx').on(t.orgId)],
);

export const sessions = pgTable('sessions', {
  /** SHA-256 of the session cookie value; the value itself is never stored. */
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id),
  createdAt: ts('created_at').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** First characters of the token, to recognise it in a list; the rest is only hashed. */
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: ts('created_at').notNull(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('api_tokens_org_idx').on(t.orgId)],
);

/** The only thing that lets an insurer read an insured organisation's data (DESIGN.md §1). */
export const insurerRelations = pgTable(
  'insurer_relations',
  {
    id: text('id').primaryKey(),
    insurerOrgId: text('insurer_org_id')
      .notNull()
      .references(() => organisations.id),
    insuredOrgId: text('insured_org_id')
      .notNull()
      .references(() => organisations.id),
    /** Why the relation exists: 'submission', 'quote', 'policy'. */
    basis: text('basis').notNull(),
    /** Id of the quote or policy that holds it, when there is one. */
    basisRef: text('basis_ref'),
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull(),
    endedAt: ts('ended_at'),
  },
  (t) => [uniqueIndex('insurer_relations_pair_uq').on(t.insurerOrgId, t.insuredOrgId, t.basis)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    /** User id, API token id, MQTT client or 'system'. */
    actor: text('actor').notNull(),
    actorKind: text('actor_kind').notNull(),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: ts('at').notNull(),
  },
  (t) => [index('audit_org_at_idx').on(t.orgId, t.at)],
);
