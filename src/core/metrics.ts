import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** camtel's own Prometheus metrics (GET /metrics). One registry per server instance. */
export class ServerMetrics {
  readonly registry = new Registry()
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'camtel_process_' })
  }
}
