import { z } from 'zod';
import { pageQuery, type RouteDeps, type ZodApp } from '../../server/http';
import { ENTRY_TYPES } from './domain/entry';
import { type EvidenceLogOf, evidenceOf } from './evidence';
import type { LedgerService } from './ledger.service';

const indexParams = z.object({ index: z.coerce.number().int().min(0) });
const isoTime = z.iso.datetime({ offset: true });
const typeList = z
  .string()
  .max(300)
  .transform((s) => s.split(','))
  .pipe(z.array(z.enum(ENTRY_TYPES)));

const exportBody = z.strictObject({
  indices: z.array(z.number().int().min(0)).max(10_000).optional(),
  types: z.array(z.enum(ENTRY_TYPES)).optional(),
  ref: z.string().max(500).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  olderSize: z.number().int().min(1).optional(),
  olderCheckpoint: z.string().max(10_000).optional(),
  subject: z
    .string()
    .max(200)
    .regex(/^[^\n]*$/, 'must be one line')
    .optional(),
  withholdPayloads: z.boolean().optional(),
});

export function registerLedgerRoutes(
  app: ZodApp,
  deps: RouteDeps & { ledger: LedgerService; evidenceLogOf?: EvidenceLogOf },
) {
  const { ledger, contextOf, evidenceLogOf } = deps;
  const tags = ['ledger'];

  app.get(
    '/api/v1/ledger/key',
    {
      schema: {
        tags,
        summary: "The ledger's note verifier key (pin it to verify checkpoints and bundles)",
        security: [],
      },
      config: { public: true },
    },
    async () => ({ verifierKey: ledger.verifierKey(), algorithm: 'Ed25519', format: 'c2sp.org/signed-note' }),
  );

  app.get(
    '/api/v1/ledger/entries',
    {
      schema: {
        tags,
        summary: 'Logged evidence entries, newest first',
        querystring: z.object({
          ...pageQuery,
          type: typeList.optional(),
          ref: z.string().max(500).optional(),
          from: isoTime.optional(),
          to: isoTime.optional(),
        }),
      },
    },
    async (req) => {
      const ctx = await contextOf(req);
      const { limit, offset, type, ref, from, to } = req.query;
      const filter = {
        types: type,
        ref,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
      };
      return { ...(await ledger.list(ctx, filter, { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/api/v1/ledger/entries/:index',
    { schema: { tags, summary: 'One entry by its position in the log', params: indexParams } },
    async (req) => ledger.entry(await contextOf(req), req.params.index),
  );

  app.get(
    '/api/v1/ledger/entries/:index/proof',
    {
      schema: {
        tags,
        summary:
          'Inclusion proof (RFC 9162 §2.1.3) of an entry at a tree size (default: the latest checkpoint)',
        params: indexParams,
        querystring: z.object({ size: z.coerce.number().int().min(1).optional() }),
      },
    },
    async (req) => ledger.inclusionProof(await contextOf(req), req.params.index, req.query.size),
  );

  app.get(
    '/api/v1/ledger/consistency',
    {
      schema: {
        tags,
        summary: 'Consistency proof (RFC 9162 §2.1.4) between two tree sizes',
        querystring: z.object({
          from: z.coerce.number().int().min(1),
          to: z.coerce.number().int().min(1).optional(),
        }),
      },
    },
    async (req) => ledger.consistencyProof(await contextOf(req), req.query.from, req.query.to),
  );

  app.get(
    '/api/v1/ledger/evidence',
    {
      schema: {
        tags,
        summary:
          'Evidence of one record: every entry logged for it with an inclusion proof against a signed checkpoint and the verifier key (verify it yourself)',
        querystring: z.object({ type: z.enum(ENTRY_TYPES), ref: z.string().min(1).max(500) }),
      },
    },
    async (req) => evidenceOf(ledger, await contextOf(req), req.query.type, req.query.ref, evidenceLogOf),
  );

  app.post(
    '/api/v1/ledger/checkpoints',
    { schema: { tags, summary: 'Publish a signed checkpoint now (administrators)' } },
    async (req, reply) => reply.code(201).send(await ledger.checkpointNow(await contextOf(req))),
  );

  app.get(
    '/api/v1/ledger/checkpoints/latest',
    { schema: { tags, summary: 'The latest signed checkpoint (C2SP tlog-checkpoint)' } },
    async (req) => ledger.latestCheckpoint(await contextOf(req)),
  );

  app.post(
    '/api/v1/ledger/export',
    {
      schema: {
        tags,
        summary:
          'Evidence bundle: entries with inclusion proofs, a signed checkpoint and manifest; verify offline',
        body: exportBody,
      },
    },
    async (req) => {
      const ctx = await contextOf(req);
      const b = req.body;
      return ledger.exportBundle(ctx, {
        ...b,
        from: b.from ? new Date(b.from) : undefined,
        to: b.to ? new Date(b.to) : undefined,
      });
    },
  );
}
