import type { Page } from 'playwright-core'

/**
 * The map's markers are drawn on a canvas, with no element each: the map's host element answers
 * what it drew (`camtelMarkers()`, web/features/fleet-map/FleetMap.tsx), and the canvas itself
 * is read for the colour actually painted at a marker.
 */
export interface DrawnMarker {
  kind: 'camera' | 'cluster'
  id?: string
  status: string
  count: number
  x: number
  y: number
  r: number
}

type Host = HTMLElement & { camtelMarkers?: () => DrawnMarker[] }

const hostOf = (scope: string) => `${scope} [data-testid="fleet-map"]`.trim()

export function markers(page: Page, scope = ''): Promise<DrawnMarker[]> {
  return page.evaluate((sel) => (document.querySelector(sel) as Host | null)?.camtelMarkers?.() ?? [], hostOf(scope))
}

/** Waits until a marker matching `want` is drawn (a camera's id, a status, either). */
export async function waitForMarker(page: Page, want: { id?: string; status?: string }, o: { scope?: string; timeout?: number } = {}): Promise<void> {
  await page.waitForFunction(
    ({ sel, want }) =>
      ((document.querySelector(sel) as Host | null)?.camtelMarkers?.() ?? []).some((m) => (want.id === undefined || m.id === want.id) && (want.status === undefined || m.status === want.status)),
    { sel: hostOf(o.scope ?? ''), want },
    { timeout: o.timeout ?? 10_000, polling: 50 },
  )
}

/** The colour painted on the markers' canvas at a point of the map (pixels from its top left), as #rrggbb. */
export function paintedAt(page: Page, x: number, y: number, scope = ''): Promise<string> {
  return page.evaluate(
    ({ sel, x, y }) => {
      const host = document.querySelector(sel) as HTMLElement
      const canvas = host.querySelector<HTMLCanvasElement>('.leaflet-cameras-pane canvas')
      if (!canvas) return 'no canvas'
      const h = host.getBoundingClientRect()
      const c = canvas.getBoundingClientRect()
      const px = Math.round(((h.left + x - c.left) * canvas.width) / c.width)
      const py = Math.round(((h.top + y - c.top) * canvas.height) / c.height)
      const [r, g, b] = canvas.getContext('2d')?.getImageData(px, py, 1, 1).data ?? []
      return `#${[r, g, b].map((v) => (v ?? 0).toString(16).padStart(2, '0')).join('')}`
    },
    { sel: hostOf(scope), x, y },
  )
}

/** Clicks a camera's marker where it is drawn, as a user would. */
export async function clickMarker(page: Page, id: string, scope = ''): Promise<void> {
  const m = (await markers(page, scope)).find((d) => d.id === id)
  if (!m) throw new Error(`no marker of camera ${id} on the map`)
  const box = await page.locator(hostOf(scope)).boundingBox()
  if (!box) throw new Error('the map is not on the page')
  await page.mouse.click(box.x + m.x, box.y + m.y)
}
