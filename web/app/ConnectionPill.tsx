import { useConnection } from '../api/use-connection.js'
import { formatTime } from '../ui/format.js'

type Shown = 'live' | 'replaying' | 'syncing' | 'reconnecting' | 'connecting' | 'closed'

const LABEL: Record<Shown, string> = {
  live: 'Live',
  replaying: 'Replaying',
  syncing: 'Syncing',
  reconnecting: 'Reconnecting',
  connecting: 'Connecting',
  closed: 'Disconnected',
}

const HINT: Record<Shown, string> = {
  live: 'Every change is shown as it happens.',
  replaying: 'Connected; catching up on the changes missed while away.',
  syncing: 'Connected; the missed changes could not be replayed, so the fleet is being reloaded.',
  reconnecting: 'The connection to camtel dropped; retrying. What is shown may be out of date.',
  connecting: 'Connecting to camtel.',
  closed: 'Not connected.',
}

/** Always in view: whether what the console shows is live. */
export function ConnectionPill() {
  const c = useConnection()
  const shown: Shown = c.stream === 'live' ? (c.syncing ? 'syncing' : 'live') : c.stream
  return (
    <div class={`conn conn-${shown}`} data-state={shown} role="status" aria-live="polite" title={HINT[shown] + (c.error ? ` (${c.error})` : '')}>
      <span class="conn-dot" />
      <span class="conn-label">{LABEL[shown]}</span>
      {c.lostAt !== null && shown !== 'live' && <span class="conn-since tabular">data as of {formatTime(c.lostAt)}</span>}
    </div>
  )
}
