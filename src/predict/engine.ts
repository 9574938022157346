import type { AfterStoreStage, StoredBatch } from '../ingest/pipeline.js'
import { FAILURE_MODES, type FailureMode, type PredictionView, RAISE_RISK } from '../protocol/predictions.js'
import type { DomainEvent } from '../stream/events.js'
import { DETECTORS, DetectorContext } from './detectors/index.js'
import { PeerGroups } from './peers.js'
import type { RiskModel } from './risk-model.js'
import { StateFormatError, StateReader, StateWriter } from './state.js'
import { type CameraInfo, CameraTrack, HOUR_MS } from './track.js'

/**
 * Predictions below this risk are not kept: "negligible" needs no entry. Above every mode's
 * no-evidence floor (its calibrated base rate, about 1 %), so that a healthy camera holds nothing.
 */
const KEEP_RISK = 0.02
/** Reports between two sweeps for deleted cameras. */
const SWEEP_EVERY = 100_000

/** The registry as the predictor sees it: a camera's site, tags, model and firmware. */
export type CameraDirectory = (cameraId: string) => CameraInfo | undefined

export interface AssessmentRecord {
  readonly cameraId: string
  readonly mode: FailureMode
  /** Data time of the assessment (end of the last finalised hour). */
  readonly at: number
  readonly features: readonly number[]
  readonly risk: number
  readonly etaMs: number | null
}

export interface PredictionEngineOptions {
  directory: CameraDirectory
  model: RiskModel
  /** Called with every assessment (the tuner fits the risk model from these). */
  onAssessment?: (a: AssessmentRecord) => void
}

interface Held {
  readonly mode: FailureMode
  readonly risk: number
  readonly etaMs: number | null
  readonly evidence: readonly string[]
  readonly asOf: number
  readonly raisedAt: number | null
}

export interface PredictionFilter {
  /** The caller's sites; null = all. */
  sites: readonly string[] | null
  site?: string
  camera?: string
  mode?: FailureMode
  minRisk?: number
  limit?: number
}

/**
 * Predictive maintenance (DESIGN §7) as a stage of the ingest pipeline: every accepted report
 * feeds its camera's bounded track; when an hour is finalised the seven detectors run on data
 * time and their calibrated risks replace the camera's predictions. A risk crossing 0.5 (either
 * way), or a raised camera whose leading mode changes, becomes a `prediction` event.
 * Everything happens before the batch is acknowledged, so answers reflect every acknowledged report.
 */
export class PredictionEngine implements AfterStoreStage {
  readonly name = 'predictions'
  private readonly tracks = new Map<string, CameraTrack>()
  private readonly peers = new PeerGroups()
  private readonly held = new Map<string, Map<FailureMode, Held>>()
  private readonly leaders = new Map<string, FailureMode>()
  private sinceSweep = 0
  /** Cameras whose state changed, and cameras dropped, since the last snapshot. */
  private readonly dirty = new Set<string>()
  private readonly removed = new Set<string>()

  constructor(private readonly o: PredictionEngineOptions) {}

  afterStore(batch: StoredBatch): DomainEvent[] {
    const order = batch.reports
      .filter((_, i) => !(batch.outcomes[i]?.duplicate ?? false))
      .sort((a, b) => (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : a.ts - b.ts))
    const events: DomainEvent[] = []
    for (const r of order) events.push(...this.ingest(r.cameraId, r.ts, r.metrics))
    return events
  }

  /** Feeds one report (data-time order per camera); answers the events it caused. */
  ingest(cameraId: string, ts: number, metrics: Readonly<Record<string, number>>): DomainEvent[] {
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep()
    const info = this.o.directory(cameraId)
    if (info === undefined) return []
    let track = this.tracks.get(cameraId)
    if (track === undefined) this.tracks.set(cameraId, (track = new CameraTrack(cameraId)))
    track.bind(info, this.peers)
    this.dirty.add(cameraId)
    if (!track.ingest(ts, metrics)) return []
    return this.assess(track, info)
  }

  private assess(track: CameraTrack, info: CameraInfo): DomainEvent[] {
    const id = track.cameraId
    const now = (track.finalHour + 1) * HOUR_MS
    let mine = this.held.get(id)
    const held = mine
    const ctx = new DetectorContext(track, now, (mode) => (held?.get(mode)?.risk ?? 0) >= RAISE_RISK)
    const events: DomainEvent[] = []
    for (const mode of FAILURE_MODES) {
      const a = DETECTORS[mode](ctx)
      const risk = a === undefined ? 0 : Math.round(this.o.model.risk(mode, a.features) * 1000) / 1000
      if (a !== undefined) this.o.onAssessment?.({ cameraId: id, mode, at: now, features: a.features, risk, etaMs: a.etaMs })
      const prev = mine?.get(mode)
      const wasRaised = prev !== undefined && prev.risk >= RAISE_RISK
      const raised = risk >= RAISE_RISK
      const keep = risk >= KEEP_RISK
      const held: Held = {
        mode,
        risk,
        etaMs: a?.etaMs ?? null,
        // Words cost more than numbers: only for predictions worth showing.
        evidence: keep || raised !== wasRaised ? (a?.explain() ?? []) : [],
        asOf: now,
        raisedAt: raised ? (wasRaised ? prev.raisedAt : now) : null,
      }
      if (keep) {
        if (mine === undefined) this.held.set(id, (mine = new Map()))
        mine.set(mode, held)
      } else {
        mine?.delete(mode)
      }
      if (raised !== wasRaised) events.push(this.event(id, info.siteId, held))
    }
    if (mine?.size === 0) this.held.delete(id)
    const leader = this.leader(id)
    const before = this.leaders.get(id)
    if (leader !== before) {
      if (leader === undefined) this.leaders.delete(id)
      else this.leaders.set(id, leader)
      // A camera raised for one mode that now leads with another: tell consoles which it is.
      const h = leader !== undefined ? mine?.get(leader) : undefined
      if (before !== undefined && h !== undefined && !events.some((e) => (e.data as PredictionView).mode === leader)) {
        events.push(this.event(id, info.siteId, h))
      }
    }
    return events
  }

  /** Drops the state of cameras the registry no longer has (deleted), so memory follows the fleet. */
  sweep(): void {
    this.sinceSweep = 0
    for (const id of this.tracks.keys()) {
      if (this.o.directory(id) !== undefined) continue
      this.tracks.delete(id)
      this.held.delete(id)
      this.leaders.delete(id)
      this.dirty.delete(id)
      this.removed.add(id)
    }
  }

  /**
   * The state to persist: up to `max` cameras that took a report since they were last taken, the
   * cameras dropped since, and every peer group. A restarted engine given the saved records
   * (`restore`) answers exactly as this one does now.
   */
  snapshot(max = Number.POSITIVE_INFINITY): EngineSnapshot {
    const cameras: Array<[string, Buffer]> = []
    for (const id of this.dirty) {
      if (cameras.length >= max) break
      this.dirty.delete(id)
      const track = this.tracks.get(id)
      if (track === undefined) continue
      const w = new StateWriter()
      track.save(w)
      const held = [...(this.held.get(id)?.values() ?? [])]
      w.str(JSON.stringify({ held, leader: this.leaders.get(id) ?? null }))
      cameras.push([id, w.finish()])
    }
    const peers: Array<[string, Buffer]> = []
    for (const [key, g] of this.peers.entries()) {
      const w = new StateWriter()
      g.save(w)
      peers.push([key, w.finish()])
    }
    const removed = [...this.removed]
    this.removed.clear()
    return { cameras, removed, peers }
  }

  /** Cameras changed since they were last taken by `snapshot`. */
  get unsaved(): number {
    return this.dirty.size
  }

  /** Gives back a snapshot that could not be saved: its cameras are taken again next time. */
  requeue(s: EngineSnapshot): void {
    for (const [id] of s.cameras) if (this.tracks.has(id)) this.dirty.add(id)
    for (const id of s.removed) if (!this.tracks.has(id)) this.removed.add(id)
  }

  /**
   * Replaces the engine's state with saved records (see `snapshot`). Throws StateFormatError on
   * a record of another layout, leaving the engine empty: it then learns afresh from new data.
   */
  restore(saved: { cameras: Iterable<readonly [string, Buffer]>; peers: Iterable<readonly [string, Buffer]> }): { cameras: number; peerGroups: number } {
    this.clearState()
    try {
      for (const [key, buf] of saved.peers) {
        const r = new StateReader(buf)
        this.peers.get(key).load(r)
        r.end()
      }
      for (const [id, buf] of saved.cameras) {
        const r = new StateReader(buf)
        const track = new CameraTrack(id)
        track.load(r)
        const { held, leader } = parseHeld(r.str())
        r.end()
        this.tracks.set(id, track)
        if (held.length > 0) this.held.set(id, new Map(held.map((h) => [h.mode, h])))
        if (leader !== null) this.leaders.set(id, leader)
      }
    } catch (err) {
      this.clearState()
      throw err instanceof StateFormatError ? err : new StateFormatError(`unreadable predictor state: ${(err as Error).message}`)
    }
    return { cameras: this.tracks.size, peerGroups: this.peers.size }
  }

  private clearState(): void {
    this.tracks.clear()
    this.held.clear()
    this.leaders.clear()
    this.peers.clear()
    this.dirty.clear()
    this.removed.clear()
  }

  /** The camera's highest raised mode. */
  private leader(cameraId: string): FailureMode | undefined {
    let best: Held | undefined
    for (const h of this.held.get(cameraId)?.values() ?? []) {
      if (h.risk >= RAISE_RISK && (best === undefined || h.risk > best.risk)) best = h
    }
    return best?.mode
  }

  private event(cameraId: string, siteId: string, h: Held): DomainEvent {
    return { topic: 'prediction', cameraId, siteId, ts: h.asOf, data: view(cameraId, siteId, h) }
  }

  /** Current predictions, highest risk first, filtered and scoped to the caller's sites. */
  list(f: PredictionFilter): PredictionView[] {
    const out: PredictionView[] = []
    const minRisk = f.minRisk ?? 0
    const cameras = f.camera !== undefined ? [f.camera] : this.held.keys()
    for (const cameraId of cameras) {
      const mine = this.held.get(cameraId)
      if (mine === undefined) continue
      // The registry is the truth for where a camera is now (and whether it still exists).
      const siteId = this.o.directory(cameraId)?.siteId
      if (siteId === undefined || (f.sites !== null && !f.sites.includes(siteId))) continue
      if (f.site !== undefined && siteId !== f.site) continue
      for (const h of mine.values()) {
        if ((f.mode === undefined || h.mode === f.mode) && h.risk >= minRisk) out.push(view(cameraId, siteId, h))
      }
    }
    out.sort((a, b) => b.risk - a.risk || (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : a.mode < b.mode ? -1 : 1))
    return f.limit !== undefined ? out.slice(0, f.limit) : out
  }

  /** How much the predictor holds: cameras tracked, peer groups, and bytes of per-camera state. */
  footprint(): { cameras: number; peerGroups: number; bytesPerCamera: number } {
    return { cameras: this.tracks.size, peerGroups: this.peers.size, bytesPerCamera: CameraTrack.BYTES }
  }
}

export interface EngineSnapshot {
  readonly cameras: ReadonlyArray<readonly [string, Buffer]>
  readonly removed: readonly string[]
  readonly peers: ReadonlyArray<readonly [string, Buffer]>
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
const isNumOrNull = (x: unknown): x is number | null => x === null || isNum(x)

/** A camera's saved predictions, checked field by field (a record of another version is refused). */
function parseHeld(text: string): { held: Held[]; leader: FailureMode | null } {
  const v = JSON.parse(text) as { held?: unknown; leader?: unknown }
  const modes = FAILURE_MODES as readonly string[]
  const ok = (h: Partial<Held>): h is Held =>
    typeof h.mode === 'string' &&
    modes.includes(h.mode) &&
    isNum(h.risk) &&
    isNumOrNull(h.etaMs) &&
    Array.isArray(h.evidence) &&
    h.evidence.every((e) => typeof e === 'string') &&
    isNum(h.asOf) &&
    isNumOrNull(h.raisedAt)
  if (!Array.isArray(v.held) || !(v.leader === null || (typeof v.leader === 'string' && modes.includes(v.leader)))) throw new StateFormatError('bad saved predictions')
  const held = v.held as Array<Partial<Held>>
  if (!held.every(ok)) throw new StateFormatError('bad saved prediction')
  return { held, leader: v.leader as FailureMode | null }
}

const iso = (t: number) => new Date(t).toISOString()

function view(cameraId: string, siteId: string, h: Held): PredictionView {
  return {
    cameraId,
    siteId,
    mode: h.mode,
    risk: h.risk,
    eta: h.etaMs === null ? null : iso(h.etaMs),
    evidence: [...h.evidence],
    asOf: iso(h.asOf),
    raisedAt: h.raisedAt === null ? null : iso(h.raisedAt),
  }
}
