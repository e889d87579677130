import { AppError, forbidden } from '../../core';

export const INSURED_ROLES = ['admin', 'analyst', 'viewer'] as const;
export const INSURER_ROLES = ['admin', 'underwriter', 'adjuster', 'viewer'] as const;
export const ROLES = ['admin', 'analyst', 'underwriter', 'adjuster', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export type OrgKind = 'insured' | 'insurer';

export type Permission =
  | 'read' // read the organisation's data
  | 'inventory:write' // sites, devices, imports
  | 'credentials:manage' // MQTT credentials for devices and sensors
  | 'users:manage'
  | 'tokens:create' // own API tokens
  | 'audit:read'
  | 'underwriting:write'
  | 'claims:write';

/** What each role may do in its OWN organisation. */
const OWN: Record<Role, readonly Permission[]> = {
  admin: [
    'read',
    'inventory:write',
    'credentials:manage',
    'users:manage',
    'tokens:create',
    'audit:read',
    'underwriting:write',
    'claims:write',
  ],
  analyst: ['read', 'inventory:write', 'credentials:manage', 'tokens:create'],
  underwriter: ['read', 'underwriting:write', 'tokens:create'],
  adjuster: ['read', 'claims:write', 'tokens:create'],
  viewer: ['read', 'audit:read'],
};

/**
 * What an insurer's user may do in an insured organisation it holds a relation with: read what
 * underwriting and claims need, never change the insured's inventory (DESIGN.md §1).
 */
const AS_INSURER: Record<Role, readonly Permission[]> = {
  admin: ['read'],
  underwriter: ['read'],
  adjuster: ['read'],
  analyst: [],
  viewer: ['read'],
};

export function rolesFor(kind: OrgKind): readonly Role[] {
  return kind === 'insurer' ? INSURER_ROLES : INSURED_ROLES;
}

export function assertRoleFits(role: Role, kind: OrgKind): void {
  if (!rolesFor(kind).includes(role)) {
    throw new AppError('invalid', `role "${role}" does not exist in an ${kind} organisation`, [
      { field: 'role', message: `one of ${rolesFor(kind).join(', ')}` },
    ]);
  }
}

export function permissionsOf(role: Role, access: 'own' | 'insurer'): readonly Permission[] {
  return (access === 'own' ? OWN : AS_INSURER)[role];
}

export function requirePermission(granted: readonly Permission[], needed: Permission): void {
  if (!granted.includes(needed)) throw forbidden(`this needs the "${needed}" permission`);
}
