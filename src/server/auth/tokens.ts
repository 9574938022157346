import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StoredToken, TokenStore } from '../../store/ports.js'

export const TOKEN_PREFIX = 'ct_'

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function generateSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

export function newTokenId(): string {
  return randomUUID()
}

export interface AdminBootstrap {
  /** The generated secret, when one was generated now (print it once). */
  generated?: string
  /** Where the generated secret is kept. */
  file?: string
}

/**
 * Makes sure an admin token exists: the one from CAMTEL_ADMIN_TOKEN, else one generated on first
 * start, kept (mode 0600) in the data folder so that the operator can read it again.
 */
export async function bootstrapAdminToken(
  tokens: TokenStore,
  opts: { configured: string | undefined; dataDir: string; now: number },
): Promise<AdminBootstrap> {
  if (opts.configured) {
    const hash = hashToken(opts.configured)
    const existing = await tokens.findTokenByHash(hash)
    if (!existing) await tokens.insertToken(adminRow('CAMTEL_ADMIN_TOKEN', hash, opts.now))
    return {}
  }
  const file = join(opts.dataDir, 'admin-token')
  const all = await tokens.listTokens()
  if (all.some((t) => t.role === 'admin' && t.revokedAt === null && t.name === 'generated admin')) return { file }
  if (existsSync(file)) {
    // The file survives but its row does not (e.g. a new database): trust the file again.
    const secret = readFileSync(file, 'utf8').trim()
    if (secret) {
      await tokens.insertToken(adminRow('generated admin', hashToken(secret), opts.now))
      return { file }
    }
  }
  const secret = generateSecret()
  mkdirSync(opts.dataDir, { recursive: true })
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  await tokens.insertToken(adminRow('generated admin', hashToken(secret), opts.now))
  return { generated: secret, file }
}

function adminRow(name: string, hash: string, now: number): StoredToken {
  return { id: newTokenId(), name, role: 'admin', sites: null, hash, createdAt: now, revokedAt: null }
}
