export type GroupId = 'video' | 'power' | 'storage' | 'environment' | 'network'

export interface ChartSpec {
  title: string
  /** Plotted together: they share a unit. */
  metrics: readonly string[]
}

export interface GroupSpec {
  id: GroupId
  label: string
  charts: readonly ChartSpec[]
}

/** The trend charts of the drill-down, by the metric groups of DESIGN §2 (booleans show as latest values). */
export const CHART_GROUPS: readonly GroupSpec[] = [
  {
    id: 'video',
    label: 'Video',
    charts: [
      { title: 'Frame rate', metrics: ['fps', 'fps_target'] },
      { title: 'Bitrate', metrics: ['bitrate_kbps'] },
      { title: 'Image quality and focus', metrics: ['image_quality', 'focus_score'] },
      { title: 'Dropped frames', metrics: ['dropped_frames'] },
    ],
  },
  {
    id: 'power',
    label: 'Thermal & power',
    charts: [
      { title: 'Housing temperature', metrics: ['temperature_c'] },
      { title: 'Power draw', metrics: ['power_w'] },
      { title: 'Supply voltage', metrics: ['voltage_v'] },
    ],
  },
  {
    id: 'storage',
    label: 'Storage',
    charts: [
      { title: 'Disk used and health', metrics: ['disk_used_pct', 'disk_health_pct'] },
      { title: 'Video held on the device', metrics: ['retention_days'] },
      { title: 'Disk write errors', metrics: ['disk_write_errors'] },
      { title: 'Cloud storage', metrics: ['cloud_used_gb'] },
    ],
  },
  {
    id: 'environment',
    label: 'Environment',
    charts: [
      { title: 'Ambient temperature', metrics: ['env_temperature_c'] },
      { title: 'Humidity', metrics: ['humidity_pct'] },
      { title: 'Supply quality', metrics: ['power_quality_pct'] },
      { title: 'Vibration', metrics: ['vibration_g'] },
    ],
  },
  {
    id: 'network',
    label: 'Network',
    charts: [
      { title: 'Bandwidth', metrics: ['bandwidth_mbps'] },
      { title: 'Packet loss', metrics: ['packet_loss_pct'] },
      { title: 'Latency and jitter', metrics: ['latency_ms', 'jitter_ms'] },
    ],
  },
]

/** The charts of a group that a camera has data for (judged by its latest metrics). */
export function chartsFor(group: GroupSpec, reported: ReadonlySet<string>): ChartSpec[] {
  return group.charts.map((c) => ({ ...c, metrics: c.metrics.filter((m) => reported.has(m)) })).filter((c) => c.metrics.length > 0)
}
