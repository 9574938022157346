/**
 * `camtel/client`: a typed client for camtel's REST API and live stream, for Node 20 and browsers.
 *
 * ```ts
 * const camtel = new CamtelClient({ baseUrl: 'https://camtel.example.com', token })
 * const stream = camtel.stream({ topics: ['status', 'alert'] })
 * stream.on('reset', () => reloadFromRest())
 * stream.onTopic('status', (e) => setStatus(e.cameraId, e.data.status))
 * stream.on('state', (s) => showConnection(s))
 * ```
 */
export { CamtelApiError, CamtelClient, type CamtelClientOptions } from './rest.js'
export {
  StreamClient,
  type ConnectionState,
  type StreamClientEvents,
  type StreamClientOptions,
  type StreamError,
  type StreamFilter,
  type WebSocketImpl,
  type WebSocketLike,
} from './stream.js'
export type * from './types.js'
export type * from './capacity.js'
export type * from './workorders.js'
export type { HealthContext, HealthFactor } from '../protocol/health-context.js'
export type {
  AlertData,
  EventMessage,
  IncidentData,
  PredictionData,
  ServerMessage,
  StatusData,
  StreamTopic,
  TelemetryData,
  TopicData,
  WorkorderData,
} from '../protocol/stream.js'
