import type { AlertRecord } from '../alerts/model.js'
import { OFFLINE_METRIC, type Rule } from '../alerts/rules.js'
import type { CameraState } from '../fleet/fleet.js'
import type { PredictionView } from '../protocol/predictions.js'
import type { Site } from '../store/ports.js'
import type { WorkOrderSubject } from '../protocol/workorders.js'

const iso = (ms: number | undefined | null): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString())

/** What a ticket is about, before it has an id: the body of DESIGN §7 less `id` and `createdAt`. */
export interface TicketDraft extends WorkOrderSubject {
  /** The alert or prediction that makes it; a source makes at most one ticket, ever. */
  source: string
  context: TicketContext
  alertId: number | null
  /** Data time of what made it (the stream event's `ts`). */
  dataTime: number
}

/** The diagnostic context a technician needs, as the work-order system receives it. */
export interface TicketContext {
  camera: {
    id: string
    name: string
    model: string | null
    firmware: string | null
    siteId: string
    siteName: string | null
    tags: string[]
    lat: number | null
    lon: number | null
    status: string
    lastSeen: string | null
  }
  /** Latest value of every metric, with the data time it was reported at. */
  metrics: Record<string, { value: number; ts: string }>
  alert?: {
    id: number
    ruleId: string
    metric: string | null
    op: string | null
    threshold: number | null
    clear: number | null
    for: number | null
    description: string | null
    value: number
    state: string
    since: string
    openedAt: string
  }
  prediction?: { mode: string; risk: number; eta: string | null; evidence: string[]; asOf: string; raisedAt: string | null }
}

export const alertSource = (alertId: number) => `alert:${alertId}`
export const predictionSource = (p: Pick<PredictionView, 'cameraId' | 'mode' | 'raisedAt' | 'asOf'>) => `prediction:${p.cameraId}:${p.mode}:${p.raisedAt ?? p.asOf}`

function cameraContext(state: CameraState, site: Site | undefined): Pick<TicketContext, 'camera' | 'metrics'> {
  const c = state.camera
  const metrics: TicketContext['metrics'] = {}
  for (const name of Object.keys(state.metrics).sort()) {
    const m = state.metrics[name] as { value: number; ts: number }
    metrics[name] = { value: m.value, ts: new Date(m.ts).toISOString() }
  }
  return {
    camera: {
      id: c.id,
      name: c.name,
      model: c.model,
      firmware: c.firmware,
      siteId: c.siteId,
      siteName: site?.name ?? null,
      tags: c.tags,
      lat: c.lat,
      lon: c.lon,
      status: state.status,
      lastSeen: iso(state.lastSeen),
    },
    metrics,
  }
}

const where = (state: CameraState, site: Site | undefined) => `${state.camera.name} (${site?.name ?? state.camera.siteId})`

/** A ticket for an open critical alert: its problem is the rule's metric. */
export function alertTicket(a: AlertRecord, rule: Rule | undefined, state: CameraState, site: Site | undefined): TicketDraft {
  const metric = rule?.metric ?? a.ruleId
  const what =
    metric === OFFLINE_METRIC
      ? 'no report for its offline timeout'
      : rule
        ? `${metric} ${a.value} ${rule.op} ${rule.value}${rule.for > 0 ? ` for ${rule.for} s` : ''}`
        : `${metric} ${a.value}`
  return {
    source: alertSource(a.id),
    cameraId: a.cameraId,
    siteId: state.camera.siteId,
    problem: metric,
    severity: a.severity,
    summary: `${rule?.description ?? a.ruleId} on ${where(state, site)}: ${what}`,
    context: {
      ...cameraContext(state, site),
      alert: {
        id: a.id,
        ruleId: a.ruleId,
        metric: rule?.metric ?? null,
        op: rule?.op ?? null,
        threshold: rule?.value ?? null,
        clear: rule?.clear ?? null,
        for: rule?.for ?? null,
        description: rule?.description ?? null,
        value: a.value,
        state: a.state,
        since: new Date(a.since).toISOString(),
        openedAt: new Date(a.openedAt).toISOString(),
      },
    },
    origin: 'alert',
    alertId: a.id,
    dataTime: a.openedAt,
  }
}

/**
 * A ticket for a raised prediction: its problem is the failure mode. A failure that is likely but
 * has not happened is a `warning`; the critical alert it may turn into makes its own ticket.
 */
export function predictionTicket(p: PredictionView, state: CameraState, site: Site | undefined): TicketDraft {
  const eta = p.eta === null ? '' : `, expected by ${p.eta}`
  return {
    source: predictionSource(p),
    cameraId: p.cameraId,
    siteId: state.camera.siteId,
    problem: p.mode,
    severity: 'warning',
    summary: `${p.mode.replace(/_/g, ' ')} predicted on ${where(state, site)}: ${Math.round(p.risk * 100)} % risk within 30 days${eta}`,
    context: {
      ...cameraContext(state, site),
      prediction: { mode: p.mode, risk: p.risk, eta: p.eta, evidence: [...p.evidence], asOf: p.asOf, raisedAt: p.raisedAt },
    },
    origin: 'prediction',
    alertId: null,
    dataTime: Date.parse(p.asOf),
  }
}
