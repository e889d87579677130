import { and, desc, eq, gt, isNull, lt, type SQL } from 'drizzle-orm';
import {
  AppError,
  type Clock,
  conflict,
  forbidden,
  invalid,
  isUuid,
  newId,
  newSecret,
  notFound,
} from '../../core';
import { type Db, TenantScope } from '../../store';
import { type Actor, type OrgRef, RequestContext } from './context';
import { DUMMY_HASH_PROMISE, hashPassword, hashSecret, verifyPassword } from './passwords';
import { assertRoleFits, type OrgKind, permissionsOf, type Role } from './permissions';
import { AttemptLimiter } from './rate-limit';
import { apiTokens, auditLog, insurerRelations, organisations, sessions, users } from './schema';

const SESSION_HOURS = 12;
export const TOKEN_PREFIX = 'cwt_';

export interface NewOrganisation {
  name: string;
  slug?: string;
  kind: OrgKind;
  industry?: string | null;
  country?: string | null;
  profile?: Record<string, unknown>;
}

export interface UserView {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | null;
  details?: Record<string, unknown>;
}

export const slugify = (s: string): string =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'org';

const toUserView = (u: typeof users.$inferSelect): UserView => ({
  id: u.id,
  orgId: u.orgId,
  email: u.email,
  name: u.name,
  role: u.role as Role,
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
});

const toOrgRef = (o: typeof organisations.$inferSelect): OrgRef => ({
  id: o.id,
  slug: o.slug,
  name: o.name,
  kind: o.kind as OrgKind,
});

/** Organisations, users, sign-in, sessions, API tokens, the insurer–insured relation and the audit log. */
export class TenancyService {
  /** 5 failures per e-mail and 20 per client address in 15 minutes (OWASP Authentication Cheat Sheet). */
  private readonly perEmail = new AttemptLimiter(5, 15 * 60_000);
  private readonly perAddress = new AttemptLimiter(20, 15 * 60_000);

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  scope(orgId: string): TenantScope {
    return new TenantScope(this.db, orgId);
  }

  async createOrganisation(input: NewOrganisation): Promise<OrgRef> {
    if (!input.name.trim())
      throw invalid('organisation name is required', [{ field: 'name', message: 'empty' }]);
    const slug = input.slug ?? slugify(input.name);
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(slug)) {
      throw invalid('slug must be lower-case letters, digits and dashes', [{ field: 'slug', message: slug }]);
    }
    const [existing] = await this.db.select().from(organisations).where(eq(organisations.slug, slug));
    if (existing)
      throw conflict(`an organisation with slug "${slug}" exists`, [{ field: 'slug', message: slug }]);
    const [row] = await this.db
      .insert(organisations)
      .values({
        id: newId(),
        slug,
        name: input.name.trim(),
        kind: input.kind,
        industry: input.industry ?? null,
        country: input.country ?? null,
        profile: input.profile ?? {},
        createdAt: this.clock.now(),
      })
      .returning();
    return toOrgRef(row);
  }

  /** Every organisation (operator tools only; requests see accessibleOrganisations). */
  async listOrganisations(): Promise<OrgRef[]> {
    return (await this.db.select().from(organisations).orderBy(organisations.name)).map(toOrgRef);
  }

  async organisation(id: string): Promise<OrgRef> {
    if (!isUuid(id)) throw notFound('organisation');
    const [row] = await this.db.select().from(organisations).where(eq(organisations.id, id));
    if (!row) throw notFound('organisation');
    return toOrgRef(row);
  }

  async organisationBySlug(slug: string): Promise<OrgRef> {
    const [row] = await this.db.select().from(organisations).where(eq(organisations.slug, slug));
    if (!row) throw notFound(`organisation "${slug}"`);
    return toOrgRef(row);
  }

  async organisationProfile(id: string): Promise<Record<string, unknown>> {
    const [row] = await this.db.select().from(organisations).where(eq(organisations.id, id));
    if (!row) throw notFound('organisation');
    return { industry: row.industry, country: row.country, ...row.profile };
  }

  async createUser(
    orgId: string,
    input: { email: string; name: string; password: string; role: Role },
    by?: Actor,
  ): Promise<UserView> {
    const org = await this.organisation(orgId);
    assertRoleFits(input.role, org.kind);
    const email = input.email.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw invalid('email is not an e-mail address', [{ field: 'email', message: input.email }]);
    }
    // NIST SP 800-63B §5.1.1.2: at least 8 characters; we ask for 10 and allow up to 256.
    if (input.password.length < 10 || input.password.length > 256) {
      throw invalid('password must be 10 to 256 characters', [{ field: 'password', message: 'length' }]);
    }
    const [dupe] = await this.db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (dupe) throw conflict(`a user with e-mail ${email} exists`, [{ field: 'email', message: email }]);
    const passwordHash = await hashPassword(input.password);
    const row = await this.db.transaction(async (tx) => {
      const [u] = await tx
        .insert(users)
        .values({
          id: newId(),
          orgId,
          email,
          name: input.name.trim() || email,
          passwordHash,
          role: input.role,
          createdAt: this.clock.now(),
        })
        .returning();
      if (by)
        await this.audit(new TenantScope(tx as unknown as Db, orgId), by, {
          action: 'create',
          entity: 'user',
          entityId: u.id,
          details: { email, role: input.role },
        });
      return u;
    });
    return toUserView(row);
  }

  async listUsers(ctx: RequestContext): Promise<UserView[]> {
    ctx.require('read');
    const rows = await ctx.scope.select(users, undefined, { orderBy: [users.email] });
    return rows.map(toUserView);
  }

  async login(
    email: string,
    password: string,
    address: string,
  ): Promise<{ session: string; user: UserView }> {
    const now = this.clock.now().getTime();
    const emailKey = email.trim().toLowerCase();
    const wait = Math.max(this.perEmail.retryAfter(emailKey, now), this.perAddress.retryAfter(address, now));
    if (wait > 0) {
      throw new AppError('rate_limited', `too many failed sign-in attempts; try again in ${wait} s`, [
        { field: 'retryAfter', message: String(wait) },
      ]);
    }
    const [u] = await this.db.select().from(users).where(eq(users.email, emailKey));
    let ok = false;
    if (u && !u.disabled) ok = await verifyPassword(u.passwordHash, password);
    else await verifyPassword(await DUMMY_HASH_PROMISE, password); // same cost whether or not the user exists
    if (!u || !ok) {
      this.perEmail.fail(emailKey, now);
      this.perAddress.fail(address, now);
      throw new AppError('unauthenticated', 'e-mail or password is wrong');
    }
    this.perEmail.reset(emailKey);
    const session = newSecret(32);
    await this.db.insert(sessions).values({
      id: hashSecret(session),
      userId: u.id,
      createdAt: new Date(now),
      expiresAt: new Date(now + SESSION_HOURS * 3600_000),
    });
    return { session, user: toUserView(u) };
  }

  async logout(session: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.id, hashSecret(session)));
  }

  private async actorForUser(userId: string, kind: 'user' | 'token', id: string): Promise<Actor | null> {
    const [row] = await this.db
      .select({ u: users, o: organisations })
      .from(users)
      .innerJoin(organisations, eq(users.orgId, organisations.id))
      .where(eq(users.id, userId));
    if (!row || row.u.disabled) return null;
    return {
      kind,
      id,
      userId: row.u.id,
      orgId: row.o.id,
      orgKind: row.o.kind as OrgKind,
      role: row.u.role as Role,
      email: row.u.email,
      name: row.u.name,
    };
  }

  /** The actor of a user, for operator tools that act on a user's behalf (CLI token creation). */
  async actorByEmail(email: string): Promise<Actor> {
    const [u] = await this.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.email, email.trim().toLowerCase()));
    const actor = u ? await this.actorForUser(u.id, 'user', u.id) : null;
    if (!actor) throw notFound(`user ${email}`);
    return actor;
  }

  async authenticateSession(session: string): Promise<Actor | null> {
    const now = this.clock.now();
    const [s] = await this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.id, hashSecret(session)), gt(sessions.expiresAt, now)));
    if (!s) return null;
    return this.actorForUser(s.userId, 'user', s.userId);
  }

  async authenticateToken(token: string): Promise<Actor | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const [t] = await this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, hashSecret(token)), isNull(apiTokens.revokedAt)));
    if (!t) return null;
    await this.db.update(apiTokens).set({ lastUsedAt: this.clock.now() }).where(eq(apiTokens.id, t.id));
    return this.actorForUser(t.userId, 'token', t.id);
  }

  async purgeExpiredSessions(): Promise<void> {
    await this.db.delete(sessions).where(lt(sessions.expiresAt, this.clock.now()));
  }

  /** A new API token for the acting user; the token itself is returned once and never stored. */
  async createToken(
    ctx: RequestContext,
    name: string,
  ): Promise<{ id: string; name: string; prefix: string; token: string }> {
    if (ctx.access !== 'own' || !ctx.actor.userId)
      throw forbidden('tokens are created in your own organisation');
    ctx.require('tokens:create');
    if (!name.trim()) throw invalid('token name is required', [{ field: 'name', message: 'empty' }]);
    const token = TOKEN_PREFIX + newSecret(24);
    const id = newId();
    return ctx.scope.transaction(async (scope) => {
      await scope.insert(apiTokens, [
        {
          id,
          userId: ctx.actor.userId!,
          name: name.trim(),
          prefix: token.slice(0, 10),
          tokenHash: hashSecret(token),
          createdAt: this.clock.now(),
        },
      ]);
      await this.audit(scope, ctx.actor, {
        action: 'create',
        entity: 'api_token',
        entityId: id,
        details: { name },
      });
      return { id, name: name.trim(), prefix: token.slice(0, 10), token };
    });
  }

  async listTokens(ctx: RequestContext) {
    ctx.require('read');
    const cond: SQL | undefined = ctx.can('users:manage')
      ? undefined
      : eq(apiTokens.userId, ctx.actor.userId ?? '');
    const rows = await ctx.scope.select(apiTokens, cond, { orderBy: [desc(apiTokens.createdAt)] });
    return rows.map((t) => ({
      id: t.id,
      userId: t.userId,
      name: t.name,
      prefix: t.prefix,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
      revokedAt: t.revokedAt?.toISOString() ?? null,
    }));
  }

  async revokeToken(ctx: RequestContext, id: string): Promise<void> {
    if (ctx.access !== 'own') throw forbidden('tokens are managed in your own organisation');
    if (!isUuid(id)) throw notFound('API token');
    const t = await ctx.scope.get(apiTokens, id, 'API token');
    if (t.userId !== ctx.actor.userId) ctx.require('users:manage');
    await ctx.scope.transaction(async (scope) => {
      await scope.update(apiTokens, { revokedAt: this.clock.now() }, eq(apiTokens.id, id));
      await this.audit(scope, ctx.actor, { action: 'revoke', entity: 'api_token', entityId: id });
    });
  }

  /** The organisations an actor may switch to: its own, and for an insurer the insureds it relates to. */
  async accessibleOrganisations(actor: Actor): Promise<(OrgRef & { access: 'own' | 'insurer' })[]> {
    const own = await this.organisation(actor.orgId);
    const out: (OrgRef & { access: 'own' | 'insurer' })[] = [{ ...own, access: 'own' }];
    if (actor.orgKind === 'insurer') {
      const rows = await this.db
        .selectDistinct({ o: organisations })
        .from(insurerRelations)
        .innerJoin(organisations, eq(insurerRelations.insuredOrgId, organisations.id))
        .where(and(eq(insurerRelations.insurerOrgId, actor.orgId), eq(insurerRelations.active, true)))
        .orderBy(organisations.name);
      for (const r of rows) out.push({ ...toOrgRef(r.o), access: 'insurer' });
    }
    return out;
  }

  /**
   * The context of a request: the actor's own organisation, or (insurer users only) an insured one
   * it holds an active relation with. Anything else answers not_found, so a foreign organisation's
   * existence is not revealed.
   */
  async context(actor: Actor, orgId?: string): Promise<RequestContext> {
    const target = orgId && orgId !== actor.orgId ? orgId : actor.orgId;
    if (target === actor.orgId) {
      const org = await this.organisation(actor.orgId);
      return new RequestContext(actor, org, 'own', permissionsOf(actor.role, 'own'), this.scope(org.id));
    }
    if (actor.orgKind !== 'insurer' || !isUuid(target)) throw notFound('organisation');
    const [rel] = await this.db
      .select({ id: insurerRelations.id })
      .from(insurerRelations)
      .where(
        and(
          eq(insurerRelations.insurerOrgId, actor.orgId),
          eq(insurerRelations.insuredOrgId, target),
          eq(insurerRelations.active, true),
        ),
      )
      .limit(1);
    if (!rel) throw notFound('organisation');
    const org = await this.organisation(target);
    return new RequestContext(
      actor,
      org,
      'insurer',
      permissionsOf(actor.role, 'insurer'),
      this.scope(org.id),
    );
  }

  /** Record that an insurer holds a submission, quote or policy for an insured (idempotent). */
  async relate(insurerOrgId: string, insuredOrgId: string, basis: string, basisRef?: string): Promise<void> {
    const [a, b] = await Promise.all([this.organisation(insurerOrgId), this.organisation(insuredOrgId)]);
    if (a.kind !== 'insurer' || b.kind !== 'insured')
      throw invalid('a relation joins an insurer to an insured');
    await this.db
      .insert(insurerRelations)
      .values({
        id: newId(),
        insurerOrgId,
        insuredOrgId,
        basis,
        basisRef: basisRef ?? null,
        active: true,
        createdAt: this.clock.now(),
      })
      .onConflictDoUpdate({
        target: [insurerRelations.insurerOrgId, insurerRelations.insuredOrgId, insurerRelations.basis],
        set: { active: true, endedAt: null, basisRef: basisRef ?? null },
      });
  }

  async endRelation(insurerOrgId: string, insuredOrgId: string): Promise<void> {
    await this.db
      .update(insurerRelations)
      .set({ active: false, endedAt: this.clock.now() })
      .where(
        and(eq(insurerRelations.insurerOrgId, insurerOrgId), eq(insurerRelations.insuredOrgId, insuredOrgId)),
      );
  }

  /** Append to the audit log, in the caller's transaction (pass the scope bound to it). */
  async audit(scope: TenantScope, actor: Actor, entry: AuditEntry): Promise<void> {
    await scope.insert(auditLog, [
      {
        id: newId(),
        actor: actor.id,
        actorKind: actor.kind,
        action: entry.action,
        entity: entry.entity,
        entityId: entry.entityId ?? null,
        details: entry.details ?? {},
        at: this.clock.now(),
      },
    ]);
  }

  async listAudit(ctx: RequestContext, opts: { limit: number; offset: number; entity?: string }) {
    ctx.require('audit:read');
    const cond = opts.entity ? eq(auditLog.entity, opts.entity) : undefined;
    const rows = await ctx.scope.select(auditLog, cond, {
      orderBy: [desc(auditLog.at), desc(auditLog.id)],
      limit: opts.limit,
      offset: opts.offset,
    });
    const total = await ctx.scope.count(auditLog, cond);
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        actor: r.actor,
        actorKind: r.actorKind,
        action: r.action,
        entity: r.entity,
        entityId: r.entityId,
        details: r.details,
        at: r.at.toISOString(),
      })),
    };
  }
}
