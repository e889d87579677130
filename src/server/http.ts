import type {} from '@fastify/cookie';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RequestContext } from '../modules/tenancy';

/** The Fastify instance every module registers its routes on (zod schemas for input and docs). */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Resolves the tenant context of a request (authenticated actor + the organisation it acts on). */
export type ContextOf = (req: FastifyRequest) => Promise<RequestContext>;

export interface RouteDeps {
  contextOf: ContextOf;
}

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const idParams = z.object({ id: z.string().min(1).max(100) });

export const boolQuery = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export function sendDownload(reply: FastifyReply, body: string, filename: string, type: string) {
  return reply
    .header('content-type', type)
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body);
}

// Routes that answer without authentication say so in their config.
declare module 'fastify' {
  interface FastifyContextConfig {
    public?: boolean;
  }
}
