import type { TenantScope } from '../../store';
import { type OrgKind, type Permission, type Role, requirePermission } from './permissions';

/** Who is acting: a signed-in user, an API token, an MQTT client or the system itself. */
export interface Actor {
  kind: 'user' | 'token' | 'mqtt' | 'system';
  /** User id, token id, MQTT username, or 'system'. */
  id: string;
  userId: string | null;
  /** The actor's own organisation. */
  orgId: string;
  orgKind: OrgKind;
  role: Role;
  email?: string;
  name?: string;
}

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
  kind: OrgKind;
}

/** One request's tenant: the organisation acted on, how the actor reaches it, and what it may do. */
export class RequestContext {
  constructor(
    readonly actor: Actor,
    readonly org: OrgRef,
    readonly access: 'own' | 'insurer',
    readonly permissions: readonly Permission[],
    readonly scope: TenantScope,
  ) {}

  require(permission: Permission): void {
    requirePermission(this.permissions, permission);
  }

  can(permission: Permission): boolean {
    return this.permissions.includes(permission);
  }
}

export function systemActor(orgId: string, orgKind: OrgKind): Actor {
  return { kind: 'system', id: 'system', userId: null, orgId, orgKind, role: 'admin' };
}
