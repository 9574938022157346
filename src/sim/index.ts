/**
 * Fleet simulator: a deterministic demo fleet (sites, cameras), per-camera models producing
 * every known metric of DESIGN §2 with noise, diurnal cycles and random faults, failure
 * injection, failure scenarios with ground truth (`failures/`), and a sender that registers the
 * fleet and streams or backfills telemetry.
 */
export { createFleet, type Fleet, type FleetOptions, type SimCamera, type SimSite } from './fleet.js'
export type { SiteClimate, SiteKind } from './catalog.js'
export { CameraModel, createModels, sampleFleetAt, type Sample, type SimSample } from './camera-model.js'
export { SiteEnvironment, type SiteConditions } from './environment.js'
export { FAULT_KINDS, type Fault, type FaultKind } from './faults.js'
export {
  MAX_BATCH,
  backfill,
  runSimulator,
  type BackfillOptions,
  type BackfillResult,
  type CameraFault,
  type SimulatorOptions,
} from './sender.js'
export type { RetryPolicy, SimLogger } from './uploader.js'
export { mulberry32 } from './random.js'
export {
  type Confounder,
  type ConfounderKind,
  type Degradation,
  type Scenario,
  type ScenarioOptions,
  planScenario,
} from './failures/plan.js'
export { FailingCamera, createFailingFleet } from './failures/failing-camera.js'
export { type GroundTruth, type TruthFailure, groundTruth, truthFromJson, truthToJson } from './failures/truth.js'
