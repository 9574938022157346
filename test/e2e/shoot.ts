/**
 * Screenshots of the dashboard's views from a running camtel, for looking at it and for the docs:
 *   npx tsx test/e2e/shoot.ts http://127.0.0.1:8080 docs/dashboard
 * (auth off, as in the demo). Not a test: the e2e suite checks behaviour.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { launchChromium } from './support/browser.js'
import { waitForMarker } from './support/map.js'

const [base = 'http://127.0.0.1:8080', out = '/tmp/camtel-shots', width = '1920', height = '1080'] = process.argv.slice(2)
mkdirSync(out, { recursive: true })
const chrome = await launchChromium({ width: Number(width), height: Number(height) })
const page = await chrome.context.newPage()
page.on('console', (m) => {
  if (m.type() === 'error') console.error(`console: ${m.text()}`)
})
/** `ready`: a selector, or 'markers' for the map's first marker (drawn on a canvas, no element each). */
const shoot = async (name: string, path: string, ready: string) => {
  await page.goto(`${base}${path}`)
  if (ready === 'markers') await waitForMarker(page, {}, { timeout: 20_000 })
  else await page.waitForSelector(ready, { timeout: 20_000 })
  await page.waitForTimeout(2500)
  await page.screenshot({ path: join(out, `${name}.png`) })
  console.log(join(out, `${name}.png`))
}
try {
  await shoot('fleet', '/', 'markers')
  const cameras = (await (await fetch(`${base}/api/v1/cameras?status=critical&limit=1`)).json()) as { cameras: Array<{ id: string }> }
  const all = (await (await fetch(`${base}/api/v1/cameras?limit=1`)).json()) as { cameras: Array<{ id: string }> }
  const id = cameras.cameras[0]?.id ?? all.cameras[0]?.id
  if (id) await shoot('camera', `/cameras/${encodeURIComponent(id)}`, '.chart canvas')
  await shoot('alerts', '/alerts', '.alert-table')
  const summary = (await (await fetch(`${base}/api/v1/fleet/summary`)).json()) as { sites: Array<{ siteId: string }> }
  const site = summary.sites[0]?.siteId
  if (site) await shoot('site', `/sites/${encodeURIComponent(site)}`, 'markers')
  await shoot('incidents', '/incidents', '.incidents-page')
  await shoot('maintenance', '/maintenance', '.maintenance-page')
  await shoot('agents', '/agents', '.agents-page')
} finally {
  await chrome.close()
}
