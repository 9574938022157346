import type { Intake } from '../intake.js'

/**
 * Something that produces reports near the cameras: a receiver (HTTP, MQTT), a poller or the
 * simulator. A source hands every report to the intake and acknowledges its sender, where it has
 * one, only after `accept` returned: the report is durable then.
 */
export interface Source {
  /** For logs: `http`, `mqtt`, `sim`. */
  readonly name: string
  start(intake: Intake): Promise<void>
  /** Stops taking reports; what was accepted stays in the buffer. */
  stop(): Promise<void>
}
