import type { ByStatus, CameraStatus } from '../../api/camtel.js'
import { STATUS_LABEL, STATUSES, worstStatus } from '../../api/status.js'

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** One camera: a dot in its status colour; critical and offline ones are larger, to be seen first. */
/** `scale`: pixels per rem over 14, so that icons grow with the text on a video wall. */
export function cameraIcon(id: string, status: CameraStatus, scale = 1): { html: string; size: number } {
  const size = Math.round((status === 'critical' || status === 'offline' ? 16 : 12) * scale)
  return { html: `<div class="cam-marker s-${status}" data-camera-id="${escape(id)}" data-status="${status}"></div>`, size }
}

/**
 * A cluster: its count on a disc in the colour of its worst status, ringed by the share of each
 * status, so a red slice in a green ring shows before any count is read.
 */
export function clusterIcon(counts: ByStatus, total: number, scale = 1): { html: string; size: number } {
  const worst = worstStatus(counts)
  const size = Math.round((30 + 8 * Math.log10(Math.max(1, total))) * scale)
  let at = 0
  const stops: string[] = []
  for (const s of STATUSES) {
    if (counts[s] === 0) continue
    const end = at + (360 * counts[s]) / total
    stops.push(`var(--${s}) ${at.toFixed(1)}deg ${end.toFixed(1)}deg`)
    at = end
  }
  const title = STATUSES.filter((s) => counts[s] > 0)
    .map((s) => `${STATUS_LABEL[s]} ${counts[s]}`)
    .join(', ')
  return {
    html:
      `<div class="cluster s-${worst}" data-status="${worst}" data-count="${total}" title="${title}" ` +
      `style="background: conic-gradient(${stops.join(', ')})"><span>${total}</span></div>`,
    size,
  }
}
