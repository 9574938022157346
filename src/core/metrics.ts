import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface StreamStats {
  consoles: number
  queuedMessages: number
  maxQueuedMessages: number
  queuedBytes: number
}

/** What the storage tiers report at scrape time (see observeStorage). */
export interface StorageGaugeSource {
  backlog(): Promise<{ reports: number; oldestReceivedAt: number | undefined }>
  sizeBytes(): Promise<number | undefined>
  /** Server clock, epoch ms. */
  now(): number
}

/** camtel's own Prometheus metrics (GET /metrics). One registry per server instance. */
export class ServerMetrics {
  readonly registry = new Registry()
  private storage: StorageGaugeSource | undefined
  private collecting: Promise<void> | undefined
  readonly reportsAccepted = new Counter({
    name: 'camtel_reports_accepted_total',
    help: 'Reports stored',
    labelNames: ['source'] as const,
    registers: [this.registry],
  })
  readonly samplesAccepted = new Counter({
    name: 'camtel_samples_accepted_total',
    help: 'Metric samples stored',
    registers: [this.registry],
  })
  readonly reportsDuplicate = new Counter({
    name: 'camtel_reports_duplicate_total',
    help: 'Reports acknowledged as duplicates of stored ones',
    labelNames: ['source'] as const,
    registers: [this.registry],
  })
  readonly reportsRejected = new Counter({
    name: 'camtel_reports_rejected_total',
    help: 'Reports rejected, by reason',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  })
  readonly bodiesRejected = new Counter({
    name: 'camtel_ingest_bodies_rejected_total',
    help: 'Request bodies that could not be read as a batch',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  })
  readonly seqResets = new Counter({
    name: 'camtel_sequence_resets_total',
    help: "Reports whose (cameraId, seq) was used before with another ts: the sender's counter restarted",
    registers: [this.registry],
  })
  readonly storeWriteSeconds = new Histogram({
    name: 'camtel_store_write_seconds',
    help: 'Time to make one ingest batch durable',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })
  readonly cameras = new Gauge({
    name: 'camtel_cameras',
    help: 'Cameras by health status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  })
  readonly mqttMessages = new Counter({
    name: 'camtel_mqtt_messages_total',
    help: 'MQTT messages received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })

  readonly queueDepth = new Gauge({
    name: 'camtel_queue_depth',
    help: 'Work waiting or in progress, by queue (ingest: batches between parsing and their answer)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  })
  readonly rollupReports = new Counter({
    name: 'camtel_rollup_reports_total',
    help: 'Reports folded into the 1-minute and 1-hour rollups',
    registers: [this.registry],
  })
  readonly rollupStepSeconds = new Histogram({
    name: 'camtel_rollup_step_seconds',
    help: 'Time of one rollup step (one transaction folding pending reports in)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  })
  readonly rollupPending = new Gauge({
    name: 'camtel_rollup_pending_reports',
    help: 'Reports accepted and durable but not yet in the rollups',
    registers: [this.registry],
    collect: () => this.collectStorage(),
  })
  readonly rollupLag = new Gauge({
    name: 'camtel_rollup_lag_seconds',
    help: 'How long the oldest report not yet in the rollups has waited since it arrived (0 when none waits)',
    registers: [this.registry],
    collect: () => this.collectStorage(),
  })
  readonly retentionDeleted = new Counter({
    name: 'camtel_retention_deleted_rows_total',
    help: 'Rows deleted for being past their tier\'s retention (raw: reports; 1m, 1h: camera buckets)',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  })
  readonly databaseBytes = new Gauge({
    name: 'camtel_database_bytes',
    help: 'Size of the database on disk (SQLite: database, WAL and shared-memory files)',
    registers: [this.registry],
    collect: () => this.collectStorage(),
  })

  /** Lets the storage gauges read their values from the store when scraped. */
  observeStorage(source: StorageGaugeSource): void {
    this.storage = source
  }

  // prom-client collects every metric of a scrape at once: the three storage gauges share one read.
  private collectStorage(): Promise<void> {
    this.collecting ??= this.readStorage().finally(() => {
      this.collecting = undefined
    })
    return this.collecting
  }

  private async readStorage(): Promise<void> {
    const s = this.storage
    if (!s) return
    // A store that cannot answer (closing, broken) keeps the last values; /readyz reports it.
    const read = await Promise.all([s.backlog(), s.sizeBytes()]).catch(() => undefined)
    if (!read) return
    const [backlog, size] = read
    this.rollupPending.set(backlog.reports)
    this.rollupLag.set(backlog.oldestReceivedAt === undefined ? 0 : Math.max(0, (s.now() - backlog.oldestReceivedAt) / 1000))
    if (size !== undefined) this.databaseBytes.set(size)
  }

  /** Read at scrape time: the live stream's consoles and their unsent queues (set by the StreamHub). */
  streamStats: () => StreamStats = () => ({ consoles: 0, queuedMessages: 0, maxQueuedMessages: 0, queuedBytes: 0 })
  readonly streamConsoles: Gauge = new Gauge({
    name: 'camtel_stream_consoles',
    help: 'Open live-stream connections',
    registers: [this.registry],
    collect: () => this.streamConsoles.set(this.streamStats().consoles),
  })
  readonly streamQueuedMessages: Gauge = new Gauge({
    name: 'camtel_stream_queued_messages',
    help: 'Messages waiting to be sent, summed over all consoles',
    registers: [this.registry],
    collect: () => this.streamQueuedMessages.set(this.streamStats().queuedMessages),
  })
  readonly streamQueueMaxMessages: Gauge = new Gauge({
    name: 'camtel_stream_queue_max_messages',
    help: 'Messages waiting to be sent to the console with the longest queue',
    registers: [this.registry],
    collect: () => this.streamQueueMaxMessages.set(this.streamStats().maxQueuedMessages),
  })
  readonly streamQueuedBytes: Gauge = new Gauge({
    name: 'camtel_stream_queued_bytes',
    help: 'Bytes waiting to be sent (queues and socket buffers), summed over all consoles',
    registers: [this.registry],
    collect: () => this.streamQueuedBytes.set(this.streamStats().queuedBytes),
  })
  readonly streamCloses = new Counter({
    name: 'camtel_stream_closes_total',
    help: 'Live-stream connections closed, by reason (client, lagging, heartbeat, unauthorized, shutdown, error)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly streamMessages = new Counter({
    name: 'camtel_stream_messages_sent_total',
    help: 'Messages sent to consoles, by kind (live, replay, control)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })
  readonly streamFrames = new Counter({
    name: 'camtel_stream_frames_sent_total',
    help: 'WebSocket frames sent to consoles (several messages may share one frame)',
    registers: [this.registry],
  })
  readonly streamResets = new Counter({
    name: 'camtel_stream_resets_total',
    help: 'Subscriptions whose since was outside the replay window, answered with reset',
    registers: [this.registry],
  })
  /** Read at scrape time: the event log's replay window (set by the StreamHub); undefined when it cannot answer. */
  eventLogWindow: () => Promise<{ oldest: number; newest: number } | undefined> = async () => undefined
  readonly eventLogOldest: Gauge = new Gauge({
    name: 'camtel_event_log_oldest_id',
    help: 'Lowest event id that can still be replayed (newest + 1 when the window is empty)',
    registers: [this.registry],
    collect: async () => {
      const w = await this.eventLogWindow()
      if (w) this.eventLogOldest.set(w.oldest)
    },
  })
  readonly eventLogNewest: Gauge = new Gauge({
    name: 'camtel_event_log_newest_id',
    help: 'Highest event id appended so far',
    registers: [this.registry],
    collect: async () => {
      const w = await this.eventLogWindow()
      if (w) this.eventLogNewest.set(w.newest)
    },
  })
  readonly eventLogEvents: Gauge = new Gauge({
    name: 'camtel_event_log_events',
    help: 'Events in the replay window (CAMTEL_REPLAY_AGE, CAMTEL_REPLAY_EVENTS); gaps left by deleted cameras included',
    registers: [this.registry],
    collect: async () => {
      const w = await this.eventLogWindow()
      if (w) this.eventLogEvents.set(Math.max(0, w.newest - w.oldest + 1))
    },
  })
  readonly eventLogAppendFailures = new Counter({
    name: 'camtel_event_log_append_failures_total',
    help: 'Batches of events the event log failed to append (they do not reach the stream)',
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'camtel_process_' })
  }
}
