import type { FailureMode } from '../../protocol/predictions.js'
import type { Detector } from './context.js'
import { imageDegradation, networkDegradation } from './network-image.js'
import { rebootLoop } from './reboot.js'
import { diskFailure, diskFull } from './storage.js'
import { overheating, powerInstability } from './thermal-power.js'

export { type Assessment, type Detector, DetectorContext } from './context.js'
export { CARD_EOL_PCT, DISK_FULL_PCT } from './storage.js'
export { BROWNOUT_V, SHUTDOWN_C } from './thermal-power.js'
export { UNUSABLE_LOSS_PCT, UNUSABLE_QUALITY } from './network-image.js'
export { LOOP_INTERVAL_MS, OUT_OF_MEMORY_PCT } from './reboot.js'

/** One detector per failure mode. */
export const DETECTORS: Readonly<Record<FailureMode, Detector>> = {
  overheating,
  disk_failure: diskFailure,
  disk_full: diskFull,
  power_instability: powerInstability,
  network_degradation: networkDegradation,
  image_degradation: imageDegradation,
  reboot_loop: rebootLoop,
}

/** Names of each detector's features, in order: what the calibration fits and the docs explain. */
export const FEATURES: Readonly<Record<FailureMode, readonly string[]>> = {
  overheating: ['log_days_to_shutdown', 'fan_failed_recently'],
  disk_failure: ['log_days_to_end_of_life', 'log10_write_errors_per_day'],
  disk_full: ['log_days_to_full'],
  power_instability: ['log_days_to_brownout', 'low_voltage_reboots_7d'],
  network_degradation: ['log_days_to_unusable', 'loss_excess_decades'],
  image_degradation: ['log_days_to_unusable', 'deficit_div10'],
  reboot_loop: ['log_days_to_loop', 'own_reboots_7d_div5', 'log_days_to_out_of_memory', 'memory_drop_div10'],
}
