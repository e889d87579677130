export { type Actor, type OrgRef, RequestContext, systemActor } from './context';
export { hashSecret, secretMatches } from './passwords';
export {
  assertRoleFits,
  INSURED_ROLES,
  INSURER_ROLES,
  type OrgKind,
  type Permission,
  ROLES,
  type Role,
  rolesFor,
} from './permissions';
export { registerTenancyRoutes, SESSION_COOKIE } from './routes';
export {
  type AuditEntry,
  type NewOrganisation,
  slugify,
  TenancyService,
  TOKEN_PREFIX,
  type UserView,
} from './tenancy.service';
