import type { CameraStatus } from '../api/camtel.js'
import { STATUS_LABEL } from '../api/status.js'

/** A status colour dot; the label is for screen readers and tooltips, colour is never alone. */
export function StatusDot({ status }: { status: CameraStatus }) {
  return <span class={`dot dot-${status}`} role="img" aria-label={STATUS_LABEL[status]} title={STATUS_LABEL[status]} />
}

export function StatusBadge({ status }: { status: CameraStatus }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  )
}
