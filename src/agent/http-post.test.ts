import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpPost } from './http-post.js'

const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    if (req.url === '/slow') return // never answers
    res.writeHead(req.url === '/busy' ? 503 : 200, req.url === '/busy' ? { 'retry-after': '7' } : {})
    res.end(JSON.stringify({ got: body, auth: req.headers.authorization, length: req.headers['content-length'] }))
  })
})
let base: string
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

describe('httpPost', () => {
  const post = httpPost()
  const never = new AbortController().signal

  it('sends the body and headers and returns status, text and Retry-After', async () => {
    const ok = await post(new URL(`${base}/x`), '{"reports":["é"]}', { authorization: 'Bearer t' }, never)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.text)).toEqual({ got: '{"reports":["é"]}', auth: 'Bearer t', length: String(Buffer.byteLength('{"reports":["é"]}')) })
    const busy = await post(new URL(`${base}/busy`), '{}', {}, never)
    expect([busy.status, busy.retryAfter]).toEqual([503, '7'])
  })

  it('rejects when nothing listens and when aborted', async () => {
    await expect(post(new URL('http://127.0.0.1:1/x'), '{}', {}, never)).rejects.toThrow(/ECONNREFUSED/)
    const ac = new AbortController()
    const pending = post(new URL(`${base}/slow`), '{}', {}, ac.signal)
    setTimeout(() => ac.abort(), 20)
    await expect(pending).rejects.toThrow(/abort/i)
  })
})
