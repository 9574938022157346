import type { AlertRecord, IncidentRecord, SilenceRecord } from './model.js'

const iso = (ms: number) => new Date(ms).toISOString()

/** The alert object of DESIGN §5, as REST answers and `alert` events carry it. */
export function alertView(a: AlertRecord) {
  return {
    id: a.id,
    ruleId: a.ruleId,
    cameraId: a.cameraId,
    siteId: a.siteId,
    severity: a.severity,
    state: a.state,
    silenced: a.silenced,
    late: a.late,
    value: a.value,
    openedAt: iso(a.openedAt),
    ...(a.resolvedAt !== null ? { resolvedAt: iso(a.resolvedAt) } : {}),
    ...(a.ack ? { ack: { by: a.ack.by, at: iso(a.ack.at), note: a.ack.note } } : {}),
    ...(a.incidentId !== null ? { incidentId: a.incidentId } : {}),
  }
}

export function incidentView(i: IncidentRecord) {
  return {
    id: i.id,
    siteId: i.siteId,
    ruleId: i.ruleId,
    group: i.group,
    state: i.state,
    cameras: i.cameras,
    openedAt: iso(i.openedAt),
    ...(i.resolvedAt !== null ? { resolvedAt: iso(i.resolvedAt) } : {}),
  }
}

export function silenceView(s: SilenceRecord, now: number) {
  const end = s.endedAt === null ? s.to : Math.min(s.to, s.endedAt)
  return {
    id: s.id,
    scope: s.scope,
    from: iso(s.from),
    to: iso(s.to),
    reason: s.reason,
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    ...(s.endedAt !== null ? { endedAt: iso(s.endedAt) } : {}),
    active: now >= s.from && now < end,
  }
}
