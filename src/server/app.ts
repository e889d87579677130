import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError, newId } from '../core';
import { registerAlertRoutes } from '../modules/alerts';
import { registerComplianceRoutes } from '../modules/compliance';
import { registerInventoryRoutes } from '../modules/inventory';
import { registerLedgerRoutes } from '../modules/ledger';
import { registerRiskRoutes } from '../modules/risk';
import {
  type Actor,
  type RequestContext,
  registerTenancyRoutes,
  SESSION_COOKIE,
  systemActor,
} from '../modules/tenancy';
import { registerUnderwritingRoutes } from '../modules/underwriting';
import { registerVulnerabilityRoutes } from '../modules/vulnerabilities';
import { errorHandler } from './errors';
import type { ContextOf, ZodApp } from './http';
import type { Metrics } from './metrics';
import type { Services } from './services';

export const webDist = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

export interface AppOptions {
  services: Services;
  metrics: Metrics;
  /** Extra readiness checks (MQTT connected...). */
  ready?: () => Promise<string | null>;
  /** Serve the built dashboard from web/dist (default: when it exists). */
  serveWeb?: boolean;
  secureCookies?: boolean;
  /** Register more routes (detection, ledger, ...), in the same encapsulation context. */
  extraRoutes?: ((app: ZodApp, contextOf: ContextOf) => void)[];
}

declare module 'fastify' {
  interface FastifyRequest {
    cwActor?: Actor | null;
    cwContext?: RequestContext;
  }
}

export async function buildApp(opts: AppOptions) {
  const { services, metrics } = opts;
  const app = Fastify({
    loggerInstance: services.logger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : newId();
    },
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  await app.register(fastifyCookie);
  for (const type of ['text/csv', 'text/plain', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'CoverWatch API',
        version: '1',
        description:
          'IoT security and cyber insurance. Authenticate with a session cookie (POST /api/v1/auth/login) or ' +
          '`Authorization: Bearer cwt_...`. Insurer users act on an insured organisation with the header `x-org-id`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', String(req.id));
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeHttp(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  const actorOf = async (req: FastifyRequest): Promise<Actor | null> => {
    if (req.cwActor !== undefined) return req.cwActor;
    let actor: Actor | null = null;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) actor = await services.tenancy.authenticateToken(auth.slice(7).trim());
    else if (req.cookies[SESSION_COOKIE])
      actor = await services.tenancy.authenticateSession(req.cookies[SESSION_COOKIE]!);
    req.cwActor = actor;
    return actor;
  };

  const contextOf: ContextOf = async (req) => {
    if (req.cwContext) return req.cwContext;
    const actor = await actorOf(req);
    if (!actor) throw new AppError('unauthenticated', 'sign in or send an API token');
    const header = req.headers['x-org-id'];
    const ctx = await services.tenancy.context(
      actor,
      typeof header === 'string' && header ? header : undefined,
    );
    req.cwContext = ctx;
    req.log = req.log.child({ orgId: ctx.org.id, actor: actor.id });
    return ctx;
  };

  registerTenancyRoutes(app, {
    tenancy: services.tenancy,
    contextOf,
    secureCookies: opts.secureCookies ?? false,
  });
  registerInventoryRoutes(app, {
    inventory: services.inventory,
    credentials: services.credentials,
    contextOf,
  });
  registerAlertRoutes(app, {
    alerts: services.alerts,
    contextOf,
    subscribe: (orgId, fn) => services.alertHub.subscribe(orgId, fn),
  });
  registerLedgerRoutes(app, {
    ledger: services.ledger,
    contextOf,
    // A policy's declarations are logged by its insurer; whoever may read the policy may prove them.
    evidenceLogOf: async (ctx, type, ref) => {
      if (type !== 'policy_document') return undefined;
      const { insurerOrgId } = await services.quotes.getPolicy(ctx, ref);
      return insurerOrgId === ctx.org.id
        ? undefined
        : services.tenancy.context(systemActor(insurerOrgId, 'insurer'));
    },
  });
  registerVulnerabilityRoutes(app, { feeds: services.feeds, findings: services.findings, contextOf });
  registerRiskRoutes(app, { risk: services.risk, controls: services.controls, contextOf });
  registerComplianceRoutes(app, { baselines: services.baselines, contextOf });
  registerUnderwritingRoutes(app, { quotes: services.quotes, contextOf });
  // --- more module routes: register here ---
  for (const extra of opts.extraRoutes ?? []) extra(app, contextOf);

  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await services.store.db.execute(sql`select 1`);
    } catch (e) {
      return reply.code(503).send({ status: 'unavailable', reason: `database: ${(e as Error).message}` });
    }
    const extra = opts.ready ? await opts.ready() : null;
    if (extra) return reply.code(503).send({ status: 'unavailable', reason: extra });
    return { status: 'ready', database: services.store.kind };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.render();
  });

  const serveWeb = opts.serveWeb ?? existsSync(join(webDist, 'index.html'));
  if (serveWeb) {
    await app.register(fastifyStatic, { root: webDist, wildcard: false, index: ['index.html'] });
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.includes('.')) {
        return reply.type('text/html').sendFile('index.html');
      }
      return reply.code(404).send({
        error: {
          kind: 'not_found',
          message: `no route ${req.method} ${req.url.split('?')[0]}`,
          details: [],
          requestId: String(req.id),
        },
      });
    });
  } else {
    app.setNotFoundHandler((req, reply) =>
      reply.code(404).send({
        error: {
          kind: 'not_found',
          message: `no route ${req.method} ${req.url.split('?')[0]}`,
          details: [],
          requestId: String(req.id),
        },
      }),
    );
  }
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
