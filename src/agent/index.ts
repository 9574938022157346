/**
 * Edge agent (DESIGN §9a): receives or simulates reports near the cameras, buffers each on disk
 * before anything else, and uploads them to the server without loss or duplicates, live reports
 * first and an outage's backlog behind them.
 */
export { type AgentOptions, type RunningAgent, startAgent } from './agent.js'
export { type Batch, type BufferStats, type Lane, ReportBuffer, type Verdict } from './buffer.js'
export type { GapRecord } from './gap-ledger.js'
export { Intake } from './intake.js'
export { type RetryPolicy, TokenBucket, backoffDelay } from './pacing.js'
export { ServerClient, type UploadOutcome } from './server-client.js'
export type { Source } from './sources/source.js'
export { Uplink, type UplinkStats } from './uplink.js'
