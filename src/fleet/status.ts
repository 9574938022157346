export const STATUSES = ['ok', 'degraded', 'critical', 'offline', 'unknown'] as const
export type Status = (typeof STATUSES)[number]

export type ByStatus = Record<Status, number>

export function emptyByStatus(): ByStatus {
  return { ok: 0, degraded: 0, critical: 0, offline: 0, unknown: 0 }
}

/**
 * DESIGN §3, first that applies: unknown (never reported), offline (silent for its timeout),
 * critical / degraded (an alert of that severity open), ok.
 */
export function deriveStatus(input: {
  lastSeen: number | undefined
  now: number
  offlineAfterMs: number
  worstAlert: 'critical' | 'warning' | null
}): Status {
  if (input.lastSeen === undefined) return 'unknown'
  if (input.now - input.lastSeen >= input.offlineAfterMs) return 'offline'
  if (input.worstAlert === 'critical') return 'critical'
  if (input.worstAlert === 'warning') return 'degraded'
  return 'ok'
}
