import { createHmac } from 'node:crypto'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from '../../src/server/test-support/test-server.js'
import { WorkOrderReceiver, eventually } from '../../src/workorders/test-support/receiver.js'
import { type Headless, hasChromium, launchChromium } from './support/browser.js'
import { ensureDashboardBuilt } from './support/build.js'
import { PageWatch } from './support/watch.js'

/*
 * Work orders as an operator meets them (docs/workorders.md): a real camtel with auth on and
 * CAMTEL_WORKORDER_URL pointing at a real HTTP receiver, Chromium signed in on the alerts page.
 * A critical alert makes a ticket (the receiver gets one signed POST, the alert's row shows it
 * open); the work-order system reports progress and the badge follows without a reload; the
 * maintenance page lists the ticket.
 */

const RUN = hasChromium() || process.env.CI === 'true'
const SECRET = 'e2e-workorder-secret'
const PASSWORD = 'correct-horse-battery'
const CAMERA = 'dock-01'

describe.skipIf(!RUN)('work orders in Chromium against a real camtel and work-order system', () => {
  let receiver: WorkOrderReceiver
  let t: TestServer
  let chrome: Headless
  let page: Page
  let watch: PageWatch
  let alertId: number
  let ticketId: string
  /** Every WebSocket the page opened. */
  const sockets: string[] = []

  const must = async (res: Promise<Response>) => {
    const r = await res
    if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`)
    return r
  }
  /** The alert's row on the alerts page, and its cell under the "Work order" column header. */
  const row = () => page.getByRole('table', { name: 'Alerts' }).locator(`.arow[data-alert-id="${alertId}"]`)
  /** The text as written (innerText follows CSS, which capitalises the badge's label), spaces folded. */
  const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim()
  const workOrderCell = async (): Promise<Locator> => {
    const headers = await page.getByRole('table', { name: 'Alerts' }).getByRole('columnheader').allInnerTexts()
    const column = headers.findIndex((h) => h.trim() === 'Work order')
    expect(column, `no "Work order" column among ${JSON.stringify(headers)}`).toBeGreaterThanOrEqual(0)
    return row().getByRole('cell').nth(column)
  }

  beforeAll(async () => {
    await ensureDashboardBuilt()
    receiver = new WorkOrderReceiver()
    await receiver.start()
    t = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET })
    await must(t.api('/api/v1/sites/dock', { method: 'PUT', json: { name: 'Loading dock' } }))
    await must(t.api(`/api/v1/cameras/${CAMERA}`, { method: 'PUT', json: { name: 'Dock gate', siteId: 'dock', model: 'AX-200', firmware: '4.2.1' } }))
    await must(t.api('/api/v1/users', { method: 'POST', json: { username: 'oper', password: PASSWORD, role: 'operator' } }))
    chrome = await launchChromium()
    page = await chrome.context.newPage()
    page.on('websocket', (ws) => sockets.push(ws.url()))
    watch = new PageWatch(page, () => t.url)
  }, 120_000)

  afterAll(async () => {
    await chrome?.close()
    await t?.close()
    await receiver?.stop()
  })

  it('signs in on the alerts page', async () => {
    await page.goto(`${t.url}/alerts`)
    await page.getByLabel('Username').fill('oper')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('table', { name: 'Alerts' }).getByRole('columnheader', { name: 'Work order' }).waitFor({ timeout: 10_000 })
    // Marks this document: if anything reloads the page, the mark is gone.
    await page.evaluate(() => ((window as unknown as { e2eMark: number }).e2eMark = 1))
    watch.phase = 'main'
  }, 30_000)

  it('opens a ticket for a critical alert: one signed POST to the work-order system, shown open on the alert', async () => {
    await must(t.api('/api/v1/rules/dock-hot', { method: 'PUT', json: { metric: 'temperature_c', op: '>', value: 80, for: 0, clear: 75, severity: 'critical', scope: 'all', description: 'housing too hot' } }))
    const sent = await must(t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: CAMERA, ts: Date.now(), metrics: { temperature_c: 88.5, fps: 25 } }] } }))
    expect(await sent.json()).toMatchObject({ accepted: 1 })
    const alerts = await eventually(
      'the critical alert',
      async () => ((await (await t.api(`/api/v1/alerts?camera=${CAMERA}`)).json()) as { alerts: Array<{ id: number; ruleId: string }> }).alerts,
      (a) => a.some((x) => x.ruleId === 'dock-hot'),
    )
    alertId = alerts.find((a) => a.ruleId === 'dock-hot')!.id

    // The page, left open, shows the alert and its ticket, open.
    const badge = row().locator('.wo-badge')
    await badge.waitFor({ timeout: 10_000 })
    const cell = await workOrderCell()
    expect(await cell.locator('.wo-badge').count()).toBe(1)
    expect(await badge.getAttribute('data-workorder-state')).toBe('open')
    expect(await text(badge)).toMatch(/^ticket open( · sending)?$/)
    ticketId = (await badge.getAttribute('data-workorder-id')) ?? ''
    expect(ticketId).toMatch(/^wo-/)

    // The work-order system got it once, signed with the secret over the bytes it received.
    await eventually('the delivery', async () => receiver.attempts.length, (n) => n > 0)
    await t.server.workOrders.whenIdle()
    expect(receiver.attempts).toHaveLength(1)
    const [post] = receiver.attempts
    expect(post!.headers['x-camtel-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(post!.body).digest('hex')}`)
    expect(post!.headers['idempotency-key']).toBe(ticketId)
    expect(JSON.parse(post!.body)).toMatchObject({ id: ticketId, cameraId: CAMERA, siteId: 'dock', problem: 'temperature_c', severity: 'critical' })
    // Delivered (the receiver answered 200): the API says so, and the open page learns it from the
    // stream's `workorder` event, without a reload.
    const stored = await eventually(
      'delivered',
      async () => ((await (await t.api(`/api/v1/workorders/${ticketId}`)).json()) as { delivery: { state: string; attempts: number } }).delivery,
      (d) => d.state === 'delivered',
    )
    expect(stored.attempts).toBe(1)
    await cell.locator('.wo-badge:not(.wo-undelivered)').waitFor({ timeout: 5000 })
    expect(await text(badge)).toBe('ticket open')
    expect(await text(cell)).toMatch(/sent/)
  }, 30_000)

  it("follows the work-order system's progress report live: in progress, with its number, without a reload", async () => {
    const tokenRes = await must(t.api('/api/v1/tokens', { method: 'POST', json: { name: 'work-order system', role: 'operator' } }))
    const token = ((await tokenRes.json()) as { token: string }).token
    const cell = await workOrderCell()
    expect(await cell.innerText()).not.toContain('INC-1')

    const res = await t.api(`/api/v1/workorders/${ticketId}/status`, { method: 'POST', token, json: { state: 'in_progress', externalId: 'INC-1' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: ticketId, state: 'in_progress', externalId: 'INC-1' })

    await cell.locator('.wo-badge[data-workorder-state="in_progress"]').waitFor({ timeout: 5000 })
    const badge = cell.locator('.wo-badge')
    expect(await text(badge)).toBe('ticket in progress')
    expect(await badge.getAttribute('title')).toContain('Work order INC-1: in progress')
    expect(await cell.innerText()).toContain('INC-1')
    expect(await page.evaluate(() => (window as unknown as { e2eMark?: number }).e2eMark)).toBe(1)
  }, 30_000)

  it("lists the ticket with its state on the maintenance page's Work orders panel", async () => {
    await page.getByRole('link', { name: 'Maintenance', exact: true }).click()
    const list = page.getByRole('list', { name: 'Work orders' })
    const item = list.locator(`li[data-workorder-id="${ticketId}"]`)
    await item.waitFor({ timeout: 10_000 })
    expect(await list.locator('li').count()).toBe(1)
    expect(await item.locator('.wo-badge').getAttribute('data-workorder-state')).toBe('in_progress')
    const shown = await text(item)
    expect(shown).toContain('temperature_c')
    expect(shown).toContain('ticket in progress')
    expect(shown).toContain('Dock gate')
    expect(shown).toContain('Loading dock')
    expect(shown).toContain('INC-1')
    expect(shown).toContain('from an alert')
    expect(await page.getByTestId('open-workorders').innerText()).toBe('1 open')
    expect(await page.evaluate(() => (window as unknown as { e2eMark?: number }).e2eMark)).toBe(1)
  }, 30_000)

  it("shows the ticket on the camera's page, beside its alert", async () => {
    await page.getByRole('link', { name: 'Maintenance', exact: true }).waitFor()
    await page.locator(`li[data-workorder-id="${ticketId}"]`).getByRole('link', { name: 'Dock gate' }).click()
    const item = page.locator(`.camera-alerts li[data-alert-id="${alertId}"]`)
    await item.waitFor({ timeout: 10_000 })
    const badge = item.locator(`.wo-badge[data-workorder-id="${ticketId}"]`)
    await badge.waitFor({ timeout: 5000 })
    expect(await badge.getAttribute('data-workorder-state')).toBe('in_progress')
    expect(await page.evaluate(() => (window as unknown as { e2eMark?: number }).e2eMark)).toBe(1)
  }, 30_000)

  it('followed all of it over the one stream the console keeps open', () => {
    expect(sockets.filter((u) => u.includes('/api/v1/stream'))).toHaveLength(1)
  })

  it('logged no console error and no failed request', () => {
    expect(watch.in('main')).toEqual([])
    // Still the one ticket, sent once.
    expect(receiver.attempts).toHaveLength(1)
  })
})
