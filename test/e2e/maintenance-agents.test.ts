import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { healthy } from '../../src/predict/test-support/synthetic.js'
import { type TestServer, startTestServer } from '../../src/server/test-support/test-server.js'
import { type Headless, hasChromium, launchChromium } from './support/browser.js'
import { ensureDashboardBuilt } from './support/build.js'
import { markers, waitForMarker } from './support/map.js'
import { PageWatch } from './support/watch.js'

/*
 * The maintenance and agents views end to end: a real camtel (auth off, as in the demo) fed
 * ten days of hourly history in which one camera's card fills up, Chromium on the maintenance
 * list, a second site's failing disk raised live, edge agents' health reports and a gap.
 * CAMTEL_E2E_SCREENSHOTS=<dir> also saves a screenshot of each view there.
 */

const RUN = hasChromium() || process.env.CI === 'true'
const SHOTS = process.env.CAMTEL_E2E_SCREENSHOTS
const HOUR = 3_600_000
const DAYS = 10
const PER_SITE = 4

/** Hourly history ending at the last full hour, from midnight UTC ten days before. */
const END = Math.floor(Date.now() / HOUR) * HOUR - HOUR
const START = Math.floor(END / (24 * HOUR)) * 24 * HOUR - DAYS * 24 * HOUR
const HOURS = (END - START) / HOUR

const cams = (site: string) => Array.from({ length: PER_SITE }, (_, n) => `${site}-cam-${n}`)

/** west-cam-0's card fills 1.5 %/day from day 5; east-cam-0's card wears 2 %/day towards end of life. */
function metrics(cameraId: string, n: number, h: number): Record<string, number> {
  const m = healthy(n + 1, h)
  if (cameraId === 'west-cam-0' && h >= 5 * 24) m.disk_used_pct = 90 + (1.5 * (h - 5 * 24)) / 24
  if (cameraId === 'east-cam-0') m.disk_health_pct = 40 - (2 * h) / 24
  return m
}

describe.skipIf(!RUN)('the maintenance and agents views in Chromium', () => {
  let t: TestServer
  let chrome: Headless
  let page: Page
  let watch: PageWatch

  const must = async (res: Promise<Response>, status = 300) => {
    const r = await res
    if (r.status >= status) throw new Error(`${r.status} ${await r.text()}`)
    return r
  }
  const post = (path: string, json: unknown) => must(t.api(path, { method: 'POST', json }))
  const shot = async (name: string) => {
    if (!SHOTS) return
    mkdirSync(SHOTS, { recursive: true })
    await page.waitForTimeout(800)
    await page.screenshot({ path: join(SHOTS, `${name}.png`) })
  }
  const seedSite = async (site: string, name: string, lat: number, lon: number) => {
    await must(t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name, lat, lon } }))
    for (const [n, id] of cams(site).entries()) {
      await must(t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { name: `${name} cam ${n + 1}`, siteId: site, tags: ['outdoor'], model: 'M1', firmware: '1.0', offlineAfter: 86_400 } }))
    }
  }
  const sendHistory = async (site: string) => {
    for (let d = 0; d * 24 < HOURS; d++) {
      const reports = []
      for (let h = d * 24; h < Math.min(HOURS + 1, (d + 1) * 24); h++) {
        for (const [n, cameraId] of cams(site).entries()) reports.push({ cameraId, seq: h, ts: START + h * HOUR, metrics: metrics(cameraId, n, h) })
      }
      const res = await post('/api/v1/telemetry', { reports })
      expect(((await res.json()) as { accepted: number }).accepted).toBe(reports.length)
    }
  }
  const agentHealth = (name: string, m: Record<string, number>) => post('/api/v1/telemetry', { reports: [{ cameraId: `agent:${name}`, ts: Date.now(), metrics: m }] })

  beforeAll(async () => {
    await ensureDashboardBuilt()
    t = await startTestServer({ auth: 'off' })
    await seedSite('west', 'West yard', 51.5072, -0.1276)
    await seedSite('east', 'East quay', 52.52, 13.405)
    await sendHistory('west')
    chrome = await launchChromium()
    page = await chrome.context.newPage()
    watch = new PageWatch(page, () => t.url)
    watch.phase = 'main'
  }, 180_000)

  afterAll(async () => {
    await chrome?.close()
    await t?.close()
  })

  it('ranks the raised predictions with their evidence and ETA', async () => {
    await page.goto(`${t.url}/maintenance`)
    const item = page.locator('.prediction[data-camera-id="west-cam-0"][data-mode="disk_full"]')
    await item.waitFor({ timeout: 15_000 })
    expect(await item.locator('.prediction-title').innerText()).toContain('Disk full')
    expect(await item.locator('.prediction-title').innerText()).toContain('West yard cam 1')
    expect(await item.locator('.evidence li').first().innerText()).toMatch(/disk_used_pct rising 1\.\d+ %\/day/)
    expect(await item.locator('.eta').innerText()).toMatch(/^in \d+ (d|h)$/)
    expect(Number(await item.getAttribute('data-risk'))).toBeGreaterThanOrEqual(0.5)
    expect(await page.getByTestId('raised-nav-count').innerText()).toBe('1')
  }, 60_000)

  it("shows a prediction raised while it is open, without a reload, and it is on the camera's page", async () => {
    await page.evaluate(() => ((window as unknown as { e2eMark: number }).e2eMark = 1))
    await sendHistory('east')
    const item = page.locator('.prediction[data-camera-id="east-cam-0"][data-mode="disk_failure"]')
    await item.waitFor({ timeout: 15_000 })
    expect(await page.locator('.predictions > .prediction').count()).toBe(2)
    // Highest risk first.
    const risks = await page.locator('.predictions > .prediction').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.risk)))
    expect(risks).toEqual([...risks].sort((a, b) => b - a))
    expect(await page.evaluate(() => (window as unknown as { e2eMark?: number }).e2eMark)).toBe(1)
    await shot('maintenance')
    await page.getByRole('button', { name: /^Disk failure/ }).click()
    expect(await page.locator('.predictions > .prediction').count()).toBe(1)
    await page.getByRole('button', { name: /^Disk failure/ }).click()
    expect(await page.locator('.predictions > .prediction').count()).toBe(2)
    await page.locator('.prediction[data-camera-id="west-cam-0"] a', { hasText: 'West yard cam 1' }).click()
    await page.waitForSelector('.camera-page[data-camera-id="west-cam-0"] .camera-predictions .prediction[data-mode="disk_full"]')
  }, 90_000)

  it('lists edge agents with buffer depth, oldest buffered report, upload rate and last success, live', async () => {
    await agentHealth('west-gw', { buffer_reports: 1200, buffer_bytes: 480_000, oldest_buffered_s: 420, upload_rate: 35.5, dropped_reports: 0, gaps_pending: 0 })
    await agentHealth('east-gw', { buffer_reports: 0, buffer_bytes: 0, oldest_buffered_s: 0, upload_rate: 12, dropped_reports: 340, gaps_pending: 0 })
    await page.getByRole('link', { name: 'Agents', exact: true }).click()
    const west = page.locator('tr[data-agent="west-gw"]')
    await west.waitFor({ timeout: 5000 })
    expect(await west.locator('[data-field="buffer"]').innerText()).toBe('1,200 · 480 kB')
    expect(await west.locator('[data-field="oldest"]').innerText()).toBe('7 min')
    expect(await west.locator('[data-field="rate"]').innerText()).toBe('35.5/s')
    expect(await west.locator('[data-field="last-success"]').innerText()).toMatch(/^\d+ s ago$/)
    expect(await west.innerText()).toContain('backlog')
    const east = page.locator('tr[data-agent="east-gw"]')
    expect(await east.locator('[data-field="dropped"]').innerText()).toBe('340')
    expect(await east.locator('[data-field="oldest"]').innerText()).toBe('empty')
    expect(await page.getByTestId('agents-summary').innerText()).toBe('2 agents · 1,200 reports buffered')
    // The backlog drains: the next health report empties the buffer, and the row follows.
    await agentHealth('west-gw', { buffer_reports: 0, buffer_bytes: 0, oldest_buffered_s: 0, upload_rate: 80, dropped_reports: 0, gaps_pending: 0 })
    await page.waitForFunction(() => document.querySelector('tr[data-agent="west-gw"] [data-field="oldest"]')?.textContent === 'empty', null, { timeout: 3000 })
    await agentHealth('west-gw', { buffer_reports: 950, buffer_bytes: 380_000, oldest_buffered_s: 95, upload_rate: 41.2, dropped_reports: 0, gaps_pending: 0 })
    await page.waitForFunction(() => document.querySelector('tr[data-agent="west-gw"] [data-field="buffer"]')?.textContent?.startsWith('950'), null, { timeout: 3000 })
    await shot('agents')
  }, 60_000)

  it("shows an agent's gap in the camera's drill-down and on its connectivity timeline", async () => {
    const from = Date.now() - 40 * 60_000
    const to = Date.now() - 25 * 60_000
    await must(post('/api/v1/gaps', { cameraId: 'west-cam-1', from, to, reports: 90 }))
    await page.goto(`${t.url}/cameras/west-cam-1`)
    const gap = page.getByTestId('gaps').locator('.gap-item')
    await gap.waitFor({ timeout: 10_000 })
    expect(await gap.innerText()).toContain('90 reports')
    expect(await page.getByTestId('connectivity').locator('.tl-gap').count()).toBe(1)
    expect(await page.getByTestId('connectivity').innerText()).toContain('90 reports lost at the edge')
    expect(await page.getByTestId('no-predictions').innerText()).toContain('No failure predicted')
    await shot('camera-gaps')
  }, 60_000)

  // Last on this page: the map's outlines may still be loading, and a navigation would abort them.
  it('leaves the edge agents out of the fleet view: its counts, list and map are of cameras', async () => {
    await page.goto(`${t.url}/agents`)
    await page.locator('tr[data-agent="west-gw"]').waitFor({ timeout: 5000 })
    await page.getByRole('link', { name: 'Fleet', exact: true }).click()
    await expect.poll(() => page.locator('[data-count="total"] .tile-value').innerText()).toBe(String(2 * PER_SITE))
    await page.locator('.filterbar .shown', { hasText: `${2 * PER_SITE} cameras` }).waitFor({ timeout: 5000 })
    await waitForMarker(page, {})
    expect((await markers(page)).reduce((n, m) => n + m.count, 0)).toBe(2 * PER_SITE)
    await page.locator('.filterbar input[type="search"]').fill('agent')
    await page.locator('.camera-list .empty', { hasText: 'No camera matches' }).waitFor({ timeout: 5000 })
    expect(await page.locator('.crow[data-camera-id^="agent:"]').count()).toBe(0)
  }, 60_000)

  it('logged no console error and no failed request', () => {
    expect(watch.problems).toEqual([])
  })

  it("puts a tile server's tiles under the map when camtel serve is told of one, with no rebuild", async () => {
    // Port 9 (discard): nothing answers, and nothing need: the test reads where the map asks.
    const tiled = await startTestServer({ auth: 'off', tileUrl: 'http://127.0.0.1:9/tiles/{z}/{x}/{y}.png', tileAttribution: '© Example tiles' })
    const other = await chrome.context.newPage()
    try {
      await other.goto(`${tiled.url}/`)
      await other.waitForSelector('.leaflet-tile', { state: 'attached', timeout: 15_000 })
      const src = await other.locator('.leaflet-tile').first().getAttribute('src')
      expect(src).toMatch(/^http:\/\/127\.0\.0\.1:9\/tiles\/\d+\/\d+\/\d+\.png$/)
      expect(await other.locator('.leaflet-control-attribution').innerText()).toContain('© Example tiles')
    } finally {
      await other.close()
      await tiled.close()
    }
  }, 60_000)
})
