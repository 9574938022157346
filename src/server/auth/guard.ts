import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, forbidden, unauthorized } from '../errors.js'
import type { Authenticator } from './authenticator.js'
import type { FailureLimiter } from './failure-limiter.js'
import { type Permission, type Principal, roleGrants } from './roles.js'

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

export interface RouteEntry {
  method: string
  url: string
  permission: Permission | undefined
}

export interface GuardOptions {
  /** Filled with every route as it is registered: the permission table is checked against it. */
  routes?: RouteEntry[]
  auth: 'on' | 'off'
  authenticator: Authenticator
  failures: FailureLimiter
  /** Paths of the dashboard's static files. */
  isStaticRoute?: (url: string) => boolean
}

const AUTH_OFF: Principal = { kind: 'auth-off', id: 'auth-off', name: 'auth off (demo)', role: 'admin', sites: null }

/**
 * The one authorisation layer: every route passes through it, and every route names the
 * permission it needs. Site scoping then happens in each feature through `canSeeSite`.
 */
export function installGuard(app: FastifyInstance, opts: GuardOptions): void {
  app.decorateRequest('principal', null)

  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? ''
    const isPublicPlugin = PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`)) || opts.isStaticRoute?.(url)
    if (isPublicPlugin && route.config?.permission === undefined) {
      route.config = { ...route.config, permission: 'public' }
    }
    for (const method of [route.method].flat()) {
      // Fastify adds HEAD beside every GET; it shares the GET's permission.
      if (method !== 'HEAD') opts.routes?.push({ method, url, permission: route.config?.permission })
    }
  })

  app.addHook('onRequest', async (req) => {
    // Unmatched URLs fall through to the 404 handler, which reveals nothing.
    if (req.routeOptions.url === undefined) return
    const permission = req.routeOptions.config.permission
    // A route without a permission is a programming error; deny rather than expose it.
    if (permission === undefined) throw forbidden('this route has no permission configured')
    if (permission === 'public') return
    const principal = opts.auth === 'off' ? AUTH_OFF : await authenticate(req, opts)
    if (!roleGrants(principal.role, permission)) throw forbidden(`the ${principal.role} role may not do this`)
    req.principal = principal
  })
}

async function authenticate(req: FastifyRequest, opts: GuardOptions): Promise<Principal> {
  const retryAfter = opts.failures.retryAfter(req.ip)
  if (retryAfter > 0) throw tooManyFailures(retryAfter)
  const principal = await opts.authenticator.fromRequest(req)
  if (principal) return principal
  // Only a credential that was presented and wrong counts as a failure; a missing one is a
  // browser that has not logged in yet.
  if (opts.authenticator.presentsCredential(req)) opts.failures.fail(req.ip)
  throw unauthorized()
}

export function tooManyFailures(retryAfter: number): AppError {
  return new AppError(429, 'rate_limited', 'too many failed authentications from this address; try again later', {
    'retry-after': String(retryAfter),
  })
}

/** The principal of an authenticated route; routes with a non-public permission always have one. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized()
  return req.principal
}
