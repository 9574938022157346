import { useEffect, useMemo, useState } from 'preact/hooks'
import type { CamtelClient, Health, Me } from '../api/camtel.js'
import { CamtelApiError } from '../api/camtel.js'
import { LiveStore } from '../api/live-store.js'
import { ClientContext, StoreContext } from '../api/store-context.js'
import { ToastProvider } from '../ui/toasts.js'
import { LoginPage } from './LoginPage.js'
import { Shell } from './Shell.js'
import { SessionContext, type SessionInfo } from './session.js'

/** Topics the console shows; work orders get a view when their API lands. */
const TOPICS = ['status', 'telemetry', 'alert', 'incident', 'prediction', 'workorder'] as const

/**
 * Remembers that this browser has a session, so that a fresh visit goes straight to the login
 * form rather than asking /me first and drawing a 401 for nothing. The session itself is the
 * HttpOnly cookie; this is only a hint.
 */
const SESSION_HINT = 'camtel.session'

const SESSION_PROBE_MS = 15_000

type Boot = { step: 'starting' } | { step: 'unreachable'; error: string } | { step: 'login'; health: Health; reason?: string } | { step: 'in'; health: Health; me: Me }

export function App({ client }: { client: CamtelClient }) {
  const [boot, setBoot] = useState<Boot>({ step: 'starting' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let current = true
    void start(client).then((b) => current && setBoot(b))
    return () => {
      current = false
    }
  }, [client, attempt])

  // camtel unreachable at load: keep trying, the page comes up with the server.
  useEffect(() => {
    if (boot.step !== 'unreachable') return
    const timer = setTimeout(() => setAttempt((n) => n + 1), 3000)
    return () => clearTimeout(timer)
  }, [boot])

  if (boot.step === 'starting') return <div class="boot">Connecting to camtel…</div>
  if (boot.step === 'unreachable') return <div class="boot">camtel cannot be reached ({boot.error}); retrying…</div>
  if (boot.step === 'login') {
    return (
      <LoginPage
        client={client}
        reason={boot.reason}
        onLogin={(me) => {
          localStorage.setItem(SESSION_HINT, '1')
          setBoot({ step: 'in', health: boot.health, me })
        }}
      />
    )
  }
  return (
    <SignedInConsole
      client={client}
      health={boot.health}
      me={boot.me}
      onSignedOut={(reason) => {
        localStorage.removeItem(SESSION_HINT)
        setBoot({ step: 'login', health: boot.health, reason })
      }}
    />
  )
}

async function start(client: CamtelClient): Promise<Boot> {
  let health: Health
  try {
    health = await client.health()
  } catch (err) {
    return { step: 'unreachable', error: (err as Error).message }
  }
  if (health.auth === 'on' && localStorage.getItem(SESSION_HINT) === null) return { step: 'login', health }
  try {
    return { step: 'in', health, me: await client.me() }
  } catch (err) {
    if (err instanceof CamtelApiError && err.status === 401) {
      localStorage.removeItem(SESSION_HINT)
      return { step: 'login', health, reason: 'Your session has ended; sign in again.' }
    }
    return { step: 'unreachable', error: (err as Error).message }
  }
}

interface SignedInConsoleProps {
  client: CamtelClient
  health: Health
  me: Me
  onSignedOut: (reason?: string) => void
}

/** The signed-in console: one live store (one WebSocket) for as long as the session lasts. */
function SignedInConsole({ client, health, me, onSignedOut }: SignedInConsoleProps) {
  const store = useMemo(() => new LiveStore({ source: client, openStream: () => client.stream({ topics: [...TOPICS] }) }), [client])
  useEffect(() => {
    store.start()
    const ended = () => onSignedOut('Your session has ended; sign in again.')
    const off = store.subscribe('connection', () => {
      if (store.connection().unauthorized) ended()
    })
    // A browser is not told why a WebSocket upgrade failed: while reconnecting, ask whether the
    // session itself has ended (a 401), rather than retry for ever with a dead cookie.
    const probe = setInterval(() => {
      if (health.auth !== 'on' || store.connection().stream !== 'reconnecting') return
      client.me().catch((err: unknown) => {
        if (err instanceof CamtelApiError && err.status === 401) ended()
      })
    }, SESSION_PROBE_MS)
    return () => {
      clearInterval(probe)
      off()
      store.stop()
    }
  }, [store])
  const session: SessionInfo = useMemo(
    () => ({
      auth: health.auth,
      me,
      logout: () => void client.logout().finally(() => onSignedOut()),
    }),
    [health, me, client],
  )
  return (
    <ClientContext.Provider value={client}>
      <StoreContext.Provider value={store}>
        <SessionContext.Provider value={session}>
          <ToastProvider>
            <Shell />
          </ToastProvider>
        </SessionContext.Provider>
      </StoreContext.Provider>
    </ClientContext.Provider>
  )
}
