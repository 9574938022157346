/** Failure modes as operators read them (DESIGN §7); an unknown one is shown by its name. */
const MODE_LABEL: Record<string, string> = {
  overheating: 'Overheating',
  disk_failure: 'Disk failure',
  disk_full: 'Disk full',
  power_instability: 'Power instability',
  network_degradation: 'Network degradation',
  image_degradation: 'Image degradation',
  reboot_loop: 'Reboot loop',
}

/** What to bring on the visit. */
const MODE_ACTION: Record<string, string> = {
  overheating: 'check the fan, housing and sun shield',
  disk_failure: 'replace the SD card or disk',
  disk_full: 'free space or shorten the loop',
  power_instability: 'check the PoE port, cabling and supply',
  network_degradation: 'check the cable, switch port and link',
  image_degradation: 'clean the lens, refocus',
  reboot_loop: 'check power and firmware',
}

export function modeLabel(mode: string): string {
  return MODE_LABEL[mode] ?? mode.replace(/_/g, ' ')
}

export function modeAction(mode: string): string | undefined {
  return MODE_ACTION[mode]
}

/** `82 %` */
export function riskText(risk: number): string {
  return `${Math.round(risk * 100)} %`
}

/** A raised risk is serious from 0.5; from 0.8 it is the first visit to plan. */
export function riskLevel(risk: number): 'critical' | 'degraded' {
  return risk >= 0.8 ? 'critical' : 'degraded'
}

/** `in 6 d 4 h`, `overdue by 3 h`, or null without an ETA. */
export function etaText(eta: string | null, now: number): string | null {
  if (eta === null) return null
  const ms = Date.parse(eta) - now
  const d = Math.abs(ms)
  const s =
    d < 3_600_000 ? `${Math.max(1, Math.round(d / 60_000))} min` : d < 48 * 3_600_000 ? `${Math.round(d / 3_600_000)} h` : `${Math.round(d / 86_400_000)} d`
  return ms >= 0 ? `in ${s}` : `due ${s} ago`
}
