/** Prometheus metrics (prom-client), one registry per app so tests can run several servers in one process. */
import type { MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppError } from './errors.js';
import { secretsEqual } from './ids.js';
import { bearerToken } from './middleware/auth/index.js';
import type { Store } from './store/types.js';

/**
 * prom-client's default gauges that `promtool check metrics` rejects ("non-counter metrics should not have _total
 * suffix"); each repeats, as a total, the unlabelled sum of its namesake without the suffix (e.g. nodejs_active_handles).
 */
const NOT_LINT_CLEAN = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
import { SESSION_STATUSES } from './domain/model.js';

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
  for (const name of NOT_LINT_CLEAN) registry.removeSingleMetric(name);
  new Gauge({
    name: 'payment_sessions',
    help: 'Payment sessions by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await store.sessions.countByStatus();
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

/** With METRICS_TOKEN set, GET /metrics needs `Authorization: Bearer METRICS_TOKEN` (401 `unauthorized` otherwise). */
export function metricsAuth(token: string | undefined): MiddlewareHandler {
  return async function metricsTokenAuth(c, next) {
    if (token === undefined) return next();
    const presented = bearerToken(c);
    if (!presented || !secretsEqual(presented, token)) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError('unauthorized', 'GET /metrics needs Authorization: Bearer METRICS_TOKEN.');
    }
    return next();
  };
}
