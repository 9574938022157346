import { createModels, sampleFleetAt } from '../../src/sim/camera-model.js'
import { createFleet } from '../../src/sim/fleet.js'

const INTERVAL_MS = 10_000

export interface WorkloadOptions {
  cameras: number
  /** Rounds of simulated values per camera; the stream cycles through them. */
  window: number
  /** Data time of the first round. */
  start: number
  seed?: number
}

export interface RequestBody {
  readonly path: string
  readonly contentType: string
  readonly body: Buffer
  readonly reports: number
  readonly samples: number
}

/**
 * A realistic fleet's telemetry, as request bodies. Values come from the simulator (src/sim):
 * `window` rounds of every camera at 10 s spacing are sampled once, up front, so that making a
 * request costs the load generator a string concatenation rather than a physics model, and the
 * generator leaves the CPU to the server. The stream then walks the fleet camera by camera and
 * round by round with ever-increasing ts and seq, so no report repeats; after `window` rounds the
 * values (not the timestamps) start over, which a real fleet's would not do, but which changes
 * neither their magnitudes nor their precision — what the storage cost depends on.
 */
export class Workload {
  readonly cameraIds: string[]
  readonly metricsPerReport: number
  /** Per camera, per round: the metrics as a JSON object and as line-protocol fields. */
  private readonly json: string[][]
  private readonly fields: string[][]
  private cam = 0
  private round = 0

  constructor(private readonly o: WorkloadOptions) {
    const fleet = createFleet({ cameras: o.cameras, seed: o.seed ?? 7 })
    const models = createModels(fleet)
    this.cameraIds = fleet.cameras.map((c) => c.id)
    const index = new Map(this.cameraIds.map((id, i) => [id, i]))
    this.json = this.cameraIds.map(() => [])
    this.fields = this.cameraIds.map(() => [])
    let width = 0
    for (let r = 0; r < o.window; r++) {
      for (const s of sampleFleetAt(models, o.start + r * INTERVAL_MS)) {
        const i = index.get(s.cameraId) as number
        width = Math.max(width, Object.keys(s.metrics).length)
        ;(this.json[i] as string[])[r] = JSON.stringify(s.metrics)
        ;(this.fields[i] as string[])[r] = Object.entries(s.metrics)
          .map(([k, v]) => `${k}=${typeof v === 'boolean' ? String(v) : String(v)}`)
          .join(',')
      }
    }
    // A camera the model has down at some round reuses its previous round's values.
    for (let i = 0; i < this.cameraIds.length; i++) {
      for (let r = 0; r < o.window; r++) {
        const j = this.json[i] as string[]
        const f = this.fields[i] as string[]
        if (j[r] === undefined) {
          const prev = (r === 0 ? j.find((x) => x !== undefined) : j[r - 1]) ?? '{"online_probe":1}'
          j[r] = prev
          f[r] = (r === 0 ? f.find((x) => x !== undefined) : f[r - 1]) ?? 'online_probe=1'
        }
      }
    }
    this.metricsPerReport = width
  }

  /** The next `n` reports of the stream as one request body of the given format. */
  next(format: 'json' | 'line', n: number): RequestBody {
    const parts: string[] = []
    let samples = 0
    for (let k = 0; k < n; k++) {
      const i = this.cam
      const r = this.round % this.o.window
      const ts = this.o.start + this.round * INTERVAL_MS
      const seq = this.round + 1
      const id = this.cameraIds[i] as string
      const metrics = (this.json[i] as string[])[r] as string
      samples += countFields((this.fields[i] as string[])[r] as string)
      parts.push(
        format === 'json'
          ? `{"cameraId":"${id}","seq":${seq},"ts":${ts},"metrics":${metrics}}`
          : `camera,camera_id=${id},seq=${seq} ${(this.fields[i] as string[])[r]} ${ts}000000`,
      )
      if (++this.cam === this.cameraIds.length) {
        this.cam = 0
        this.round++
      }
    }
    const text = format === 'json' ? `{"reports":[${parts.join(',')}]}` : parts.join('\n')
    return {
      path: format === 'json' ? '/api/v1/telemetry' : '/api/v1/write?precision=ns',
      contentType: format === 'json' ? 'application/json' : 'text/plain; charset=utf-8',
      body: Buffer.from(text, 'utf8'),
      reports: n,
      samples,
    }
  }

  /** Every value the stream sends, per metric (booleans as 1 and 0), e.g. to set thresholds by. */
  metricValues(): Map<string, number[]> {
    const out = new Map<string, number[]>()
    for (const rounds of this.json) {
      for (const text of rounds) {
        for (const [name, v] of Object.entries(JSON.parse(text) as Record<string, number | boolean>)) {
          let list = out.get(name)
          if (!list) out.set(name, (list = []))
          list.push(typeof v === 'boolean' ? Number(v) : v)
        }
      }
    }
    return out
  }

  /** Data time the stream has reached. */
  get dataTime(): number {
    return this.o.start + this.round * INTERVAL_MS
  }
}

function countFields(fields: string): number {
  let n = 1
  for (let i = 0; i < fields.length; i++) if (fields.charCodeAt(i) === 44) n++
  return n
}
