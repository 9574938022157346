import type { ByStatus, CameraStatus } from './camtel.js'

/** Display order: healthy first, as in DESIGN §3. */
export const STATUSES: readonly CameraStatus[] = ['ok', 'degraded', 'critical', 'offline', 'unknown']

/** Worst first: what an operator must look at before anything else. */
const RANK: Record<CameraStatus, number> = { critical: 0, offline: 1, degraded: 2, unknown: 3, ok: 4 }

export function statusRank(s: CameraStatus): number {
  return RANK[s]
}

export function worstStatus(counts: ByStatus): CameraStatus {
  for (const s of ['critical', 'offline', 'degraded', 'ok', 'unknown'] as const) if (counts[s] > 0) return s
  return 'unknown'
}

export function emptyByStatus(): ByStatus {
  return { ok: 0, degraded: 0, critical: 0, offline: 0, unknown: 0 }
}

export const STATUS_LABEL: Record<CameraStatus, string> = {
  ok: 'OK',
  degraded: 'Degraded',
  critical: 'Critical',
  offline: 'Offline',
  unknown: 'Unknown',
}
