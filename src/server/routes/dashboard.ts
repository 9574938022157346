import { readFileSync, statSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Paths that belong to the server even where no route matches: they answer JSON, never the page. */
const SERVER_PREFIXES = ['/api', '/docs', '/healthz', '/readyz', '/metrics']

const IMMUTABLE = { maxAge: 365 * 86_400_000, immutable: true }

/** What the page is told at run time rather than at build time (CAMTEL_TILE_URL, CAMTEL_TILE_ATTRIBUTION, whether CAMTEL_WORKORDER_URL is set). */
export interface PageConfig {
  tileUrl?: string | undefined
  tileAttribution?: string | undefined
  /** Whether tickets are made (docs/workorders.md): the alerts table leaves its column out when not, and no alert has one. */
  workOrders?: boolean
}

export interface DashboardOptions {
  root: string
  page?: PageConfig
}

/**
 * The dashboard (web/, built by Vite into web/dist): its files, and index.html for every other
 * path (`/cameras/:id`, `/alerts`, ...), which the page's router then draws. Under /assets only
 * files are served, so a missing script is a 404 rather than HTML in its place; and nothing
 * under /api ever gets the page. The page carries its run-time settings in a JSON script
 * element (`#camtel-config`), so that a tile server is a setting, not a rebuild.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: DashboardOptions): Promise<void> {
  const root = resolve(opts.root)
  const page = new IndexPage(join(root, 'index.html'), opts.page ?? {})
  // serve: false: only reply.sendFile, with the root and path checks of @fastify/static.
  await app.register(fastifyStatic, { root, serve: false })
  app.get('/*', { config: { permission: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/'
    if (SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return reply.callNotFound()
    // Vite puts a content hash in every name under /assets: those never change.
    if (path.startsWith('/assets/')) return reply.sendFile(path, IMMUTABLE)
    if (path !== '/' && path !== '/index.html' && isFileIn(root, path)) return reply.header('cache-control', 'no-cache').sendFile(path, { cacheControl: false })
    // Always revalidated, so a new build reaches every console on its next load.
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page.html())
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

/** index.html with the page's settings in it; read again when a build replaced the file. */
class IndexPage {
  private cached: { mtimeMs: number; html: string } | undefined
  private readonly tag: string

  constructor(
    private readonly file: string,
    config: PageConfig,
  ) {
    // `<` escaped, so that no value can close the script element.
    const json = JSON.stringify({ tileUrl: config.tileUrl ?? null, tileAttribution: config.tileAttribution ?? null, workOrders: config.workOrders ?? false }).replace(/</g, '\\u003c')
    this.tag = `<script id="camtel-config" type="application/json">${json}</script>`
  }

  html(): string {
    const mtimeMs = statSync(this.file).mtimeMs
    if (this.cached?.mtimeMs !== mtimeMs) {
      const raw = readFileSync(this.file, 'utf8')
      this.cached = { mtimeMs, html: raw.includes('</head>') ? raw.replace('</head>', `${this.tag}</head>`) : `${this.tag}${raw}` }
    }
    return this.cached.html
  }
}
