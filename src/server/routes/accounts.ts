import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../core/clock.js'
import type { Fleet } from '../../fleet/fleet.js'
import {
  AuditQuery,
  IdParams,
  LoginBody,
  PasswordChange,
  TokenCreate,
  UserCreate,
  UserParams,
  UserPatch,
} from '../../protocol/api.js'
import type { AccountStore, AuditStore, StoredUser, TokenStore } from '../../store/ports.js'
import type { Auditor } from '../audit.js'
import { type Authenticator, SESSION_COOKIE } from '../auth/authenticator.js'
import type { FailureLimiter } from '../auth/failure-limiter.js'
import { principalOf, tooManyFailures } from '../auth/guard.js'
import { hashPassword, passwordProblem, verifyPassword } from '../auth/passwords.js'
import { generateSecret, hashToken, newTokenId } from '../auth/tokens.js'
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../errors.js'

export interface AccountRouteDeps {
  tokens: TokenStore
  accounts: AccountStore
  audit: AuditStore
  auditor: Auditor
  authenticator: Authenticator
  failures: FailureLimiter
  fleet: Fleet
  clock: Clock
  /** Set the Secure flag on the session cookie (behind HTTPS). */
  secureCookie: boolean
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export async function accountRoutes(app: FastifyInstance, d: AccountRouteDeps): Promise<void> {
  /** Admins are never site-limited; other roles may be, to sites that exist. */
  const checkSites = (role: string, sites: string[] | null | undefined): string[] | null => {
    if (sites === undefined || sites === null) return null
    if (role === 'admin') throw badRequest('an admin is never limited to sites; leave sites out', 'bad_sites')
    const unknown = sites.filter((s) => !d.fleet.site(s))
    if (unknown.length > 0) throw badRequest(`unknown site(s): ${unknown.join(', ')}`, 'unknown_site')
    return [...new Set(sites)]
  }

  // --- tokens -----------------------------------------------------------------------------

  app.post<{ Body: TokenCreate }>(
    '/api/v1/tokens',
    { config: { permission: 'admin' }, schema: { summary: 'Create a token (shown this once)', tags: ['security'], body: TokenCreate } },
    async (req, reply) => {
      const { name, role } = req.body
      const sites = checkSites(role, req.body.sites)
      const secret = generateSecret()
      const row = { id: newTokenId(), name, role, sites, hash: hashToken(secret), createdAt: d.clock.now(), revokedAt: null }
      await d.tokens.insertToken(row)
      await d.auditor.record(req, 'token.create', `token:${row.id}`, { name, role, sites })
      return reply.code(201).send({ id: row.id, name, role, sites, token: secret })
    },
  )

  app.get(
    '/api/v1/tokens',
    { config: { permission: 'admin' }, schema: { summary: 'List tokens (never their secrets)', tags: ['security'] } },
    async () => ({
      tokens: (await d.tokens.listTokens()).map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        sites: t.sites,
        createdAt: iso(t.createdAt),
        revokedAt: iso(t.revokedAt),
      })),
    }),
  )

  app.delete<{ Params: IdParams }>(
    '/api/v1/tokens/:id',
    { config: { permission: 'admin' }, schema: { summary: 'Revoke a token', tags: ['security'], params: IdParams } },
    async (req, reply) => {
      if (!(await d.tokens.revokeToken(req.params.id, d.clock.now()))) throw notFound(`token ${req.params.id}`)
      await d.auditor.record(req, 'token.revoke', `token:${req.params.id}`)
      return reply.code(204).send()
    },
  )

  // --- users ------------------------------------------------------------------------------

  app.post<{ Body: UserCreate }>(
    '/api/v1/users',
    { config: { permission: 'admin' }, schema: { summary: 'Create an account', tags: ['security'], body: UserCreate } },
    async (req, reply) => {
      const { username, password, role } = req.body
      const problem = passwordProblem(password)
      if (problem) throw badRequest(problem, 'weak_password')
      const sites = checkSites(role, req.body.sites)
      const now = d.clock.now()
      const user: StoredUser = { username, role, sites, passwordHash: await hashPassword(password), disabled: false, createdAt: now, updatedAt: now }
      if (!(await d.accounts.insertUser(user))) throw new AppError(409, 'exists', `user ${username} exists`)
      await d.auditor.record(req, 'user.create', `user:${username}`, { role, sites })
      return reply.code(201).send(userView(user))
    },
  )

  app.get(
    '/api/v1/users',
    { config: { permission: 'admin' }, schema: { summary: 'List accounts', tags: ['security'] } },
    async () => ({ users: (await d.accounts.listUsers()).map(userView) }),
  )

  app.patch<{ Params: UserParams; Body: UserPatch }>(
    '/api/v1/users/:name',
    { config: { permission: 'admin' }, schema: { summary: 'Change role or sites, disable or enable an account', tags: ['security'], params: UserParams, body: UserPatch } },
    async (req) => {
      const user = await d.accounts.getUser(req.params.name)
      if (!user) throw notFound(`user ${req.params.name}`)
      const role = req.body.role ?? user.role
      const sites = req.body.sites !== undefined ? checkSites(role, req.body.sites) : role === 'admin' ? null : user.sites
      await d.accounts.updateUser(user.username, { role, sites, disabled: req.body.disabled ?? user.disabled }, d.clock.now())
      // A disabled account, or one whose rights changed, starts over with a fresh login.
      await d.accounts.deleteSessionsOf(user.username)
      await d.auditor.record(req, 'user.update', `user:${user.username}`, req.body)
      return userView((await d.accounts.getUser(user.username)) as StoredUser)
    },
  )

  app.post<{ Params: UserParams; Body: PasswordChange }>(
    '/api/v1/users/:name/password',
    {
      config: { permission: 'authenticated' },
      schema: { summary: "Set a password (admins: anyone's; others: their own, with the current one)", tags: ['security'], params: UserParams, body: PasswordChange },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const user = await d.accounts.getUser(req.params.name)
      const self = p.kind === 'session' && p.id === req.params.name
      if (p.role !== 'admin' && !self) throw forbidden('only an admin may set another account’s password')
      if (!user) throw notFound(`user ${req.params.name}`)
      if (p.role !== 'admin' && !(await verifyPassword(req.body.currentPassword ?? '', user.passwordHash))) {
        d.failures.fail(req.ip)
        throw unauthorized('the current password is wrong')
      }
      const problem = passwordProblem(req.body.password)
      if (problem) throw badRequest(problem, 'weak_password')
      await d.accounts.updateUser(user.username, { passwordHash: await hashPassword(req.body.password) }, d.clock.now())
      await d.accounts.deleteSessionsOf(user.username)
      await d.auditor.record(req, 'user.password', `user:${user.username}`)
      return reply.code(204).send()
    },
  )

  // --- sessions ---------------------------------------------------------------------------

  app.post<{ Body: LoginBody }>(
    '/api/v1/login',
    {
      config: { permission: 'public', rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: { summary: 'Log in; sets an HttpOnly session cookie', tags: ['security'], body: LoginBody },
    },
    async (req, reply) => {
      const retryAfter = d.failures.retryAfter(req.ip)
      if (retryAfter > 0) throw tooManyFailures(retryAfter)
      const result = await d.authenticator.login(req.body.username, req.body.password)
      if (!result) {
        d.failures.fail(req.ip)
        throw unauthorized('wrong username or password')
      }
      req.principal = result.principal
      await d.auditor.record(req, 'session.login', `user:${result.principal.name}`)
      void reply.setCookie(SESSION_COOKIE, result.cookie, {
        httpOnly: true,
        sameSite: 'strict',
        secure: d.secureCookie,
        path: '/',
        maxAge: result.maxAge,
      })
      return { username: result.principal.name, role: result.principal.role, sites: result.principal.sites }
    },
  )

  app.post(
    '/api/v1/logout',
    { config: { permission: 'authenticated' }, schema: { summary: 'End the session', tags: ['security'] } },
    async (req, reply) => {
      await d.authenticator.logout(req, reply)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/me',
    { config: { permission: 'authenticated' }, schema: { summary: 'Who is calling', tags: ['security'] } },
    async (req) => {
      const p = principalOf(req)
      return { kind: p.kind, name: p.name, role: p.role, sites: p.sites }
    },
  )

  // --- audit ------------------------------------------------------------------------------

  app.get<{ Querystring: AuditQuery }>(
    '/api/v1/audit',
    { config: { permission: 'admin' }, schema: { summary: 'Who changed what, newest first', tags: ['security'], querystring: AuditQuery } },
    async (req) => {
      const limit = req.query.limit ?? 100
      const entries = await d.audit.list({ limit, before: req.query.before, action: req.query.action })
      const last = entries[entries.length - 1]
      return {
        entries: entries.map((e) => ({ ...e, at: iso(e.at) })),
        ...(entries.length === limit && last ? { next: last.id } : {}),
      }
    },
  )
}

function userView(u: StoredUser) {
  return { username: u.username, role: u.role, sites: u.sites, disabled: u.disabled, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt) }
}
