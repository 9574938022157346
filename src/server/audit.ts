import type { FastifyRequest } from 'fastify'
import type { Clock } from '../core/clock.js'
import type { AuditStore } from '../store/ports.js'

/** Records who changed what (DESIGN §10): every change made through the API calls this. */
export class Auditor {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
  ) {}

  async record(req: FastifyRequest, action: string, target: string, detail?: unknown): Promise<void> {
    const p = req.principal
    const actor = p ? `${p.kind}:${p.name}` : `anonymous@${req.ip}`
    await this.store.append({ at: this.clock.now(), actor, action, target, detail: detail ?? null })
  }
}
