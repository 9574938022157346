// Apart from the poller, so that reading the command line does not load the SNMP library.

/** One camera to poll: its camtel id and where its SNMP agent answers. */
export interface SnmpTarget {
  readonly cameraId: string
  readonly host: string
  readonly port: number
}

/**
 * `id=host[:port]`, comma-separated: `lobby-1=10.0.4.21,gate-2=10.0.4.22:1161`; for anything
 * else, what is wrong with it.
 */
export function parseSnmpTargets(raw: string): SnmpTarget[] | string {
  const targets: SnmpTarget[] = []
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/.exec(part)
    const port = m?.[3] === undefined ? 161 : Number(m[3])
    if (!m || port < 1 || port > 65535) return `'${part}' is not id=host[:port]`
    if (targets.some((t) => t.cameraId === m[1])) return `camera '${m[1]}' is listed twice`
    targets.push({ cameraId: m[1] as string, host: (m[2] as string).replace(/^\[|\]$/g, ''), port })
  }
  return targets.length > 0 ? targets : 'no target given'
}
