import snmp, { type Session, type Varbind } from 'net-snmp'
import type { Logger } from 'pino'
import type { Clock } from '../../core/clock.js'
import type { RawItem } from '../../ingest/parsers.js'
import type { Intake } from '../intake.js'
import type { SnmpTarget } from './snmp-targets.js'
import type { Source } from './source.js'

/** MIB-II `sysUpTime.0`: hundredths of a second since the SNMP agent (re)started. */
export const SYS_UP_TIME = '1.3.6.1.2.1.1.3.0'
/**
 * AXIS-VIDEO-MIB `tempSensorValue` (°C), the 4th column of `tempSensorTable`
 * (`axisVideoObjects` 3, entry 1), indexed by sensor type (common 1, housing 2, rack 3, CPU 4)
 * and sensor id.
 */
export const AXIS_TEMP_VALUE = '1.3.6.1.4.1.368.4.1.3.1.4'
/** HOST-RESOURCES-MIB `hrStorageEntry`: columns 2 type, 5 size, 6 used (in allocation units). */
export const HR_STORAGE_ENTRY = '1.3.6.1.2.1.25.2.3.1'
/** HOST-RESOURCES-MIB `hrStorageRam`, the type of the main memory's row. */
export const HR_STORAGE_RAM = '1.3.6.1.2.1.25.2.1.2'

export interface SnmpSourceOptions {
  targets: readonly SnmpTarget[]
  /** SNMP v2c community (read-only). */
  community: string
  /** Seconds between two polls of a camera. */
  intervalS: number
  /** Per request; one retry follows a timeout. */
  timeoutMs?: number
  clock: Clock
  logger: Logger
}

/**
 * Polls cameras over SNMP v2c, Axis style: `sysUpTime` gives `uptime_s` (a restart shows as
 * uptime going back), AXIS-VIDEO-MIB's `tempSensorTable` gives `temperature_c` (the hottest
 * sensor), and HOST-RESOURCES-MIB's `hrStorageTable` gives `memory_free_pct` from its
 * `hrStorageRam` row (what the reboot-loop predictor reads for a leak; a camera without the
 * table simply reports no such metric). A camera that does not answer gives no report: the server then sees it go offline,
 * as it would without the agent. All cameras are polled at once each interval, one session
 * (one UDP socket) per camera.
 */
export class SnmpSource implements Source {
  readonly name = 'snmp'
  private readonly sessions = new Map<string, Session>()
  /** Cameras whose last poll failed, to log a failure once and its recovery once. */
  private readonly failing = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  private stopped = false

  constructor(private readonly o: SnmpSourceOptions) {
    if (!(o.intervalS > 0)) throw new RangeError('intervalS must be positive')
    if (o.targets.length === 0) throw new RangeError('no SNMP target')
  }

  async start(intake: Intake): Promise<void> {
    for (const t of this.o.targets) {
      const session = snmp.createSession(t.host, this.o.community, { port: t.port, version: snmp.Version2c, timeout: this.o.timeoutMs ?? 2000, retries: 1 })
      // A socket error (an unresolvable host, say) must not end the agent: the poll reports it.
      session.on('error', (err: Error) => this.o.logger.warn({ err, camera: t.cameraId }, 'SNMP session error'))
      this.sessions.set(t.cameraId, session)
    }
    const tick = () => {
      if (this.stopped) return
      this.polling = this.pollAll(intake).finally(() => {
        this.polling = undefined
        if (!this.stopped) this.timer = setTimeout(tick, Math.max(0, next - this.o.clock.now()))
      })
      next += this.o.intervalS * 1000
      // After a stall carry on from now rather than polling in a burst.
      if (next < this.o.clock.now()) next = this.o.clock.now() + this.o.intervalS * 1000
    }
    let next = this.o.clock.now()
    this.o.logger.info({ cameras: this.o.targets.length, intervalS: this.o.intervalS }, 'polling cameras over SNMP')
    tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.polling
    for (const s of this.sessions.values()) s.close()
    this.sessions.clear()
  }

  /** One poll of every camera; the answers go to the intake as one batch. */
  async pollAll(intake: Intake): Promise<void> {
    const polled = await Promise.all(this.o.targets.map((t) => this.poll(t)))
    const items: RawItem[] = polled.filter((r) => r !== undefined).map((value) => ({ ok: true, value }))
    if (items.length === 0) return
    try {
      const answer = intake.accept(items)
      for (const r of answer.rejected) this.o.logger.warn({ error: r.error }, 'polled report not valid')
    } catch (err) {
      this.o.logger.error({ err }, 'polled reports not buffered')
    }
  }

  private async poll(t: SnmpTarget): Promise<{ cameraId: string; ts: number; metrics: Record<string, number> } | undefined> {
    const session = this.sessions.get(t.cameraId)
    if (!session) return undefined
    try {
      const metrics: Record<string, number> = {}
      const [up] = await get(session, [SYS_UP_TIME])
      if (up && !snmp.isVarbindError(up) && typeof up.value === 'number') metrics.uptime_s = Math.floor(up.value / 100)
      const temps = (await subtree(session, AXIS_TEMP_VALUE)).map((v) => v.value).filter((v): v is number => typeof v === 'number')
      if (temps.length > 0) metrics.temperature_c = Math.max(...temps)
      const memory = memoryFreePct(await subtree(session, HR_STORAGE_ENTRY))
      if (memory !== undefined) metrics.memory_free_pct = memory
      if (this.failing.delete(t.cameraId)) this.o.logger.info({ camera: t.cameraId }, 'SNMP answers again')
      return Object.keys(metrics).length > 0 ? { cameraId: t.cameraId, ts: this.o.clock.now(), metrics } : undefined
    } catch (err) {
      if (!this.stopped && !this.failing.has(t.cameraId)) {
        this.failing.add(t.cameraId)
        this.o.logger.warn({ camera: t.cameraId, host: t.host, port: t.port, err: err instanceof Error ? err.message : String(err) }, 'SNMP poll failed; no report until it answers')
      }
      return undefined
    }
  }
}

/**
 * Free main memory in percent from a walk of `hrStorageEntry`: the first row whose type is
 * `hrStorageRam`, 100 × (size − used) / size, to two decimals; undefined without such a row or
 * with a size of 0 or a used above the size (a broken agent).
 */
export function memoryFreePct(entries: readonly Varbind[]): number | undefined {
  const rows = new Map<string, { type?: string; size?: number; used?: number }>()
  for (const v of entries) {
    if (!v.oid.startsWith(`${HR_STORAGE_ENTRY}.`)) continue
    const [column, ...index] = v.oid.slice(HR_STORAGE_ENTRY.length + 1).split('.')
    const key = index.join('.')
    const row = rows.get(key) ?? {}
    rows.set(key, row)
    if (column === '2') row.type = String(v.value)
    else if (column === '5' && typeof v.value === 'number') row.size = v.value
    else if (column === '6' && typeof v.value === 'number') row.used = v.value
  }
  for (const r of rows.values()) {
    if (r.type !== HR_STORAGE_RAM || r.size === undefined || r.used === undefined) continue
    if (!(r.size > 0) || r.used < 0 || r.used > r.size) return undefined
    return Math.round((10_000 * (r.size - r.used)) / r.size) / 100
  }
  return undefined
}

function get(session: Session, oids: string[]): Promise<Varbind[]> {
  return new Promise((resolve, reject) => session.get(oids, (err, varbinds) => (err ? reject(err) : resolve(varbinds ?? []))))
}

/** Every value under `oid` (GETBULK walks); a missing table is an empty list. */
function subtree(session: Session, oid: string): Promise<Varbind[]> {
  return new Promise((resolve, reject) => {
    const found: Varbind[] = []
    session.subtree(
      oid,
      20,
      (varbinds: Varbind[]) => {
        for (const v of varbinds) if (!snmp.isVarbindError(v)) found.push(v)
      },
      (err: Error | null) => (err ? reject(err) : resolve(found)),
    )
  })
}
