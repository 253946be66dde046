/** Prometheus metrics (prom-client), one registry per app so tests can run several servers in one process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from './store/types.js';
import { SESSION_STATUSES } from './store/types.js';

export interface Metrics {
  registry: Registry;
  interruptions: Counter<'reason'>;
  chargeDuration: Histogram<'outcome'>;
  idempotentReplays: Counter;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(store: Store): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'payment_sessions',
    help: 'Payment sessions by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await store.countSessionsByStatus();
      for (const s of SESSION_STATUSES) this.set({ status: s }, counts[s] ?? 0);
    },
  });
  return {
    registry,
    interruptions: new Counter({
      name: 'payment_interruptions_total',
      help: 'Session interruptions by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    chargeDuration: new Histogram({
      name: 'payment_charge_duration_seconds',
      help: 'Processor charge latency by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    idempotentReplays: new Counter({
      name: 'payment_idempotent_replays_total',
      help: 'Requests answered from a stored idempotent response',
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
  };
}
