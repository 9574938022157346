/**
 * Storage and capacity planning (DESIGN §7): disk, cloud and uplink projections, camtel's own
 * database, retention policies with the built-in `retention_policy` rule, and purge requests.
 */
import { join } from 'node:path'
import { DEFAULT_RULES } from '../alerts/default-rules.js'
import type { AlertEngine } from '../alerts/engine.js'
import { RETENTION_RULE_ID } from '../alerts/rules.js'
import { type Config, ConfigError } from '../config/index.js'
import type { Clock } from '../core/clock.js'
import type { Fleet } from '../fleet/fleet.js'
import type { RetentionPolicyStore, Store } from '../store/ports.js'
import type { EventSink } from '../stream/events.js'
import { DatabaseGauge } from './database.js'
import { CapacityPlanner } from './planner.js'
import { PolicyBook } from './policies.js'
import { PurgeNotifier, PurgeRequests } from './purge.js'
import { RetentionChecker } from './retention-checker.js'

export { CapacityPlanner } from './planner.js'
export type { CapacityReport, CameraCapacity, SiteCapacity, DatabaseCapacity } from '../protocol/capacity.js'
export { DatabaseGauge } from './database.js'
export { PolicyBook, type PolicyInput, applicablePolicy, outsidePolicy, policyProblems, policyView } from './policies.js'
export { PURGE_CHANNEL, PurgeNotifier, PurgeRequests } from './purge.js'
export { RETENTION_HYSTERESIS_DAYS, RetentionChecker } from './retention-checker.js'
export { DISK_FULL_PCT, projectDisk, projectUplink } from './trend.js'

/**
 * New installations get the rule `retention_policy` with the other defaults; a data folder made
 * before it existed gets it once here. Deleted by an operator afterwards, it stays deleted.
 */
async function installRetentionRule(store: RetentionPolicyStore, alerts: AlertEngine): Promise<void> {
  if (await store.ruleInstalled()) return
  const rule = DEFAULT_RULES.find((r) => r.id === RETENTION_RULE_ID)
  if (rule && alerts.rule(RETENTION_RULE_ID) === undefined) await alerts.putRule(rule)
  await store.markRuleInstalled()
}

/** The purge notifier for the outbox dispatcher, or undefined when CAMTEL_PURGE_URL is unset. */
export function createPurgeNotifier(config: Pick<Config, 'purgeUrl' | 'purgeSecret'>, store: Pick<Store, 'audit'>, clock: Clock): PurgeNotifier | undefined {
  if (config.purgeUrl === undefined) return undefined
  // A purge deletes footage: the receiver must be able to tell it came from camtel.
  if (config.purgeSecret === undefined) throw new ConfigError('CAMTEL_PURGE_SECRET', 'is required when CAMTEL_PURGE_URL is set: purge requests are always signed')
  return new PurgeNotifier({ url: config.purgeUrl, secret: config.purgeSecret, audit: store.audit, clock })
}

export interface CapacityOptions {
  store: Store
  fleet: Fleet
  alerts: AlertEngine
  events: EventSink
  clock: Clock
  /** Folds pending reports into the rollups (the history roller). */
  flushRollups: () => Promise<void>
  config: Pick<Config, 'data' | 'lateAfter' | 'retentionRaw' | 'retention1m' | 'retention1h'>
  /** Whether purge requests are sent (createPurgeNotifier gave a notifier). */
  purge: boolean
}

export interface Capacity {
  readonly policies: PolicyBook
  readonly planner: CapacityPlanner
  readonly checker: RetentionChecker
  readonly database: DatabaseGauge
  start(): void
  stop(): Promise<void>
}

export async function createCapacity(o: CapacityOptions): Promise<Capacity> {
  const policies = new PolicyBook({ store: o.store.retentionPolicies, clock: o.clock })
  await policies.load()
  await installRetentionRule(o.store.retentionPolicies, o.alerts)
  const database = new DatabaseGauge({
    sizeBytes: () => o.store.sizeBytes(),
    dataDir: o.config.data,
    clock: o.clock,
    retention: { raw: o.config.retentionRaw, '1m': o.config.retention1m, '1h': o.config.retention1h },
    stateFile: o.config.data === ':memory:' ? undefined : join(o.config.data, 'capacity-samples.json'),
  })
  const planner = new CapacityPlanner({ fleet: o.fleet, history: o.store.history, flushRollups: o.flushRollups, policies, database, clock: o.clock })
  const checker = new RetentionChecker({
    engine: o.alerts,
    fleet: o.fleet,
    policies,
    purge: o.purge ? new PurgeRequests({ outbox: o.store.outbox, clock: o.clock }) : undefined,
    events: o.events,
    lateAfter: o.config.lateAfter,
  })
  return {
    policies,
    planner,
    checker,
    database,
    start() {
      void database.start()
      planner.start()
    },
    async stop() {
      database.stop()
      await planner.stop()
    },
  }
}
