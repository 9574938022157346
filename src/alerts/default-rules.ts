import { OFFLINE_METRIC, OFFLINE_RULE_ID, RETENTION_METRIC, RETENTION_RULE_ID, type Rule } from './rules.js'

/**
 * The rules a new installation starts with; docs/alerts.md explains each value. They are
 * stored on first start and from then on are ordinary rules an operator may change or delete.
 */
export const DEFAULT_RULES: readonly Rule[] = [
  { id: OFFLINE_RULE_ID, metric: OFFLINE_METRIC, op: '==', value: 1, for: 0, severity: 'critical', scope: 'all', description: 'no report for the camera’s offline timeout' },
  { id: 'fps-stalled', metric: 'fps', op: '<', value: 5, clear: 8, for: 60, severity: 'critical', scope: 'all', description: 'video has all but stopped' },
  { id: 'recording-stopped', metric: 'recording', op: '==', value: 0, for: 60, severity: 'critical', scope: 'all', description: 'the camera is not recording: evidence is being lost' },
  { id: 'tamper', metric: 'tamper', op: '==', value: 1, for: 0, severity: 'critical', scope: 'all', description: 'tamper detected' },
  { id: 'power-fault', metric: 'power_ok', op: '==', value: 0, for: 30, severity: 'critical', scope: 'all', description: 'power supply fault' },
  { id: 'fan-fault', metric: 'fan_ok', op: '==', value: 0, for: 60, severity: 'warning', scope: 'all', description: 'fan failed: overheating will follow' },
  { id: 'temperature-high', metric: 'temperature_c', op: '>', value: 70, clear: 65, for: 300, severity: 'warning', scope: 'all', description: 'housing hotter than most cameras are rated for' },
  { id: 'temperature-critical', metric: 'temperature_c', op: '>', value: 80, clear: 75, for: 60, severity: 'critical', scope: 'all', description: 'housing at the point where cameras throttle and reboot' },
  { id: 'disk-full', metric: 'disk_used_pct', op: '>', value: 98, clear: 96, for: 600, severity: 'warning', scope: 'all', description: 'edge storage full beyond what loop recording holds' },
  { id: 'disk-worn', metric: 'disk_health_pct', op: '<', value: 20, clear: 25, for: 3600, severity: 'warning', scope: 'all', description: 'storage near the end of its endurance' },
  { id: 'disk-failing', metric: 'disk_health_pct', op: '<', value: 10, clear: 12, for: 600, severity: 'critical', scope: 'all', description: 'storage about to fail' },
  { id: 'packet-loss', metric: 'packet_loss_pct', op: '>', value: 2, clear: 1, for: 300, severity: 'warning', scope: 'all', description: 'lossy network: artefacts and gaps in video' },
  { id: 'packet-loss-critical', metric: 'packet_loss_pct', op: '>', value: 10, clear: 5, for: 120, severity: 'critical', scope: 'all', description: 'video unusable over this link' },
  { id: 'latency-high', metric: 'latency_ms', op: '>', value: 250, clear: 150, for: 300, severity: 'warning', scope: 'all', description: 'slow network path' },
  { id: 'image-poor', metric: 'image_quality', op: '<', value: 40, clear: 50, for: 900, severity: 'warning', scope: 'all', description: 'image quality poor (dirt, fog, failing IR)' },
  { id: 'focus-lost', metric: 'focus_score', op: '<', value: 40, clear: 50, for: 900, severity: 'warning', scope: 'all', description: 'out of focus or moved' },
  { id: 'voltage-low', metric: 'voltage_v', op: '<', value: 44, clear: 45, for: 60, severity: 'warning', scope: 'all', description: 'PoE supply below the 802.3af/at minimum' },
  { id: 'humidity-high', metric: 'humidity_pct', op: '>', value: 95, clear: 90, for: 1800, severity: 'warning', scope: 'all', description: 'condensation likely: fogging at dawn' },
  { id: 'clock-ahead', metric: 'clock_skew_s', op: '>', value: 5, clear: 2, for: 600, severity: 'warning', scope: 'all', description: 'device clock ahead: timestamps on evidence are off' },
  { id: 'clock-behind', metric: 'clock_skew_s', op: '<', value: -5, clear: -2, for: 600, severity: 'warning', scope: 'all', description: 'device clock behind: timestamps on evidence are off' },
  // Decided by src/capacity against each camera's retention policy, not by op/value (docs/capacity.md).
  { id: RETENTION_RULE_ID, metric: RETENTION_METRIC, op: '==', value: 1, for: 0, severity: 'warning', scope: 'all', description: 'video retention outside its retention policy (evidence at risk, or kept past what privacy rules allow)' },
]
