import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Me } from '../api/camtel.js'

export interface SessionInfo {
  /** Whether the server asks for credentials (`GET /healthz` answers `auth`). */
  auth: 'on' | 'off'
  me: Me
  logout: () => void
}

export const SessionContext = createContext<SessionInfo | null>(null)

export function useSession(): SessionInfo {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside of a SessionContext provider')
  return s
}

/** Operators and admins acknowledge and silence (DESIGN §10); viewers only read. */
export function useCanOperate(): boolean {
  const { me } = useSession()
  return me.role === 'admin' || me.role === 'operator'
}
