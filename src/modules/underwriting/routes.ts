import { z } from 'zod';
import { idParams, pageQuery, type RouteDeps, type ZodApp } from '../../server/http';
import { CONTROLS } from '../risk';
import type { QuoteService } from './quote.service';

const money = z.object({
  amount: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer of minor units'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
});
const instant = z.iso.datetime({ offset: true });

const quoteBody = z.strictObject({
  insuredOrgId: z.string().min(1).max(100),
  productId: z.string().min(1).max(100).optional(),
  aggregateLimit: money,
  retention: money,
  waitingPeriodHours: z.number().int().min(0).max(720),
  sections: z
    .record(
      z.string().max(100),
      z.strictObject({
        included: z.boolean().optional(),
        limit: money.optional(),
        sublimit: money.optional(),
        retention: money.optional(),
      }),
    )
    .optional(),
  attestedControls: z
    .array(
      z.strictObject({
        control: z.enum(CONTROLS),
        attestedAt: instant,
        expiresAt: instant,
        evidence: z.string().min(1).max(2000),
      }),
    )
    .max(20)
    .optional(),
  priorKnownIncidents: z
    .array(z.strictObject({ date: z.iso.date(), description: z.string().min(1).max(2000) }))
    .max(50)
    .optional(),
  /** FAIR simulation seed and years (defaults from the server). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .optional(),
  years: z.number().int().min(100).max(200_000).optional(),
});

const decisionBody = z.strictObject({
  outcome: z.enum(['approve', 'decline']),
  reason: z.string().trim().min(1).max(2000),
  ruleId: z.string().min(1).max(100).optional(),
});

const bindBody = z.strictObject({ periodStart: z.iso.date().optional() }).optional();

const endorsementBody = z.strictObject({
  effectiveDate: z.iso.date(),
  reason: z.string().trim().min(1).max(2000),
  aggregateLimit: money.optional(),
  retention: money.optional(),
  waitingPeriodHours: z.number().int().min(0).max(720).optional(),
  sections: quoteBody.shape.sections,
  /** The underwriter approves any referral the re-rating raises, with this reason. */
  approveReferrals: z.boolean().optional(),
});

const cancelBody = z.strictObject({
  effectiveDate: z.iso.date(),
  reason: z.string().trim().min(1).max(2000),
});

export function registerUnderwritingRoutes(app: ZodApp, deps: RouteDeps & { quotes: QuoteService }) {
  const { quotes, contextOf } = deps;
  const tags = ['underwriting'];

  app.get(
    '/api/v1/underwriting/submissions',
    { schema: { tags, summary: 'Insureds the insurer holds a relation with, each with its latest quote' } },
    async (req) => ({ items: await quotes.submissionsList(await contextOf(req)) }),
  );

  app.post(
    '/api/v1/underwriting/quotes',
    {
      schema: {
        tags,
        summary:
          'Quote an insured from its profile and measured assessment (worksheet + FAIR technical premium)',
        body: quoteBody,
      },
    },
    async (req, reply) => {
      const { insuredOrgId, seed, years, ...terms } = req.body;
      const q = await quotes.createQuote(await contextOf(req), insuredOrgId, terms, { seed, years });
      return reply.code(201).send(q);
    },
  );

  app.get(
    '/api/v1/underwriting/quotes',
    {
      schema: {
        tags,
        summary: 'Quotes: the insurer its own; an insured those addressed to it',
        querystring: z.object(pageQuery),
      },
    },
    async (req) => {
      const { limit, offset } = req.query;
      return { ...(await quotes.listQuotes(await contextOf(req), { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/api/v1/underwriting/quotes/:id',
    {
      schema: {
        tags,
        summary: 'One quote with its worksheet, referrals and simulation summary',
        params: idParams,
      },
    },
    async (req) => quotes.getQuote(await contextOf(req), req.params.id),
  );

  app.post(
    '/api/v1/underwriting/quotes/:id/decision',
    {
      schema: {
        tags,
        summary:
          "An underwriter's decision on a referred quote (one referral, or all pending), with a reason",
        params: idParams,
        body: decisionBody,
      },
    },
    async (req) => {
      const { outcome, reason, ruleId } = req.body;
      return quotes.decideReferral(await contextOf(req), req.params.id, outcome, reason, ruleId);
    },
  );

  app.post(
    '/api/v1/underwriting/quotes/:id/bind',
    { schema: { tags, summary: 'Bind a quoted quote into a policy', params: idParams, body: bindBody } },
    async (req, reply) =>
      reply.code(201).send(await quotes.bind(await contextOf(req), req.params.id, req.body ?? {})),
  );

  app.get(
    '/api/v1/policies',
    { schema: { tags, summary: "Policies: the insured's own, or the insurer's book" } },
    async (req) => ({ items: await quotes.listPolicies(await contextOf(req)) }),
  );

  app.get(
    '/api/v1/policies/:id',
    { schema: { tags, summary: 'One policy: sections, limits, retentions, premium', params: idParams } },
    async (req) => quotes.getPolicy(await contextOf(req), req.params.id),
  );

  app.post(
    '/api/v1/policies/:id/endorsements',
    {
      schema: {
        tags,
        summary:
          'Endorse a policy: changed terms re-rated on its own filing, pro-rata additional or return premium',
        params: idParams,
        body: endorsementBody,
      },
    },
    async (req, reply) =>
      reply.code(201).send(await quotes.endorsePolicy(await contextOf(req), req.params.id, req.body)),
  );

  app.post(
    '/api/v1/policies/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a bound or in-force policy from a date, with the pro-rata return premium',
        params: idParams,
        body: cancelBody,
      },
    },
    async (req) => quotes.cancelPolicy(await contextOf(req), req.params.id, req.body),
  );

  app.get(
    '/api/v1/policies/:id/premium-reductions',
    {
      schema: {
        tags,
        summary: 'What would lower the premium: measured changes, each re-rated on the policy filing',
        params: idParams,
      },
    },
    async (req) => quotes.premiumReductions(await contextOf(req), req.params.id),
  );

  app.get(
    '/api/v1/policies/:id/declarations',
    {
      schema: {
        tags,
        summary: 'The declarations page as issued (HTML); its SHA-256 in x-content-sha256',
        params: idParams,
      },
    },
    async (req, reply) => {
      const d = await quotes.declarations(await contextOf(req), req.params.id);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('x-content-sha256', d.hash)
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(d.html);
    },
  );
}
