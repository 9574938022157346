/** The known metrics of DESIGN §2: unit, group and kind. Any other valid name is a custom metric. */
export type MetricKind = 'gauge' | 'counter' | 'bool'
export type MetricGroup = 'connectivity' | 'video' | 'storage' | 'power' | 'environment' | 'network'

export interface MetricInfo {
  readonly name: string
  readonly group: MetricGroup
  readonly unit: string
  readonly kind: MetricKind
  readonly description: string
  /** Plausible physical range; values outside are kept (they are data) but flagged by rules later. */
  readonly min?: number
  readonly max?: number
}

const m = (
  name: string,
  group: MetricGroup,
  unit: string,
  kind: MetricKind,
  description: string,
  min?: number,
  max?: number,
): MetricInfo => ({ name, group, unit, kind, description, min, max })

export const KNOWN_METRICS: readonly MetricInfo[] = [
  m('online', 'connectivity', 'bool', 'bool', 'derived from the last report'),
  m('uptime_s', 'connectivity', 's', 'gauge', 'seconds since the device booted', 0),
  m('reboots', 'connectivity', 'count', 'counter', 'reboots since the counter was reset', 0),
  m('clock_skew_s', 'connectivity', 's', 'gauge', 'device clock minus server clock'),
  m('fps', 'video', 'fps', 'gauge', 'delivered frame rate', 0, 240),
  m('fps_target', 'video', 'fps', 'gauge', 'configured frame rate', 0, 240),
  m('bitrate_kbps', 'video', 'kbit/s', 'gauge', 'video bitrate', 0),
  m('dropped_frames', 'video', 'frames', 'counter', 'frames dropped since reset', 0),
  m('image_quality', 'video', 'score', 'gauge', '0-100 image quality score', 0, 100),
  m('focus_score', 'video', 'score', 'gauge', '0-100 focus score', 0, 100),
  m('tamper', 'video', 'bool', 'bool', 'tamper detected'),
  m('disk_used_pct', 'storage', '%', 'gauge', 'edge storage used', 0, 100),
  m('disk_capacity_gb', 'storage', 'GB', 'gauge', 'edge storage capacity', 0),
  m('disk_health_pct', 'storage', '%', 'gauge', 'storage health, 100 = new', 0, 100),
  m('disk_write_errors', 'storage', 'errors', 'counter', 'write errors since reset', 0),
  m('recording', 'storage', 'bool', 'bool', 'recording is running'),
  m('retention_days', 'storage', 'days', 'gauge', 'days of video held on the device', 0),
  m('cloud_used_gb', 'storage', 'GB', 'gauge', 'cloud storage used by this camera', 0),
  m('temperature_c', 'power', '°C', 'gauge', 'camera housing temperature', -60, 150),
  m('power_w', 'power', 'W', 'gauge', 'power draw', 0),
  m('voltage_v', 'power', 'V', 'gauge', 'supply voltage', 0),
  m('power_ok', 'power', 'bool', 'bool', 'power supply status'),
  m('fan_ok', 'power', 'bool', 'bool', 'fan status'),
  m('env_temperature_c', 'environment', '°C', 'gauge', 'ambient temperature', -80, 80),
  m('humidity_pct', 'environment', '%', 'gauge', 'relative humidity', 0, 100),
  m('vibration_g', 'environment', 'g', 'gauge', 'vibration', 0),
  m('power_quality_pct', 'environment', '%', 'gauge', 'supply quality, 100 = clean', 0, 100),
  m('bandwidth_mbps', 'network', 'Mbit/s', 'gauge', 'bandwidth used', 0),
  m('packet_loss_pct', 'network', '%', 'gauge', 'packet loss', 0, 100),
  m('latency_ms', 'network', 'ms', 'gauge', 'round-trip latency', 0),
  m('jitter_ms', 'network', 'ms', 'gauge', 'interarrival jitter', 0),
]

export const METRIC_INFO: ReadonlyMap<string, MetricInfo> = new Map(KNOWN_METRICS.map((i) => [i.name, i]))
