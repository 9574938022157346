import { StreamClient, type StreamClientOptions, type WebSocketImpl } from './stream.js'
import type {
  Alert,
  AlertQuery,
  BatchResult,
  CameraDetail,
  CameraFeatures,
  CameraList,
  CameraListItem,
  CameraQuery,
  FleetSummary,
  Gap,
  Health,
  Incident,
  Me,
  Prediction,
  PredictionQuery,
  Report,
  Rule,
  Series,
  SeriesQuery,
  Session,
  Silence,
  SilenceInput,
  Site,
} from './types.js'
import type { CapacityReport, RetentionPolicy, RetentionPolicyInput } from './capacity.js'
import type { WorkOrder, WorkOrderQuery, WorkOrderStatusInput } from './workorders.js'
import type { HealthContext } from '../protocol/health-context.js'

export interface CamtelClientOptions {
  /** The server, e.g. `https://camtel.example.com`; in the dashboard, its own origin. */
  baseUrl: string
  /** A bearer token; without one, the browser's session cookie is used. */
  token?: string
  fetch?: typeof fetch
  /** For the stream: a WebSocket implementation (default: the global one, or `ws` in Node). */
  WebSocket?: WebSocketImpl
}

/** An error answer of the API: `{"error": {"code", "message"}}` with its HTTP status. */
export class CamtelApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'CamtelApiError'
  }
}

/** camtel's REST API and live stream, typed. Works in Node 20 and in browsers. */
export class CamtelClient {
  private readonly base: string
  private readonly fetchFn: typeof fetch

  constructor(private readonly o: CamtelClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '')
    // Bound, so that a browser's fetch is not called with the client as `this`.
    this.fetchFn = o.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** One page of cameras; pass `next` back as `cursor` for the following one. */
  cameras(query: CameraQuery = {}): Promise<CameraList> {
    return this.get(`/api/v1/cameras${queryString({ ...query })}`)
  }

  /** Every camera matching the query, page after page. */
  async *allCameras(query: Omit<CameraQuery, 'cursor'> = {}): AsyncGenerator<CameraListItem> {
    let cursor: string | undefined
    do {
      const page = await this.cameras({ ...query, cursor })
      yield* page.cameras
      cursor = page.next
    } while (cursor !== undefined)
  }

  camera(id: string): Promise<CameraDetail> {
    return this.get(`/api/v1/cameras/${encodeURIComponent(id)}`)
  }

  /** Every camera as a GeoJSON Point (its own position, else its site's; null geometry without either). */
  camerasGeoJson(): Promise<CameraFeatures> {
    return this.get('/api/v1/cameras.geojson')
  }

  summary(): Promise<FleetSummary> {
    return this.get('/api/v1/fleet/summary')
  }

  series(cameraId: string, query: SeriesQuery): Promise<Series> {
    const q = { metric: query.metric, from: timeParam(query.from), to: timeParam(query.to), step: query.step }
    return this.get(`/api/v1/cameras/${encodeURIComponent(cameraId)}/series${queryString(q)}`)
  }

  async sites(): Promise<Site[]> {
    return (await this.get<{ sites: Site[] }>('/api/v1/sites')).sites
  }

  site(id: string): Promise<Site> {
    return this.get(`/api/v1/sites/${encodeURIComponent(id)}`)
  }

  /** Sends reports; the answer comes once the batch is durable (DESIGN §2). */
  sendTelemetry(reports: Report[]): Promise<BatchResult> {
    return this.request('/api/v1/telemetry', { method: 'POST', body: JSON.stringify({ reports }), headers: { 'content-type': 'application/json' } })
  }

  /** Opens the live stream (DESIGN §6); see StreamClient. */
  stream(options: Omit<StreamClientOptions, 'url'> = {}): StreamClient {
    const url = new URL(`${this.base}/api/v1/stream`, (globalThis as { location?: { href: string } }).location?.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    // Browsers cannot set headers on a WebSocket; the server accepts the token here only.
    if (this.o.token) url.searchParams.set('token', this.o.token)
    return new StreamClient({ WebSocket: this.o.WebSocket, ...options, url: url.toString() })
  }

  /** `GET /healthz`: needs no credentials; says whether authentication is on. */
  health(): Promise<Health> {
    return this.get('/healthz')
  }

  /** Starts a session: the browser keeps its HttpOnly cookie and sends it from then on. */
  login(username: string, password: string): Promise<Session> {
    return this.send('POST', '/api/v1/login', { username, password })
  }

  async logout(): Promise<void> {
    await this.request('/api/v1/logout', { method: 'POST' })
  }

  me(): Promise<Me> {
    return this.get('/api/v1/me')
  }

  /** Alerts, newest first (DESIGN §5). */
  async alerts(query: AlertQuery = {}): Promise<Alert[]> {
    return (await this.get<{ alerts: Alert[] }>(`/api/v1/alerts${queryString({ ...query })}`)).alerts
  }

  acknowledge(alertId: number | string, note?: string): Promise<Alert> {
    return this.send('POST', `/api/v1/alerts/${encodeURIComponent(String(alertId))}/ack`, note === undefined ? {} : { note })
  }

  async incidents(): Promise<Incident[]> {
    return (await this.get<{ incidents: Incident[] }>('/api/v1/incidents')).incidents
  }

  async silences(): Promise<Silence[]> {
    return (await this.get<{ silences: Silence[] }>('/api/v1/silences')).silences
  }

  /** Mutes notifications for a maintenance window; alerts are still recorded, `silenced`. */
  createSilence(silence: SilenceInput): Promise<Silence> {
    return this.send('POST', '/api/v1/silences', { ...silence, from: timeBody(silence.from), to: timeBody(silence.to) })
  }

  async endSilence(id: number | string): Promise<void> {
    await this.request(`/api/v1/silences/${encodeURIComponent(String(id))}`, { method: 'DELETE' })
  }

  async rules(): Promise<Rule[]> {
    return (await this.get<{ rules: Rule[] }>('/api/v1/rules')).rules
  }

  /** Creates or replaces a rule. */
  putRule(rule: Rule): Promise<Rule> {
    return this.send('PUT', `/api/v1/rules/${encodeURIComponent(rule.id)}`, rule)
  }

  /** The camera's condition at `at` (default now) with a 0–1 confidence, for recognition systems (DESIGN §7). */
  healthContext(cameraId: string, at?: Date | number | string): Promise<HealthContext> {
    return this.get(`/api/v1/cameras/${encodeURIComponent(cameraId)}/health-context${queryString({ at: timeParam(at) })}`)
  }

  /** Gaps of a camera that overlap [from, to], oldest first. */
  async gaps(cameraId: string, query: { from?: Date | number | string; to?: Date | number | string; limit?: number } = {}): Promise<Gap[]> {
    const q = { from: timeParam(query.from), to: timeParam(query.to), limit: query.limit }
    return (await this.get<{ gaps: Gap[] }>(`/api/v1/cameras/${encodeURIComponent(cameraId)}/gaps${queryString(q)}`)).gaps
  }

  /** Failure predictions, highest risk first (DESIGN §7); 403 `plan_feature` where the plan lacks them. */
  async predictions(query: PredictionQuery = {}): Promise<Prediction[]> {
    return (await this.get<{ predictions: Prediction[] }>(`/api/v1/predictions${queryString({ ...query })}`)).predictions
  }

  /** Storage and network capacity (DESIGN §7): disk, retention, cloud and uplink projections. */
  capacity(query: { site?: string } = {}): Promise<CapacityReport> {
    return this.get<CapacityReport>(`/api/v1/capacity${queryString({ ...query })}`)
  }

  async retentionPolicies(): Promise<RetentionPolicy[]> {
    return (await this.get<{ policies: RetentionPolicy[] }>('/api/v1/retention-policies')).policies
  }

  putRetentionPolicy(id: string, policy: RetentionPolicyInput): Promise<RetentionPolicy> {
    return this.send<RetentionPolicy>('PUT', `/api/v1/retention-policies/${encodeURIComponent(id)}`, policy)
  }

  /** Maintenance tickets, newest first (DESIGN §7); without `context`. */
  async workOrders(query: WorkOrderQuery = {}): Promise<WorkOrder[]> {
    const q = { ...query, active: query.active === undefined ? undefined : String(query.active) }
    return (await this.get<{ workOrders: WorkOrder[] }>(`/api/v1/workorders${queryString(q)}`)).workOrders
  }

  /** One ticket, with the diagnostic context it was sent with. */
  workOrder(id: string): Promise<WorkOrder> {
    return this.get(`/api/v1/workorders/${encodeURIComponent(id)}`)
  }

  /** Progress of a ticket, as the work-order system reports it (an operator token). */
  reportWorkOrderStatus(id: string, status: WorkOrderStatusInput): Promise<WorkOrder> {
    return this.send('POST', `/api/v1/workorders/${encodeURIComponent(id)}/status`, status)
  }

  private send<T>(method: string, path: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  }

  private get<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'GET' })
  }

  private async request<T>(path: string, init: RequestInit): Promise<T> {
    const headers = new Headers(init.headers)
    headers.set('accept', 'application/json')
    if (this.o.token) headers.set('authorization', `Bearer ${this.o.token}`)
    const res = await this.fetchFn(`${this.base}${path}`, { ...init, headers })
    const text = await res.text()
    let body: unknown
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new CamtelApiError(res.status, 'invalid_response', `the server answered ${res.status} with a body that is not JSON`)
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
      throw new CamtelApiError(res.status, typeof err?.code === 'string' ? err.code : 'http_error', typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`)
    }
    return body as T
  }
}

/** In a JSON body the server takes epoch milliseconds as numbers, and RFC 3339 strings. */
function timeBody(t: Date | number | string): number | string {
  return t instanceof Date ? t.toISOString() : t
}

function timeParam(t: Date | number | string | undefined): string | undefined {
  if (t === undefined) return undefined
  return t instanceof Date ? t.toISOString() : String(t)
}

function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}
