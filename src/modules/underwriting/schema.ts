import { bigint, date, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { LossSummary } from '../risk';
import { organisations } from '../tenancy/schema';
import type { Policy } from './domain/policy';
import type { Quote } from './domain/quote';
import type { WorksheetLine } from './domain/rating';
import type { Submission } from './domain/submission';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
// Premiums in minor units can pass 2^31 (USD 21 M); bigint in number mode keeps them exact to 2^53.
const minor = (name: string) => bigint(name, { mode: 'number' });

/** What the stored FAIR run of a quote keeps: enough to redraw the exceedance curve and re-explain it. */
export interface StoredSimulation {
  years: number;
  seed: number;
  currency: string;
  events: number;
  total: LossSummary;
  scenarios: { id: string; name: string; summary: LossSummary }[];
  /** Why each scenario has its vulnerability (risk module explanations). */
  explanations: { id: string; vulnerability: unknown; threatEventMultiplier: number; notes: string[] }[];
  omitted: { id: string; reason: string }[];
}

/**
 * Quotes are owned by the insurer (org_id); the insured they are addressed to may read them through
 * `insured_org_id` (DESIGN.md §1: an insured never sees another's data, the insurer only its own book).
 */
export const quotes = pgTable(
  'quotes',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    insuredOrgId: text('insured_org_id')
      .notNull()
      .references(() => organisations.id),
    status: text('status').notNull(),
    productId: text('product_id').notNull(),
    filingId: text('filing_id').notNull(),
    filingVersion: text('filing_version').notNull(),
    premiumMinor: minor('premium_minor'),
    technicalPremiumMinor: minor('technical_premium_minor'),
    currency: text('currency').notNull(),
    /** none | pending | approved | declined */
    referralState: text('referral_state').notNull(),
    referralDecision: text('referral_decision'),
    referralReason: text('referral_reason'),
    referralDecidedBy: text('referral_decided_by'),
    submission: jsonb('submission').$type<Submission>().notNull(),
    /** How the submission was built: profile facts, currency conversion, where the assessment came from. */
    basis: jsonb('basis').$type<Record<string, unknown>>().notNull(),
    worksheet: jsonb('worksheet').$type<WorksheetLine[]>().notNull(),
    simulation: jsonb('simulation').$type<StoredSimulation | null>(),
    /** The domain quote (terms, referrals, technical premium, history) as the pure functions see it. */
    quote: jsonb('quote').$type<Quote>().notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('quotes_org_created_idx').on(t.orgId, t.createdAt),
    index('quotes_insured_idx').on(t.insuredOrgId),
  ],
);

/** Policies: owned by the insurer, readable by the insured named on them. */
export const policies = pgTable(
  'policies',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organisations.id),
    insuredOrgId: text('insured_org_id')
      .notNull()
      .references(() => organisations.id),
    number: text('number').notNull(),
    quoteId: text('quote_id')
      .notNull()
      .references(() => quotes.id),
    status: text('status').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    jurisdiction: text('jurisdiction').notNull(),
    premiumMinor: minor('premium_minor').notNull(),
    currency: text('currency').notNull(),
    policy: jsonb('policy').$type<Policy>().notNull(),
    declarationsHtml: text('declarations_html').notNull(),
    /** SHA-256 of the declarations page as issued, hex. */
    declarationsHash: text('declarations_hash').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('policies_number_uq').on(t.number),
    uniqueIndex('policies_quote_uq').on(t.quoteId),
    index('policies_insured_idx').on(t.insuredOrgId),
  ],
);

export type QuoteRow = typeof quotes.$inferSelect;
export type PolicyRow = typeof policies.$inferSelect;
