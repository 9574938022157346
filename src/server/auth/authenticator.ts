import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../core/clock.js'
import type { AccountStore, StoredUser, TokenStore } from '../../store/ports.js'
import { dummyHash, verifyPassword } from './passwords.js'
import { type Principal, isRole } from './roles.js'
import { hashToken } from './tokens.js'

export const SESSION_COOKIE = 'camtel_session'

export interface AuthenticatorOptions {
  tokens: TokenStore
  accounts: AccountStore
  clock: Clock
  /** Seconds. */
  sessionIdle: number
  sessionMax: number
}

/** Turns what a request presents (bearer token, WebSocket query token, session cookie) into a Principal. */
export class Authenticator {
  constructor(private readonly o: AuthenticatorOptions) {}

  presentsCredential(req: FastifyRequest): boolean {
    return bearer(req) !== undefined || req.cookies?.[SESSION_COOKIE] !== undefined
  }

  async fromRequest(req: FastifyRequest): Promise<Principal | null> {
    const secret = bearer(req)
    if (secret !== undefined) return this.fromToken(secret)
    const cookie = req.cookies?.[SESSION_COOKIE]
    if (cookie !== undefined) return this.fromSession(cookie)
    return null
  }

  async fromToken(secret: string): Promise<Principal | null> {
    if (secret.length > 512) return null
    const row = await this.o.tokens.findTokenByHash(hashToken(secret))
    if (!row || row.revokedAt !== null || !isRole(row.role)) return null
    return { kind: 'token', id: row.id, name: row.name, role: row.role, sites: row.sites }
  }

  private async fromSession(cookie: string): Promise<Principal | null> {
    if (cookie.length > 512) return null
    const hash = hashToken(cookie)
    const session = await this.o.accounts.getSession(hash)
    const now = this.o.clock.now()
    if (!session) return null
    if (session.expiresAt <= now || session.lastUsedAt + this.o.sessionIdle * 1000 <= now) {
      await this.o.accounts.deleteSession(hash)
      return null
    }
    const user = await this.o.accounts.getUser(session.username)
    if (!user || user.disabled || !isRole(user.role)) return null
    // Refresh the idle clock at most once a minute rather than on every request.
    if (now - session.lastUsedAt > 60_000) await this.o.accounts.touchSession(hash, now)
    return userPrincipal(user)
  }

  /** Checks a username and password; on success opens a session and returns its cookie value. */
  async login(username: string, password: string): Promise<{ cookie: string; principal: Principal; maxAge: number } | null> {
    const user = await this.o.accounts.getUser(username)
    // Verify against a dummy hash for unknown users so that timing does not reveal which exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()))
    if (!user || !ok || user.disabled || !isRole(user.role)) return null
    const cookie = randomBytes(32).toString('base64url')
    const now = this.o.clock.now()
    await this.o.accounts.insertSession({
      hash: hashToken(cookie),
      username: user.username,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.o.sessionMax * 1000,
    })
    return { cookie, principal: userPrincipal(user), maxAge: this.o.sessionMax }
  }

  async logout(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const cookie = req.cookies?.[SESSION_COOKIE]
    if (cookie !== undefined) await this.o.accounts.deleteSession(hashToken(cookie))
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
  }
}

function userPrincipal(user: StoredUser): Principal {
  return { kind: 'session', id: user.username, name: user.username, role: user.role as Principal['role'], sites: user.sites }
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    // A malformed Authorization header is a wrong credential, not a missing one.
    return m?.[1] ?? ''
  }
  // Browsers cannot set headers on a WebSocket upgrade; anywhere else a token in the URL would
  // end up in logs and histories, so it is accepted only there.
  if (req.headers.upgrade?.toLowerCase() === 'websocket') {
    const q = req.query as Record<string, unknown> | undefined
    if (typeof q?.token === 'string') return q.token
  }
  return undefined
}
