import { statSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Paths that belong to the server even where no route matches: they answer JSON, never the page. */
const SERVER_PREFIXES = ['/api', '/docs', '/healthz', '/readyz', '/metrics']

const IMMUTABLE = { maxAge: 365 * 86_400_000, immutable: true }

/**
 * The dashboard (web/, built by Vite into web/dist): its files, and index.html for every other
 * path (`/cameras/:id`, `/alerts`, ...), which the page's router then draws. Under /assets only
 * files are served, so a missing script is a 404 rather than HTML in its place; and nothing
 * under /api ever gets the page.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: { root: string }): Promise<void> {
  const root = resolve(opts.root)
  // serve: false: only reply.sendFile, with the root and path checks of @fastify/static.
  await app.register(fastifyStatic, { root, serve: false })
  app.get('/*', { config: { permission: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/'
    if (SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return reply.callNotFound()
    // Vite puts a content hash in every name under /assets: those never change.
    if (path.startsWith('/assets/')) return reply.sendFile(path, IMMUTABLE)
    if (path !== '/' && isFileIn(root, path)) return reply.header('cache-control', 'no-cache').sendFile(path, { cacheControl: false })
    // Always revalidated, so a new build reaches every console on its next load.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false })
  })
}

/** Whether the URL path names a file inside root (camera ids may contain dots: a dot proves nothing). */
function isFileIn(root: string, urlPath: string): boolean {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return false
  }
  const file = resolve(root, `.${decoded}`)
  if (!file.startsWith(root + sep)) return false
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}
