import type { Logger } from 'pino'
import type { Clock } from '../../core/clock.js'
import { type CameraModel, createFleet, createModels, sampleFleetAt } from '../../sim/index.js'
import type { Intake } from '../intake.js'
import type { Source } from './source.js'

export interface SimSourceOptions {
  cameras: number
  /** Seconds between two reports of a camera. */
  intervalS: number
  seed?: number
  clock: Clock
  logger: Logger
}

/**
 * Simulated cameras (the fleet simulator's models) reporting to the agent, as if they were on
 * its network. Cameras are spread over the interval in slots of about a second, so the buffer
 * sees a steady flow; the agent gives the reports their seqs.
 */
export class SimSource implements Source {
  readonly name = 'sim'
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(private readonly o: SimSourceOptions) {
    if (!(o.intervalS > 0)) throw new RangeError('intervalS must be positive')
  }

  async start(intake: Intake): Promise<void> {
    const models = createModels(createFleet({ cameras: this.o.cameras, seed: this.o.seed ?? 1 }))
    const slots = Math.max(1, Math.min(models.length, Math.round(this.o.intervalS)))
    const bySlot: CameraModel[][] = Array.from({ length: slots }, () => [])
    models.forEach((m, i) => bySlot[i % slots]?.push(m))
    const slotMs = (this.o.intervalS * 1000) / slots
    const t0 = this.o.clock.now()
    let n = 0
    const tick = () => {
      if (this.stopped) return
      const slot = bySlot[n % slots] ?? []
      const items = sampleFleetAt(slot, this.o.clock.now()).map((s) => ({ ok: true as const, value: s }))
      try {
        intake.accept(items)
      } catch (err) {
        this.o.logger.error({ err }, 'simulated reports not buffered')
      }
      n++
      // After a stall (a suspended host, a blocked loop) carry on from now instead of bursting.
      const due = Math.floor((this.o.clock.now() - t0) / slotMs)
      if (due - n > 2 * slots) n = due
      this.timer = setTimeout(tick, Math.max(0, t0 + n * slotMs - this.o.clock.now()))
    }
    this.o.logger.info({ cameras: models.length, intervalS: this.o.intervalS }, 'simulating cameras')
    tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
  }
}
