import type { AlertRecord, AlertStore, IncidentRecord } from '../alerts/model.js'
import type { Rule } from '../alerts/rules.js'
import { alertView, incidentView } from '../alerts/views.js'
import type { Clock } from '../core/clock.js'
import type { NewOutboxMessage, OutboxMessage, OutboxStore } from './model.js'

export interface NotificationsOptions {
  outbox: OutboxStore
  alerts: AlertStore
  clock: Clock
  /** Channels to notify; empty when no notifier is configured (then nothing is queued). */
  channels: readonly string[]
  /**
   * An alert's notification waits this long (ms) so that, if an incident forms around it, the
   * incident's one notification replaces the members' (DESIGN §5).
   */
  groupWaitMs: number
}

/**
 * What camtel tells the outside about alerts and incidents: the messages for the durable outbox,
 * which the alert engine stores in the same transaction as the alerts and incidents they tell
 * of (AlertStore.commit), so that none is sent about a change that was not stored.
 */
export class Notifications {
  constructor(private readonly o: NotificationsOptions) {}

  alertOpened(a: AlertRecord, rule: Rule): NewOutboxMessage[] {
    return this.messages(`alert-${a.id}-opened`, 'alert.opened', { alert: alertView(a), rule: { id: rule.id, metric: rule.metric, op: rule.op, value: rule.value, description: rule.description ?? null } }, this.o.groupWaitMs)
  }

  alertResolved(a: AlertRecord): NewOutboxMessage[] {
    return this.messages(`alert-${a.id}-resolved`, 'alert.resolved', { alert: alertView(a) }, this.o.groupWaitMs)
  }

  incidentOpened(i: IncidentRecord): NewOutboxMessage[] {
    return this.messages(`incident-${i.id}-opened`, 'incident.opened', { incident: incidentView(i) }, 0)
  }

  incidentResolved(i: IncidentRecord): NewOutboxMessage[] {
    return this.messages(`incident-${i.id}-resolved`, 'incident.resolved', { incident: incidentView(i) }, 0)
  }

  /** Why a queued message should not go out after all, checked just before sending. */
  async dropReason(m: OutboxMessage): Promise<string | undefined> {
    if (!m.kind.startsWith('alert.')) return undefined
    const id = (m.payload as { alert?: { id?: number } }).alert?.id
    const alert = id === undefined ? undefined : await this.o.alerts.getAlert(id)
    if (!alert) return undefined
    if (alert.incidentId !== null) return `part of incident ${alert.incidentId}, which is notified instead`
    if (alert.silenced) return 'silenced'
    // An alert that opened and resolved within the group wait tells nobody anything new.
    if (m.kind === 'alert.opened' && alert.state === 'resolved') return 'resolved before it was sent'
    if (m.kind === 'alert.resolved') {
      const opened = await this.o.outbox.get(m.id.replace(/-resolved$/, '-opened'))
      if (opened?.droppedAt != null) return 'its opening was never sent'
    }
    return undefined
  }

  /** One message per channel (none when no notifier is configured). */
  private messages(id: string, kind: string, payload: unknown, delayMs: number): NewOutboxMessage[] {
    if (this.o.channels.length === 0) return []
    const now = this.o.clock.now()
    return this.o.channels.map((channel) => ({ id: `${channel}-${id}`, channel, kind, payload, createdAt: now, dueAt: now + delayMs }))
  }
}
