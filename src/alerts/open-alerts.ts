import type { AlertRecord } from './model.js'

/**
 * The open alerts of one timeline (live or backlog): at most one per (rule, camera). Looked up by
 * camera then rule, so the hot path builds no key strings and a camera's status asks only about
 * its own alerts; iterated in the order they opened.
 */
export class OpenAlerts {
  private readonly byCamera = new Map<string, Map<string, AlertRecord>>()
  private readonly all = new Map<number, AlertRecord>()

  get size(): number {
    return this.all.size
  }

  get(ruleId: string, cameraId: string): AlertRecord | undefined {
    return this.byCamera.get(cameraId)?.get(ruleId)
  }

  has(ruleId: string, cameraId: string): boolean {
    return this.get(ruleId, cameraId) !== undefined
  }

  /** Adds an alert, replacing the one of its (rule, camera) if there was one. */
  set(alert: AlertRecord): void {
    let rules = this.byCamera.get(alert.cameraId)
    if (!rules) this.byCamera.set(alert.cameraId, (rules = new Map()))
    const previous = rules.get(alert.ruleId)
    if (previous) this.all.delete(previous.id)
    rules.set(alert.ruleId, alert)
    this.all.set(alert.id, alert)
  }

  /** Removes and returns the alert of (rule, camera), if one is open. */
  take(ruleId: string, cameraId: string): AlertRecord | undefined {
    const rules = this.byCamera.get(cameraId)
    const alert = rules?.get(ruleId)
    if (!rules || !alert) return undefined
    rules.delete(ruleId)
    if (rules.size === 0) this.byCamera.delete(cameraId)
    this.all.delete(alert.id)
    return alert
  }

  byId(id: number): AlertRecord | undefined {
    return this.all.get(id)
  }

  /** A camera's open alerts, by rule id; undefined when it has none. */
  ofCamera(cameraId: string): ReadonlyMap<string, AlertRecord> | undefined {
    return this.byCamera.get(cameraId)
  }

  values(): IterableIterator<AlertRecord> {
    return this.all.values()
  }
}
