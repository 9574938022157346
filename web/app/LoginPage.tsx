import { useState } from 'preact/hooks'
import type { CamtelClient, Me } from '../api/camtel.js'
import { CamtelApiError } from '../api/camtel.js'

interface Props {
  client: CamtelClient
  onLogin: (me: Me) => void
  /** Why the login is shown again (a session that expired), if it is. */
  reason?: string
}

/** Sign-in with an account (`POST /api/v1/login`); the session lives in an HttpOnly cookie. */
export function LoginPage({ client, onLogin, reason }: Props) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(reason)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      await client.login(username, password)
      onLogin(await client.me())
    } catch (err) {
      setBusy(false)
      if (err instanceof CamtelApiError && err.status === 401) setError('Wrong username or password.')
      else if (err instanceof CamtelApiError && err.status === 429) setError('Too many attempts from this address; wait a minute and try again.')
      else setError((err as Error).message)
    }
  }
  return (
    <main class="login">
      <form class="login-card form" onSubmit={submit}>
        <div class="brand big">camtel</div>
        <p class="muted">Sign in to the fleet console.</p>
        <label>
          Username
          <input name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
