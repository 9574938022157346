/**
 * Roles and what each may do (DESIGN §10). Every route names one permission in its config;
 * docs/security.md has the same table, and a test fails if a route has none.
 */
export const ROLES = ['admin', 'operator', 'viewer', 'ingest'] as const
export type Role = (typeof ROLES)[number]

export type Permission =
  /** No credentials needed: health, docs, login, the dashboard's static files. */
  | 'public'
  /** Any authenticated caller (e.g. logout, who-am-I). */
  | 'authenticated'
  /** Send telemetry. */
  | 'telemetry:write'
  /** Read fleet data of the caller's sites. */
  | 'fleet:read'
  /** Rules, silences, acknowledgements within the caller's sites. */
  | 'fleet:operate'
  /** Server metrics (/metrics). */
  | 'ops:read'
  /** Sites, cameras, tokens, users, audit. */
  | 'admin'

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>(['authenticated', 'telemetry:write', 'fleet:read', 'fleet:operate', 'ops:read', 'admin']),
  operator: new Set<Permission>(['authenticated', 'fleet:read', 'fleet:operate', 'ops:read']),
  viewer: new Set<Permission>(['authenticated', 'fleet:read']),
  ingest: new Set<Permission>(['authenticated', 'telemetry:write']),
}

export function roleGrants(role: Role, permission: Permission): boolean {
  return permission === 'public' || GRANTS[role].has(permission)
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** Who is calling. `sites` null means every site (admins, and unrestricted tokens). */
export interface Principal {
  readonly kind: 'token' | 'session' | 'auth-off'
  readonly id: string
  readonly name: string
  readonly role: Role
  readonly sites: readonly string[] | null
}

export function canSeeSite(p: Principal, siteId: string): boolean {
  return p.sites === null || p.sites.includes(siteId)
}
