import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorDetail, type ErrorKind, isAppError } from '../core';

/** The one place error kinds become HTTP statuses (DESIGN.md §4). */
export const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: {
    kind: ErrorKind | 'internal' | 'too_large';
    message: string;
    details: ErrorDetail[];
    requestId: string;
  };
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const requestId = String(req.id);
  if (isAppError(err)) {
    if (err.kind === 'rate_limited') {
      const retry = err.details.find((d) => d.field === 'retryAfter');
      if (retry) reply.header('retry-after', retry.message);
    }
    return reply
      .code(STATUS[err.kind])
      .send({ error: { kind: err.kind, message: err.message, details: err.details, requestId } });
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const details: ErrorDetail[] = err.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return { field: `${where}${path ? `.${path}` : ''}`, message: v.message ?? 'invalid' };
    });
    return reply.code(400).send({
      error: {
        kind: 'invalid',
        message: `invalid ${where}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
        details,
        requestId,
      },
    });
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.code(413).send({
      error: {
        kind: 'too_large',
        message: `request body is larger than this route accepts (${req.routeOptions.bodyLimit ?? '?'} bytes)`,
        details: [],
        requestId,
      },
    });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (bad JSON, wrong content type): safe to tell, without internals.
    return reply
      .code(fe.statusCode)
      .send({ error: { kind: 'invalid', message: fe.message, details: [], requestId } });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({
    error: {
      kind: 'internal',
      message: 'internal error; quote the request id to support',
      details: [],
      requestId,
    },
  });
}
