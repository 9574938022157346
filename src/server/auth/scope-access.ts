import { type Scope, scopeSites } from '../../alerts/rules.js'
import type { Fleet } from '../../fleet/fleet.js'
import { forbidden } from '../errors.js'
import { type Principal, canSeeSite } from './roles.js'

/** Who may see and who may write a scoped thing: rules, silences, retention policies. */
export interface ScopeAccess {
  /** Visible to a caller whose sites the scope touches (or any caller without a site limit). */
  visible(p: Principal, scope: Scope): boolean
  /** DESIGN §10: a site-limited operator may not make a rule, silence or policy of wider scope than its sites (403). */
  assertWithinSites(p: Principal, scope: Scope): void
}

export function scopeAccess(fleet: Fleet): ScopeAccess {
  const siteOf = (cameraId: string) => fleet.camera(cameraId)?.camera.siteId
  return {
    visible(p, scope) {
      if (p.sites === null) return true
      const sites = scopeSites(scope, siteOf)
      return sites === null ? true : sites.some((s) => canSeeSite(p, s))
    },
    assertWithinSites(p, scope) {
      if (p.sites === null) return
      const sites = scopeSites(scope, siteOf)
      if (sites === null || sites.length === 0 || !sites.every((s) => canSeeSite(p, s))) {
        throw forbidden(`this token is limited to sites ${p.sites.join(', ')}; the scope must name one of them (site or camera)`)
      }
    },
  }
}
