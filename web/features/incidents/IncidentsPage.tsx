import { useState } from 'preact/hooks'
import { useIncidents } from '../../api/use-incidents.js'
import { Panel } from '../../ui/Panel.js'
import { Segmented } from '../../ui/Segmented.js'
import { IncidentList } from './IncidentList.js'

type Tab = 'open' | 'resolved'

export function IncidentsPage() {
  const incidents = useIncidents()
  const [tab, setTab] = useState<Tab>('open')
  const open = incidents.filter((i) => i.state !== 'resolved')
  const resolved = incidents.filter((i) => i.state === 'resolved')
  return (
    <div class="page incidents-page">
      <Panel
        title="Incidents"
        fill
        actions={
          <Segmented<Tab>
            label="Incident state"
            value={tab}
            onChange={setTab}
            options={[
              { value: 'open', label: 'Open', count: open.length },
              { value: 'resolved', label: 'Resolved', count: resolved.length },
            ]}
          />
        }
      >
        <p class="hint muted">
          An incident groups the alerts of at least 5 cameras, or 30 % of a site's, on one rule within 5 minutes: one site, switch or uplink in trouble rather
          than many cameras. Open one to see its cameras.
        </p>
        <IncidentList incidents={tab === 'open' ? open : resolved} empty={tab === 'open' ? 'No incident is open.' : 'No incident resolved recently.'} />
      </Panel>
    </div>
  )
}
