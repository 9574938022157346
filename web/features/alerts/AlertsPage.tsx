import './alerts.css'
import { useMemo, useState } from 'preact/hooks'
import type { Rule } from '../../api/camtel.js'
import { useAlerts } from '../../api/use-alerts.js'
import { useCameras } from '../../api/use-cameras.js'
import { useRequest } from '../../api/use-request.js'
import { useSites } from '../../api/use-sites.js'
import { useWorkOrders } from '../../api/use-work-orders.js'
import { Panel } from '../../ui/Panel.js'
import { Segmented } from '../../ui/Segmented.js'
import { type AlertFilter, type AlertTab, DEFAULT_ALERT_FILTER, filterAlerts, inTab, sortForTab } from './alert-filter.js'
import { AlertFilterBar } from './AlertFilterBar.js'
import { AlertTable } from './AlertTable.js'
import { SilencesPanel } from './SilencesPanel.js'
import { useAlertActions } from './use-alert-actions.js'

const EMPTY: Record<AlertTab, string> = {
  firing: 'Nothing is firing.',
  acknowledged: 'No acknowledged alert is open.',
  resolved: 'No resolved alert among the recent ones.',
  all: 'No alert.',
}

/** Alerts by state with filters; acknowledge, silence; maintenance windows beside them. */
export function AlertsPage() {
  const alerts = useAlerts()
  const { cameras } = useCameras()
  const sites = useSites()
  const workOrders = useWorkOrders()
  const [filter, setFilter] = useState<AlertFilter>(DEFAULT_ALERT_FILTER)
  const [silenced, setSilenced] = useState(0)
  const actions = useAlertActions(() => setSilenced((n) => n + 1))
  const rules = useRequest((c) => c.rules(), [])
  const ruleMap = useMemo(() => new Map<string, Rule>((rules.data ?? []).map((r) => [r.id, r])), [rules.data])
  const passing = useMemo(() => filterAlerts(alerts, filter, { cameras, sites }), [alerts, filter, cameras, sites])
  const count = (tab: AlertTab) => passing.filter((a) => inTab(a, tab)).length
  const shown = useMemo(() => sortForTab(passing.filter((a) => inTab(a, filter.tab)), filter.tab), [passing, filter.tab])
  return (
    <div class="page alerts-page">
      <div class="alerts-main">
        <Panel
          title="Alerts"
          fill
          actions={
            <Segmented<AlertTab>
              label="Alert state"
              value={filter.tab}
              onChange={(tab) => setFilter({ ...filter, tab })}
              options={[
                { value: 'firing', label: 'Firing', count: count('firing') },
                { value: 'acknowledged', label: 'Acknowledged', count: count('acknowledged') },
                { value: 'resolved', label: 'Resolved', count: count('resolved') },
                { value: 'all', label: 'All' },
              ]}
            />
          }
        >
          <AlertFilterBar filter={filter} onFilter={setFilter} />
          <AlertTable
            alerts={shown}
            rules={ruleMap}
            cameras={cameras}
            sites={sites}
            workOrders={workOrders.byAlert}
            onAck={actions.ack}
            onSilence={actions.silence && ((a) => actions.silence?.({ kind: 'camera', id: a.cameraId }))}
            empty={EMPTY[filter.tab]}
          />
        </Panel>
      </div>
      <SilencesPanel refresh={silenced} />
      {actions.dialog}
    </div>
  )
}
