import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

let t: TestServer
const tokens: Record<string, string> = {}
const T0 = Date.UTC(2026, 0, 10, 12)

beforeAll(async () => {
  t = await startTestServer()
  for (const site of ['north', 'south']) expect((await t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name: site } })).status).toBe(201)
  await t.api('/api/v1/cameras/s-1', { method: 'PUT', json: { siteId: 'south' } })
  const make = async (name: string, role: string, sites: string[]) => {
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name, role, sites } })
    tokens[name] = ((await res.json()) as { token: string }).token
  }
  await make('north agent', 'ingest', ['north'])
  await make('two sites', 'ingest', ['north', 'south'])
  await make('south viewer', 'viewer', ['south'])
})
afterAll(async () => {
  await t.close()
})

const gap = (token: string, json: unknown) => t.api('/api/v1/gaps', { method: 'POST', token, json })
const read = async (path: string, token?: string) => {
  const res = await t.api(path, token ? { token } : {})
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('gaps', () => {
  it("records a gap once per (camera, from), keeping the larger extent, and creates an unknown camera in the token's site", async () => {
    const agent = tokens['north agent'] as string
    const first = await gap(agent, { cameraId: 'n-9', from: T0, to: T0 + 60_000, reports: 6 })
    expect(first.status).toBe(201)
    expect(await first.json()).toMatchObject({ cameraId: 'n-9', from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString(), reports: 6, source: 'north agent' })
    expect((await read('/api/v1/cameras/n-9')).body).toMatchObject({ siteId: 'north' })
    // The same again (a retry), and an older, smaller version of it: nothing changes.
    expect((await gap(agent, { cameraId: 'n-9', from: T0, to: T0 + 60_000, reports: 6 })).status).toBe(200)
    expect((await gap(agent, { cameraId: 'n-9', from: new Date(T0).toISOString(), to: T0 + 30_000, reports: 3 })).status).toBe(200)
    // Extended by later drops.
    expect(await (await gap(agent, { cameraId: 'n-9', from: T0, to: T0 + 90_000, reports: 9 })).json()).toMatchObject({ reports: 9, to: new Date(T0 + 90_000).toISOString() })
    expect((await gap(agent, { cameraId: 'n-9', from: T0 + 3_600_000, to: T0 + 3_660_000, reports: 2 })).status).toBe(201)

    const timeline = await read(`/api/v1/cameras/n-9/gaps?from=${T0 + 80_000}&to=${new Date(T0 + 7_200_000).toISOString()}`)
    expect(timeline.status).toBe(200)
    expect((timeline.body.gaps as Array<{ reports: number }>).map((g) => g.reports)).toEqual([9, 2])
    expect(((await read(`/api/v1/cameras/n-9/gaps?to=${T0 + 100}`)).body.gaps as unknown[]).length).toBe(1)
    const drill = await read('/api/v1/cameras/n-9')
    expect((drill.body.gaps as Array<{ from: string; reports: number }>).map((g) => g.reports)).toEqual([2, 9])
  })

  it('keeps an ingest token to the cameras of its sites, as for telemetry', async () => {
    const res = await gap(tokens['north agent'] as string, { cameraId: 's-1', from: T0, to: T0, reports: 1 })
    expect(res.status).toBe(403)
    expect((await gap(tokens['two sites'] as string, { cameraId: 'unknown-1', from: T0, to: T0, reports: 1 })).status).toBe(403)
    expect((await gap(tokens['two sites'] as string, { cameraId: 's-1', from: T0, to: T0, reports: 1 })).status).toBe(201)
    expect((await read('/api/v1/cameras/unknown-1')).status).toBe(404)
  })

  it("shows a camera's gaps only to those who may see the camera", async () => {
    const viewer = tokens['south viewer'] as string
    expect((await read('/api/v1/cameras/s-1/gaps', viewer)).body.gaps).toHaveLength(1)
    expect((await read('/api/v1/cameras/n-9/gaps', viewer)).status).toBe(404)
    expect((await read('/api/v1/cameras/s-1/gaps', tokens['north agent'])).status).toBe(403)
  })

  it('refuses bad gaps with 400', async () => {
    const agent = tokens['north agent'] as string
    for (const body of [
      { cameraId: 'n-9', from: T0 + 1, to: T0, reports: 1 },
      { cameraId: 'n-9', from: T0, to: T0, reports: 0 },
      { cameraId: 'n-9', from: 'yesterday', to: T0, reports: 1 },
      { cameraId: 'n-9', from: T0, to: Date.now() + 2 * 3_600_000, reports: 1 },
      { cameraId: 'bad id', from: T0, to: T0, reports: 1 },
      { cameraId: 'n-9', from: T0, to: T0, reports: 1, note: 'x' },
    ]) {
      const res = await gap(agent, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
    }
  })

  it('deletes the gaps of a deleted camera', async () => {
    expect((await t.api('/api/v1/cameras/n-9', { method: 'DELETE' })).status).toBe(204)
    await t.api('/api/v1/cameras/n-9', { method: 'PUT', json: { siteId: 'north' } })
    expect((await read('/api/v1/cameras/n-9/gaps')).body.gaps).toEqual([])
  })
})
