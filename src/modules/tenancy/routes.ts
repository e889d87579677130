import { z } from 'zod';
import type { RouteDeps, ZodApp } from '../../server/http';
import { pageQuery } from '../../server/http';
import { ROLES } from './permissions';
import type { TenancyService } from './tenancy.service';

export const SESSION_COOKIE = 'cw_session';

export function registerTenancyRoutes(
  app: ZodApp,
  deps: RouteDeps & { tenancy: TenancyService; secureCookies: boolean },
) {
  const { tenancy, contextOf } = deps;

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password; sets an http-only session cookie',
        body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(256) }),
      },
      config: { public: true },
    },
    async (req, reply) => {
      const { session, user } = await tenancy.login(req.body.email, req.body.password, req.ip);
      reply.setCookie(SESSION_COOKIE, session, {
        httpOnly: true,
        sameSite: 'strict',
        secure: deps.secureCookies,
        path: '/',
        maxAge: 12 * 3600,
      });
      return { user };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'End the session' }, config: { public: true } },
    async (req, reply) => {
      const s = req.cookies[SESSION_COOKIE];
      if (s) await tenancy.logout(s);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/me',
    { schema: { tags: ['auth'], summary: 'The caller, its organisation and the ones it may switch to' } },
    async (req) => {
      const ctx = await contextOf(req);
      const organisations = await tenancy.accessibleOrganisations(ctx.actor);
      return {
        actor: {
          kind: ctx.actor.kind,
          userId: ctx.actor.userId,
          email: ctx.actor.email ?? null,
          name: ctx.actor.name ?? null,
          role: ctx.actor.role,
          orgId: ctx.actor.orgId,
          orgKind: ctx.actor.orgKind,
        },
        acting: { ...ctx.org, access: ctx.access, permissions: ctx.permissions },
        organisations,
      };
    },
  );

  app.get(
    '/api/v1/organisations',
    { schema: { tags: ['organisations'], summary: 'Organisations the caller may act on' } },
    async (req) => {
      const ctx = await contextOf(req);
      return { items: await tenancy.accessibleOrganisations(ctx.actor) };
    },
  );

  app.get(
    '/api/v1/users',
    { schema: { tags: ['users'], summary: 'Users of the acting organisation' } },
    async (req) => {
      const ctx = await contextOf(req);
      if (ctx.access !== 'own') ctx.require('users:manage');
      return { items: await tenancy.listUsers(ctx) };
    },
  );

  app.post(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user in your own organisation (admin)',
        body: z.object({
          email: z.string().max(320),
          name: z.string().max(120).default(''),
          password: z.string().max(256),
          role: z.enum(ROLES),
        }),
      },
    },
    async (req, reply) => {
      const ctx = await contextOf(req);
      ctx.require('users:manage');
      if (ctx.access !== 'own') ctx.require('users:manage');
      const user = await tenancy.createUser(ctx.org.id, req.body, ctx.actor);
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/api/v1/tokens',
    { schema: { tags: ['tokens'], summary: 'API tokens (yours; all for admins)' } },
    async (req) => {
      const ctx = await contextOf(req);
      if (ctx.access !== 'own') ctx.require('users:manage');
      return { items: await tenancy.listTokens(ctx) };
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token for yourself; the token is shown only in this response',
        body: z.object({ name: z.string().max(80) }),
      },
    },
    async (req, reply) => {
      const ctx = await contextOf(req);
      return reply.code(201).send(await tenancy.createToken(ctx, req.body.name));
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token',
        params: z.object({ id: z.string().max(100) }),
      },
    },
    async (req, reply) => {
      const ctx = await contextOf(req);
      await tenancy.revokeToken(ctx, req.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log of every write in the acting organisation',
        querystring: z.object({ ...pageQuery, entity: z.string().max(40).optional() }),
      },
    },
    async (req) => {
      const ctx = await contextOf(req);
      return tenancy.listAudit(ctx, req.query);
    },
  );
}
