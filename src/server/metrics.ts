import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process; a registry per instance so tests do not share counters. */
export class Metrics {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'coverwatch_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly mqttMessages = new Counter({
    name: 'coverwatch_mqtt_messages_total',
    help: 'MQTT messages received by the product, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly mqttRefused = new Counter({
    name: 'coverwatch_mqtt_refused_total',
    help: 'MQTT connects, publishes and subscribes refused, by reason',
    labelNames: ['what'],
    registers: [this.registry],
  });
  readonly ingestRejected = new Counter({
    name: 'coverwatch_ingest_rejected_records_total',
    help: 'Telemetry records rejected at ingest, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'coverwatch_' });
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
