import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboardRoutes } from './dashboard.js'

let app: FastifyInstance
let root: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'camtel-web-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>camtel</title>')
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
  writeFileSync(join(root, 'favicon.svg'), '<svg/>')
  app = Fastify()
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } }))
  app.get('/healthz', async () => ({ status: 'ok' }))
  await app.register(dashboardRoutes, { root })
  await app.ready()
})
afterAll(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

describe('the dashboard routes', () => {
  it('answer the page at / and at every client route, never cached stale', async () => {
    for (const url of ['/', '/cameras/lobby-03', '/sites/ams-hq', '/alerts', '/cameras/a%3Ab.c', '/cameras/cam.v2.mp4']) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.body).toContain('<title>camtel</title>')
    }
  })

  it('serve hashed assets for good, and other files revalidated', async () => {
    const asset = await app.inject({ url: '/assets/index-abc123.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    const icon = await app.inject({ url: '/favicon.svg' })
    expect(icon.statusCode).toBe(200)
    expect(icon.headers['cache-control']).toBe('no-cache')
  })

  it('answer a missing asset with 404, not with the page', async () => {
    const res = await app.inject({ url: '/assets/gone-123.js' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: { code: 'not_found' } })
  })

  it('leave /api, /docs, /metrics and the like to the server: JSON 404 where nothing answers', async () => {
    for (const url of ['/api/v1/nothing', '/api', '/docs/missing', '/metrics', '/readyz']) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
    }
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' })
  })

  it('refuse to leave the root', async () => {
    for (const url of ['/..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2f..%2fetc%2fpasswd.txt']) {
      const res = await app.inject({ url })
      expect(res.body).not.toContain('root:')
      expect([403, 404, 200]).toContain(res.statusCode)
    }
  })

  it('tell the page its run-time settings, escaped so that no value can end the script element', async () => {
    const plain = await app.inject({ url: '/' })
    expect(plain.body).toContain('<script id="camtel-config" type="application/json">{"tileUrl":null,"tileAttribution":null,"workOrders":false}</script>')
    const tiled = Fastify()
    await tiled.register(dashboardRoutes, { root, page: { tileUrl: 'https://tiles.example.internal/{z}/{x}/{y}.png', tileAttribution: '</script><b>x</b>', workOrders: true } })
    await tiled.ready()
    try {
      for (const url of ['/', '/index.html', '/alerts']) {
        const res = await tiled.inject({ url })
        expect(res.statusCode, url).toBe(200)
        const json = /<script id="camtel-config" type="application\/json">(.*?)<\/script>/.exec(res.body)?.[1]
        expect(JSON.parse(json ?? 'null'), url).toEqual({ tileUrl: 'https://tiles.example.internal/{z}/{x}/{y}.png', tileAttribution: '</script><b>x</b>', workOrders: true })
        expect(res.body).not.toContain('</script><b>')
      }
    } finally {
      await tiled.close()
    }
  })
})
