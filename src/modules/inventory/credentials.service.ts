import { and, desc, eq, isNull } from 'drizzle-orm';
import { type Clock, conflict, invalid, isUuid, newId, newSecret, notFound } from '../../core';
import type { Db } from '../../store';
import { hashSecret, type RequestContext, secretMatches, type TenancyService } from '../tenancy';
import { organisations } from '../tenancy/schema';
import { devices, mqttCredentials } from './schema';

export type ClientKind = 'device' | 'sensor' | 'gateway';

/** An authenticated MQTT client: it may publish only under cw/{orgSlug}/{clientName}/... */
export interface MqttIdentity {
  orgId: string;
  orgSlug: string;
  clientName: string;
  kind: ClientKind;
  deviceId: string | null;
  username: string;
}

const CLIENT_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class CredentialService {
  constructor(
    private readonly db: Db,
    private readonly tenancy: TenancyService,
    private readonly clock: Clock,
  ) {}

  /** New credentials; the secret is returned once and only its hash is kept. */
  async create(
    ctx: RequestContext,
    input: { clientName: string; kind: ClientKind; deviceId?: string | null },
  ) {
    ctx.require('credentials:manage');
    const clientName = input.clientName.trim().toLowerCase();
    if (!CLIENT_NAME_RE.test(clientName)) {
      throw invalid(
        'clientName must be 1-63 lower-case letters, digits, "-" or "_" (it is an MQTT topic level)',
        [{ field: 'clientName', message: input.clientName }],
      );
    }
    return ctx.scope.transaction(async (scope) => {
      if (input.deviceId) {
        if (!isUuid(input.deviceId))
          throw invalid('device does not exist', [{ field: 'deviceId', message: 'unknown device' }]);
        const [d] = await scope.select(devices, eq(devices.id, input.deviceId), { limit: 1 });
        if (!d) throw invalid('device does not exist', [{ field: 'deviceId', message: 'unknown device' }]);
      }
      const [dupe] = await scope.select(mqttCredentials, eq(mqttCredentials.clientName, clientName), {
        limit: 1,
      });
      if (dupe)
        throw conflict(`client "${clientName}" already has credentials`, [
          { field: 'clientName', message: clientName },
        ]);
      const secret = newSecret(24);
      const username = `${ctx.org.slug}.${clientName}`;
      const id = newId();
      await scope.insert(mqttCredentials, [
        {
          id,
          clientName,
          kind: input.kind,
          deviceId: input.deviceId ?? null,
          username,
          secretHash: hashSecret(secret),
          createdAt: this.clock.now(),
        },
      ]);
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'create',
        entity: 'mqtt_credential',
        entityId: id,
        details: { clientName, kind: input.kind, deviceId: input.deviceId ?? null },
      });
      return {
        id,
        clientName,
        kind: input.kind,
        deviceId: input.deviceId ?? null,
        username,
        password: secret,
        topicPrefix: `cw/${ctx.org.slug}/${clientName}/`,
      };
    });
  }

  async list(ctx: RequestContext) {
    ctx.require('read');
    const rows = await ctx.scope.select(mqttCredentials, undefined, {
      orderBy: [desc(mqttCredentials.createdAt)],
    });
    return rows.map((r) => ({
      id: r.id,
      clientName: r.clientName,
      kind: r.kind as ClientKind,
      deviceId: r.deviceId,
      username: r.username,
      createdAt: r.createdAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
    }));
  }

  /** A new secret for existing credentials (shown once); the old one stops working at once. */
  async rotate(ctx: RequestContext, id: string): Promise<{ username: string; password: string }> {
    ctx.require('credentials:manage');
    if (!isUuid(id)) throw notFound('MQTT credential');
    return ctx.scope.transaction(async (scope) => {
      const row = await scope.get(mqttCredentials, id, 'MQTT credential');
      const secret = newSecret(24);
      await scope.update(
        mqttCredentials,
        { secretHash: hashSecret(secret), revokedAt: null },
        eq(mqttCredentials.id, id),
      );
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'rotate',
        entity: 'mqtt_credential',
        entityId: id,
      });
      return { username: row.username, password: secret };
    });
  }

  /** Credentials by client name in the caller's organisation, or null. */
  async findByClientName(ctx: RequestContext, clientName: string) {
    const [row] = await ctx.scope.select(mqttCredentials, eq(mqttCredentials.clientName, clientName), {
      limit: 1,
    });
    return row ? { id: row.id, username: row.username, kind: row.kind as ClientKind } : null;
  }

  async revoke(ctx: RequestContext, id: string): Promise<void> {
    ctx.require('credentials:manage');
    if (!isUuid(id)) throw notFound('MQTT credential');
    await ctx.scope.transaction(async (scope) => {
      await scope.get(mqttCredentials, id, 'MQTT credential');
      await scope.update(mqttCredentials, { revokedAt: this.clock.now() }, eq(mqttCredentials.id, id));
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'revoke',
        entity: 'mqtt_credential',
        entityId: id,
      });
    });
  }

  /** Check an MQTT CONNECT's username and password; null when they do not match a live credential. */
  async authenticate(username: string, password: string): Promise<MqttIdentity | null> {
    const [row] = await this.db
      .select({ c: mqttCredentials, slug: organisations.slug })
      .from(mqttCredentials)
      .innerJoin(organisations, eq(mqttCredentials.orgId, organisations.id))
      .where(and(eq(mqttCredentials.username, username), isNull(mqttCredentials.revokedAt)));
    if (!row || !secretMatches(password, row.c.secretHash)) return null;
    return {
      orgId: row.c.orgId,
      orgSlug: row.slug,
      clientName: row.c.clientName,
      kind: row.c.kind as ClientKind,
      deviceId: row.c.deviceId,
      username,
    };
  }

  /** The identity behind a topic's first two levels (for messages that arrive via an external broker). */
  async identityFor(orgSlug: string, clientName: string): Promise<MqttIdentity | null> {
    const [row] = await this.db
      .select({ c: mqttCredentials, slug: organisations.slug })
      .from(mqttCredentials)
      .innerJoin(organisations, eq(mqttCredentials.orgId, organisations.id))
      .where(
        and(
          eq(organisations.slug, orgSlug),
          eq(mqttCredentials.clientName, clientName),
          isNull(mqttCredentials.revokedAt),
        ),
      );
    if (!row) return null;
    return {
      orgId: row.c.orgId,
      orgSlug: row.slug,
      clientName: row.c.clientName,
      kind: row.c.kind as ClientKind,
      deviceId: row.c.deviceId,
      username: row.c.username,
    };
  }
}
