/**
 * Quotes, referrals, binding and policies, persisted. The rules live in domain/ (rate, createQuote,
 * decideReferral, bindQuote, renderDeclarations); this service loads, calls them and stores the result.
 *
 * Ownership (DESIGN.md §1): quotes and policies belong to the insurer (org_id). The insured named on
 * them may read them, through `insured_org_id`; nobody else can see they exist (not_found).
 */
import { createHash } from 'node:crypto';
import { and, count, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { type Clock, conflict, forbidden, invalid, newId, notFound } from '../../core';
import type { Db, TenantScope } from '../../store';
import { simulate } from '../risk';
import type { RequestContext, TenancyService } from '../tenancy';
import { filingInForce, productById, rateFilings } from './domain/catalogue';
import { renderDeclarations } from './domain/declarations';
import { endorseFromRating } from './domain/endorsement';
import { adequacy, insuredLoss, technicalPremium } from './domain/insured-loss';
import { kevCoinsuranceByScenario } from './domain/kev-coinsurance';
import { advancePolicy, bindQuote, cancelPolicy, type Policy } from './domain/policy';
import { changedTerms, type TermsChange } from './domain/policy-change';
import { renderCancellation, renderEndorsement } from './domain/policy-documents';
import { type PremiumReductions, premiumReductions } from './domain/premium-reductions';
import { createQuote, decideReferral, type Quote } from './domain/quote';
import { rate } from './domain/rating';
import { checkAgainstTechnical } from './domain/technical-check';
import type { QuotedTerms } from './domain/terms';
import { type PolicyRow, policies, type QuoteRow, quotes, type StoredSimulation } from './schema';
import type { BuiltSubmission, RequestedTerms, SubmissionService } from './submission.service';

export interface QuoteServiceOptions {
  /** Simulated years for the technical premium. */
  years?: number;
  /** Seed of the FAIR simulation: the same seed and inputs give the same technical premium. */
  seed?: number;
  validityDays?: number;
}

export interface QuoteView {
  id: string;
  insurerOrgId: string;
  insuredOrgId: string;
  status: string;
  referralState: 'none' | 'pending' | 'approved' | 'declined';
  referralDecision: { outcome: string; reason: string; decidedBy: string } | null;
  premium: Quote['premium'];
  technicalPremium: Quote['technical'];
  /** Rated / technical premium (1.0 = priced at expected cost). */
  adequacy: number | null;
  filing: { id: string; version: string };
  quote: Quote;
  submission: QuoteRow['submission'];
  basis: Record<string, unknown>;
  simulation: StoredSimulation | null;
  policyId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyView {
  id: string;
  number: string;
  insurerOrgId: string;
  insuredOrgId: string;
  quoteId: string;
  status: string;
  period: { start: string; end: string };
  jurisdiction: string;
  premium: { amount: number; currency: string };
  declarationsHash: string;
  policy: Policy;
  createdAt: string;
}

/** EXC-KEV coinsurance for the scenarios that run through KEV-affected devices (product wording). */
function kevCoinsuranceFor(built: BuiltSubmission, terms: QuotedTerms) {
  const rule = productById(terms.productId).exclusions.find((x) => x.coinsuranceRule)?.coinsuranceRule;
  if (!rule || built.kevDeviceIds.length === 0) return [];
  // Days already open at quoting are not passed (0): the assessment input carries no finding dates yet,
  // so the raised share is judged at mid-period only, the lower bound of what the wording allows.
  return kevCoinsuranceByScenario(built.scenarios.explanations, new Set(built.kevDeviceIds), terms, rule);
}

export type BindListener = (policy: PolicyView, scope: TenantScope) => Promise<void> | void;

/** An endorsement or cancellation document as issued (its hash is logged like the declarations'). */
export interface PolicyDocument {
  policyId: string;
  number: string;
  kind: 'endorsement' | 'cancellation';
  /** Endorsement number; 0 for a cancellation. */
  sequence: number;
  sha256: string;
}
export type PolicyDocumentListener = (doc: PolicyDocument, scope: TenantScope) => Promise<void> | void;

export interface EndorsementRequest extends TermsChange {
  effectiveDate: string;
  reason: string;
  /** The underwriter approves the referrals the re-rating raises (else a referred re-rating is refused). */
  approveReferrals?: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const referralState = (q: Quote): QuoteView['referralState'] => {
  if (q.referrals.length === 0) return 'none';
  if (q.referrals.some((r) => r.decision?.outcome === 'decline' || r.action === 'decline')) return 'declined';
  if (q.referrals.every((r) => r.decision?.outcome === 'approve')) return 'approved';
  return 'pending';
};

function toQuoteView(r: QuoteRow, policyId: string | null): QuoteView {
  const tp = r.quote.technical;
  return {
    id: r.id,
    insurerOrgId: r.orgId,
    insuredOrgId: r.insuredOrgId,
    status: r.status,
    referralState: r.referralState as QuoteView['referralState'],
    referralDecision: r.referralDecision
      ? { outcome: r.referralDecision, reason: r.referralReason ?? '', decidedBy: r.referralDecidedBy ?? '' }
      : null,
    premium: r.quote.premium,
    technicalPremium: tp,
    adequacy: r.quote.premium && tp ? adequacy(r.quote.premium, tp.premium) : null,
    filing: { id: r.filingId, version: r.filingVersion },
    quote: r.quote,
    submission: r.submission,
    basis: r.basis,
    simulation: r.simulation,
    policyId,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const toPolicyView = (r: PolicyRow): PolicyView => ({
  id: r.id,
  number: r.number,
  insurerOrgId: r.orgId,
  insuredOrgId: r.insuredOrgId,
  quoteId: r.quoteId,
  status: r.status,
  period: { start: r.periodStart, end: r.periodEnd },
  jurisdiction: r.jurisdiction,
  premium: { amount: r.premiumMinor, currency: r.currency },
  declarationsHash: r.declarationsHash,
  policy: r.policy,
  createdAt: r.createdAt.toISOString(),
});

export class QuoteService {
  private readonly bindListeners: BindListener[] = [];
  private readonly documentListeners: PolicyDocumentListener[] = [];
  private readonly years: number;
  private readonly seed: number;
  private readonly validityDays: number;

  constructor(
    private readonly db: Db,
    private readonly tenancy: TenancyService,
    private readonly submissions: SubmissionService,
    private readonly clock: Clock,
    options: QuoteServiceOptions = {},
  ) {
    this.years = options.years ?? 20_000;
    this.seed = options.seed ?? 1;
    this.validityDays = options.validityDays ?? 30;
  }

  /** Runs inside the binding transaction (e.g. log the declarations hash in the evidence ledger). */
  onBind(listener: BindListener): void {
    this.bindListeners.push(listener);
  }

  /** Runs inside the endorsement / cancellation transaction (log the document hash in the ledger). */
  onPolicyDocument(listener: PolicyDocumentListener): void {
    this.documentListeners.push(listener);
  }

  /** The insurer's own book: only an insurer's user, in its own organisation, with the permission. */
  private insurer(ctx: RequestContext, write: boolean): void {
    if (ctx.org.kind !== 'insurer' || ctx.access !== 'own')
      throw forbidden('underwriting is done by an insurer in its own organisation');
    ctx.require(write ? 'underwriting:write' : 'read');
  }

  /**
   * Rows a context may read: the insurer its own; the insured those addressed to it (and, when an
   * insurer's user acts inside the insured, only that insurer's).
   */
  private readable(ctx: RequestContext, table: typeof quotes | typeof policies): SQL {
    ctx.require('read');
    if (ctx.access === 'own' && ctx.org.kind === 'insurer') return eq(table.orgId, ctx.org.id);
    if (ctx.access === 'own') return eq(table.insuredOrgId, ctx.org.id);
    return and(eq(table.insuredOrgId, ctx.org.id), eq(table.orgId, ctx.actor.orgId)) as SQL;
  }

  /** Rate and simulate a submission for `insuredOrgId` and store the quote (referred when rules say so). */
  async createQuote(
    ctx: RequestContext,
    insuredOrgId: string,
    terms: RequestedTerms,
    options: { seed?: number; years?: number } = {},
  ): Promise<QuoteView> {
    this.insurer(ctx, true);
    // The insurer reads the insured's facts only through an active relation (its submission).
    const insured = await this.tenancy.context(ctx.actor, insuredOrgId);
    if (insured.org.kind !== 'insured') throw notFound('organisation');
    const productId = terms.productId ?? 'iot-cyber';
    const now = this.clock.now();
    const filing = filingInForce(productId, now);
    if (!filing) {
      throw invalid(`rule UW-FIL-1: no rate filing for product ${productId} is in force`, [
        { field: 'productId', message: 'no filing in force' },
      ]);
    }
    const built = await this.submissions.build(insured, terms, filing);
    let result = rate(built.submission, filing, { asOf: now });
    let technical = null;
    let simulation: StoredSimulation | null = null;
    if (result.terms && result.status !== 'invalid') {
      const years = options.years ?? this.years;
      const seed = options.seed ?? this.seed;
      const sim = simulate(built.scenarios.scenarios, { years, seed, currency: filing.currency });
      const kevCoinsurance = kevCoinsuranceFor(built, result.terms);
      technical = technicalPremium(insuredLoss(sim, result.terms, { kevCoinsurance }), filing);
      result = checkAgainstTechnical(result, technical, filing);
      simulation = {
        years,
        seed,
        currency: sim.currency,
        events: sim.events.count,
        total: sim.summary,
        scenarios: sim.scenarios.map((s) => ({ id: s.id, name: s.name, summary: s.summary })),
        explanations: built.scenarios.explanations,
        omitted: built.scenarios.omitted,
      };
    }
    const id = newId();
    const quote = createQuote(result, built.submission, {
      id,
      clock: this.clock,
      validityDays: this.validityDays,
      technical,
    });
    const row = await ctx.scope.transaction(async (scope) => {
      const [r] = await scope.insert(quotes, [
        {
          id,
          insuredOrgId,
          status: quote.status,
          productId: quote.productId,
          filingId: quote.filingId,
          filingVersion: quote.filingVersion,
          premiumMinor: quote.premium?.amount ?? null,
          technicalPremiumMinor: technical?.premium.amount ?? null,
          currency: filing.currency,
          referralState: referralState(quote),
          submission: built.submission,
          basis: built.basis,
          worksheet: quote.worksheet,
          simulation,
          quote,
          createdAt: now,
          updatedAt: now,
        },
      ]);
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'quote.create',
        entity: 'quote',
        entityId: id,
        details: { insuredOrgId, status: quote.status, premium: quote.premium },
      });
      return r;
    });
    await this.tenancy.relate(ctx.org.id, insuredOrgId, 'quote', id);
    return toQuoteView(row, null);
  }

  async listQuotes(ctx: RequestContext, page: { limit: number; offset: number }) {
    const where = this.readable(ctx, quotes);
    const rows = await this.db
      .select()
      .from(quotes)
      .where(where)
      .orderBy(desc(quotes.createdAt), desc(quotes.id))
      .limit(page.limit)
      .offset(page.offset);
    const [{ n }] = await this.db.select({ n: count() }).from(quotes).where(where);
    const bound = await this.policyIdsOf(rows.map((r) => r.id));
    return { items: rows.map((r) => toQuoteView(r, bound.get(r.id) ?? null)), total: Number(n) };
  }

  private async policyIdsOf(quoteIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!quoteIds.length) return out;
    const rows = await this.db
      .select({ id: policies.id, quoteId: policies.quoteId })
      .from(policies)
      .where(inArray(policies.quoteId, quoteIds));
    for (const r of rows) out.set(r.quoteId, r.id);
    return out;
  }

  private async quoteRow(ctx: RequestContext, id: string): Promise<QuoteRow> {
    const [row] = await this.db
      .select()
      .from(quotes)
      .where(and(eq(quotes.id, id), this.readable(ctx, quotes)))
      .limit(1);
    if (!row) throw notFound('quote');
    return row;
  }

  async getQuote(ctx: RequestContext, id: string): Promise<QuoteView> {
    const row = await this.quoteRow(ctx, id);
    return toQuoteView(row, (await this.policyIdsOf([id])).get(id) ?? null);
  }

  /**
   * An underwriter's decision on a referred quote: on one referral (`ruleId`) or on every pending
   * one. The decision, reason and who decided are kept on the quote and in the audit log.
   */
  async decideReferral(
    ctx: RequestContext,
    quoteId: string,
    outcome: 'approve' | 'decline',
    reason: string,
    ruleId?: string,
  ): Promise<QuoteView> {
    // Not found before forbidden: whoever cannot read the quote learns nothing about it.
    await this.quoteRow(ctx, quoteId);
    this.insurer(ctx, true);
    const decidedBy = ctx.actor.email ?? ctx.actor.id;
    const row = await ctx.scope.transaction(async (scope) => {
      const [current] = await scope.select(quotes, eq(quotes.id, quoteId), { limit: 1 });
      if (!current) throw notFound('quote');
      let q = current.quote;
      const pending = q.referrals.filter((r) => !r.decision && r.action === 'refer').map((r) => r.ruleId);
      if (ruleId && !q.referrals.some((r) => r.ruleId === ruleId))
        throw invalid(`quote ${quoteId} has no referral ${ruleId}`, [
          { field: 'ruleId', message: 'unknown' },
        ]);
      const targets = ruleId ? [ruleId] : pending;
      if (targets.length === 0) throw conflict(`quote ${quoteId} has no referral waiting for a decision`);
      for (const t of targets) {
        if (q.status !== 'referred') break;
        q = decideReferral(q, t, { outcome, reason, decidedBy }, this.clock);
      }
      const [r] = await scope.update(
        quotes,
        {
          quote: q,
          status: q.status,
          referralState: referralState(q),
          referralDecision: outcome,
          referralReason: reason,
          referralDecidedBy: decidedBy,
          updatedAt: this.clock.now(),
        },
        eq(quotes.id, quoteId),
      );
      await this.tenancy.audit(scope, ctx.actor, {
        action: `quote.referral.${outcome}`,
        entity: 'quote',
        entityId: quoteId,
        details: { rules: targets, reason, status: q.status },
      });
      return r;
    });
    return toQuoteView(row, null);
  }

  /** Bind a quoted quote: a policy with its number, period, terms and declarations page. */
  async bind(ctx: RequestContext, quoteId: string, opts: { periodStart?: string } = {}): Promise<PolicyView> {
    await this.quoteRow(ctx, quoteId);
    this.insurer(ctx, true);
    const boundBy = ctx.actor.email ?? ctx.actor.id;
    const view = await ctx.scope.transaction(async (scope) => {
      // Lock the quote row: two binds of one quote must not both pass the status check.
      const [current] = await scope.db
        .select()
        .from(quotes)
        .where(and(eq(quotes.id, quoteId), eq(quotes.orgId, scope.orgId)))
        .for('update');
      if (!current) throw notFound('quote');
      const year = (opts.periodStart ?? this.clock.now().toISOString()).slice(0, 4);
      // Policy numbers run per insurer and inception year; the unique index catches a concurrent race.
      const [{ n }] = await scope.db
        .select({ n: count() })
        .from(policies)
        .where(
          and(
            eq(policies.orgId, scope.orgId),
            gte(policies.periodStart, `${year}-01-01`),
            lt(policies.periodStart, `${Number(year) + 1}-01-01`),
          ),
        );
      const bound = bindQuote(current.quote, {
        id: newId(),
        sequence: Number(n) + 1,
        boundBy,
        clock: this.clock,
        periodStart: opts.periodStart,
      });
      const now = this.clock.now();
      const html = renderDeclarations(bound.policy, productById(bound.policy.productId), now);
      const hash = createHash('sha256').update(html, 'utf8').digest('hex');
      await scope.update(
        quotes,
        { quote: bound.quote, status: bound.quote.status, updatedAt: now },
        eq(quotes.id, quoteId),
      );
      const [p] = await scope.insert(policies, [
        {
          id: bound.policy.id,
          insuredOrgId: current.insuredOrgId,
          number: bound.policy.number,
          quoteId,
          status: bound.policy.status,
          periodStart: bound.policy.period.start,
          periodEnd: bound.policy.period.end,
          jurisdiction: bound.policy.jurisdiction,
          premiumMinor: bound.policy.premium.amount,
          currency: bound.policy.premium.currency,
          policy: bound.policy,
          declarationsHtml: html,
          declarationsHash: hash,
          createdAt: now,
          updatedAt: now,
        },
      ]);
      const v = toPolicyView(p);
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'policy.bind',
        entity: 'policy',
        entityId: v.id,
        details: { number: v.number, quoteId, declarationsHash: hash },
      });
      for (const l of this.bindListeners) await l(v, scope);
      return v;
    });
    await this.tenancy.relate(ctx.org.id, view.insuredOrgId, 'policy', view.id);
    return view;
  }

  async listPolicies(ctx: RequestContext): Promise<PolicyView[]> {
    const rows = await this.db
      .select()
      .from(policies)
      .where(this.readable(ctx, policies))
      .orderBy(desc(policies.createdAt), desc(policies.id));
    return rows.map(toPolicyView);
  }

  private async policyRow(ctx: RequestContext, id: string): Promise<PolicyRow> {
    const [row] = await this.db
      .select()
      .from(policies)
      .where(and(eq(policies.id, id), this.readable(ctx, policies)))
      .limit(1);
    if (!row) throw notFound('policy');
    return row;
  }

  async getPolicy(ctx: RequestContext, id: string): Promise<PolicyView> {
    return toPolicyView(await this.policyRow(ctx, id));
  }

  /** The declarations page exactly as issued (its SHA-256 is the stored hash). */
  async declarations(
    ctx: RequestContext,
    id: string,
  ): Promise<{ html: string; hash: string; number: string }> {
    const row = await this.policyRow(ctx, id);
    return { html: row.declarationsHtml, hash: row.declarationsHash, number: row.number };
  }

  /** Lock the insurer's own policy row for a change. */
  private async lockPolicy(scope: TenantScope, policyId: string) {
    const [row] = await scope.db
      .select()
      .from(policies)
      .where(and(eq(policies.id, policyId), eq(policies.orgId, scope.orgId)))
      .for('update');
    if (!row) throw notFound('policy');
    return row;
  }

  private async savePolicyChange(
    scope: TenantScope,
    ctx: RequestContext,
    row: PolicyRow,
    policy: Policy,
    doc: PolicyDocument,
    audit: { action: string; details: Record<string, unknown> },
  ): Promise<PolicyView> {
    const [r] = await scope.update(
      policies,
      { policy, status: policy.status, updatedAt: this.clock.now() },
      eq(policies.id, row.id),
    );
    await this.tenancy.audit(scope, ctx.actor, {
      action: audit.action,
      entity: 'policy',
      entityId: row.id,
      details: { ...audit.details, number: row.number, documentSha256: doc.sha256 },
    });
    for (const l of this.documentListeners) await l(doc, scope);
    return toPolicyView(r);
  }

  /**
   * An on-demand cover change: the changed terms re-rated on the policy's own filing (its rates at
   * quoting), the pro-rata additional or return premium for the rest of the period, and a document
   * whose hash is logged. A re-rating that refers needs the underwriter's explicit approval.
   */
  async endorsePolicy(ctx: RequestContext, policyId: string, input: EndorsementRequest): Promise<PolicyView> {
    await this.policyRow(ctx, policyId);
    this.insurer(ctx, true);
    const by = ctx.actor.email ?? ctx.actor.id;
    return ctx.scope.transaction(async (scope) => {
      const row = await this.lockPolicy(scope, policyId);
      const [quote] = await scope.select(quotes, eq(quotes.id, row.quoteId), { limit: 1 });
      if (!quote) throw notFound('quote');
      const filing = rateFilings.find((f) => f.id === row.policy.filingId);
      if (!filing)
        throw conflict(`policy ${row.number} names filing ${row.policy.filingId}, which is not loaded`);
      const current = advancePolicy(row.policy, this.clock);
      const submission = { ...quote.submission, requestedTerms: changedTerms(current.terms, input) };
      let rating = rate(submission, filing);
      let approvedReferrals: { ruleId: string; reason: string }[] | undefined;
      if (rating.status === 'referred' && input.approveReferrals) {
        approvedReferrals = rating.referrals.map((r) => ({ ruleId: r.ruleId, reason: input.reason }));
        rating = { ...rating, status: 'quoted' };
      }
      let next = endorseFromRating(
        current,
        rating,
        { effectiveDate: input.effectiveDate, reason: input.reason, requestedBy: by },
        this.clock,
      );
      const e = next.endorsements.at(-1)!;
      const hash = sha256(renderEndorsement(next, e, this.clock.now()));
      const endorsement = { ...e, documentSha256: hash, ...(approvedReferrals ? { approvedReferrals } : {}) };
      next = { ...next, endorsements: [...next.endorsements.slice(0, -1), endorsement] };
      return this.savePolicyChange(
        scope,
        ctx,
        row,
        next,
        { policyId, number: row.number, kind: 'endorsement', sequence: e.number, sha256: hash },
        {
          action: 'policy.endorse',
          details: {
            endorsement: e.number,
            effectiveDate: e.effectiveDate,
            changes: e.changes,
            premiumAdjustment: e.premiumAdjustment,
            approvedReferrals: approvedReferrals?.map((r) => r.ruleId) ?? [],
          },
        },
      );
    });
  }

  /** Cancel from a date, returning the unearned premium pro rata; only bound or in-force policies. */
  async cancelPolicy(
    ctx: RequestContext,
    policyId: string,
    input: { effectiveDate: string; reason: string },
  ): Promise<PolicyView> {
    await this.policyRow(ctx, policyId);
    this.insurer(ctx, true);
    const by = ctx.actor.email ?? ctx.actor.id;
    return ctx.scope.transaction(async (scope) => {
      const row = await this.lockPolicy(scope, policyId);
      let next = cancelPolicy(advancePolicy(row.policy, this.clock), { ...input, by }, this.clock);
      const hash = sha256(renderCancellation(next, this.clock.now()));
      next = { ...next, cancellation: { ...next.cancellation!, documentSha256: hash } };
      return this.savePolicyChange(
        scope,
        ctx,
        row,
        next,
        { policyId, number: row.number, kind: 'cancellation', sequence: 0, sha256: hash },
        {
          action: 'policy.cancel',
          details: {
            effectiveDate: input.effectiveDate,
            reason: input.reason,
            returnPremium: next.cancellation!.returnPremium,
          },
        },
      );
    });
  }

  /**
   * What would lower the insured's premium: measured changes re-rated one at a time on the policy's
   * own filing and current terms (domain/premium-reductions.ts). The insured and its insurer may ask.
   */
  async premiumReductions(ctx: RequestContext, policyId: string): Promise<PremiumReductions> {
    const row = await this.policyRow(ctx, policyId);
    const [quote] = await this.db.select().from(quotes).where(eq(quotes.id, row.quoteId)).limit(1);
    const filing = rateFilings.find((f) => f.id === row.policy.filingId);
    if (!quote || !filing) throw notFound('policy');
    const insured =
      ctx.org.id === row.insuredOrgId ? ctx : await this.tenancy.context(ctx.actor, row.insuredOrgId);
    const assessment = await this.submissions.assessmentNow(insured);
    const submission = { ...quote.submission, requestedTerms: changedTerms(row.policy.terms, {}) };
    return premiumReductions(submission, filing, assessment, this.clock.now());
  }

  /** The underwriter's submissions list: every insured it relates to, with its latest quote. */
  async submissionsList(ctx: RequestContext) {
    this.insurer(ctx, false);
    const orgs = (await this.tenancy.accessibleOrganisations(ctx.actor)).filter(
      (o) => o.access === 'insurer',
    );
    const { items } = await this.listQuotes(ctx, { limit: 500, offset: 0 });
    return orgs.map((o) => {
      const mine = items.filter((q) => q.insuredOrgId === o.id);
      const latest = mine[0];
      return {
        insured: { id: o.id, name: o.name, slug: o.slug },
        quotes: mine.length,
        latestQuote: latest
          ? {
              id: latest.id,
              status: latest.status,
              premium: latest.premium,
              technicalPremium: latest.technicalPremium?.premium ?? null,
              riskScore: latest.submission.assessment.riskScore,
              policyId: latest.policyId,
              createdAt: latest.createdAt,
            }
          : null,
      };
    });
  }
}
