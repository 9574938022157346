/** A small seeded fleet for the browser tests: three sites, eight cameras each, two hours of history. */

export interface SeedSite {
  id: string
  name: string
  lat: number
  lon: number
}

export const SITES: SeedSite[] = [
  { id: 'north', name: 'North depot', lat: 52.3702, lon: 4.8952 },
  { id: 'south', name: 'South terminal', lat: 40.4168, lon: -3.7038 },
  { id: 'east', name: 'East campus', lat: 48.2082, lon: 16.3738 },
]

export const CAMERAS_PER_SITE = 8
export const HISTORY_MS = 2 * 3_600_000
const STEP_MS = 60_000

export const cameraId = (site: string, n: number) => `${site}-${String(n).padStart(2, '0')}`

/** Healthy values that drift a little with time, so that charts have shape. */
export function healthyMetrics(ts: number, n: number): Record<string, number | boolean> {
  const wave = Math.sin(ts / 600_000 + n)
  return {
    fps: 25 - Math.abs(wave) * 0.4,
    fps_target: 25,
    bitrate_kbps: 4000 + 300 * wave,
    image_quality: 85 + 4 * wave,
    focus_score: 90 + 2 * wave,
    temperature_c: 41 + 3 * wave,
    power_w: 7.5 + 0.4 * wave,
    voltage_v: 52 + 0.2 * wave,
    disk_used_pct: 70 + n,
    disk_health_pct: 96,
    recording: true,
    humidity_pct: 55 + 5 * wave,
    env_temperature_c: 18 + 4 * wave,
    packet_loss_pct: 0.05 + 0.03 * Math.abs(wave),
    latency_ms: 12 + 3 * wave,
    bandwidth_mbps: 4 + 0.5 * wave,
  }
}

type Api = (path: string, init?: { method?: string; json?: unknown }) => Promise<Response>

/** Registers the sites and cameras and sends their history; cameras stay online for an hour without reports. */
export async function seedFleet(api: Api, now = Date.now()): Promise<void> {
  const must = async (res: Promise<Response>) => {
    const r = await res
    if (!r.ok) throw new Error(`seeding: ${r.status} ${await r.text()}`)
  }
  for (const s of SITES) await must(api(`/api/v1/sites/${s.id}`, { method: 'PUT', json: { name: s.name, lat: s.lat, lon: s.lon, uplinkMbps: 200 } }))
  const reports: unknown[] = []
  for (const s of SITES) {
    for (let n = 1; n <= CAMERAS_PER_SITE; n++) {
      const id = cameraId(s.id, n)
      // A 3 x 3 grid about 400 m apart: one marker each once the map shows the site.
      const lat = s.lat + (Math.floor((n - 1) / 3) - 1) * 0.0036
      const lon = s.lon + (((n - 1) % 3) - 1) * 0.0058
      await must(api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { name: `${s.name} cam ${n}`, siteId: s.id, lat, lon, model: 'E2E-1', offlineAfter: 3600 } }))
      let seq = 0
      for (let ts = now - HISTORY_MS; ts <= now; ts += STEP_MS) reports.push({ cameraId: id, seq: seq++, ts, metrics: healthyMetrics(ts, n) })
    }
  }
  await must(api('/api/v1/telemetry', { method: 'POST', json: { reports } }))
}
