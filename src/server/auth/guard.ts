import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TokenStore } from '../../store/ports.js'
import { forbidden, unauthorized } from '../errors.js'
import { type Permission, type Principal, isRole, roleGrants } from './roles.js'
import { hashToken } from './tokens.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller needs for this route; every route must name one. */
    permission?: Permission
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** Routes registered by plugins (docs, static files) that are public by DESIGN §10. */
const PUBLIC_PREFIXES = ['/docs']

export interface AuthOptions {
  auth: 'on' | 'off'
  tokens: TokenStore
  /** Paths of the dashboard's static files. */
  isStaticRoute?: (url: string) => boolean
}

const AUTH_OFF: Principal = { kind: 'auth-off', id: 'auth-off', name: 'auth off (demo)', role: 'admin', sites: null }

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.decorateRequest('principal', null)

  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? ''
    const isPublicPlugin = PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`)) || opts.isStaticRoute?.(url)
    if (isPublicPlugin && route.config?.permission === undefined) {
      route.config = { ...route.config, permission: 'public' }
    }
  })

  app.addHook('onRequest', async (req) => {
    // Unmatched URLs fall through to the 404 handler, which reveals nothing.
    if (req.routeOptions.url === undefined) return
    const permission = req.routeOptions.config.permission
    // A route without a permission is a programming error; deny rather than expose it.
    if (permission === undefined) throw forbidden('this route has no permission configured')
    if (permission === 'public') return
    const principal = opts.auth === 'off' ? AUTH_OFF : await authenticate(req, opts.tokens)
    if (!principal) throw unauthorized()
    if (!roleGrants(principal.role, permission)) throw forbidden(`the ${principal.role} role may not do this`)
    req.principal = principal
  })
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    return m?.[1]
  }
  // Browsers cannot set headers on a WebSocket upgrade.
  const q = req.query as Record<string, unknown> | undefined
  return typeof q?.token === 'string' ? q.token : undefined
}

async function authenticate(req: FastifyRequest, tokens: TokenStore): Promise<Principal | null> {
  const secret = bearer(req)
  if (!secret || secret.length > 512) return null
  const row = await tokens.findTokenByHash(hashToken(secret))
  if (!row || row.revokedAt !== null || !isRole(row.role)) return null
  return { kind: 'token', id: row.id, name: row.name, role: row.role, sites: row.sites }
}

/** The principal of an authenticated route; routes with a non-public permission always have one. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized()
  return req.principal
}
