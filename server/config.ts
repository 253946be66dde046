/** Server configuration from environment variables (README: Configuration). Parsed once; invalid values stop start-up with a clear message. */
import { z } from 'zod';
import { resolve } from 'node:path';
import { isValidTrustProxy } from './middleware/rate-limit/client.js';
import { webhookSecretSetting, webhookUrlsSetting } from './webhooks/settings.js';

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

const EnvSchema = z.object({
  PORT: int(8787),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  MERCHANT_API_KEY: z.string().min(16, 'MERCHANT_API_KEY must be at least 16 characters').optional(),
  /** Signed orders (HS256): at least 32 bytes, so the HMAC key is as long as its hash. */
  ORDER_SIGNING_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= 32, 'ORDER_SIGNING_SECRET must be at least 32 bytes (e.g. `openssl rand -base64 32`)')
    .optional(),
  ALLOWED_ORIGINS: z.string().default(''),
  PAYMENT_TIMEOUT_MS: int(30_000),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  SESSION_TTL_MS: int(900_000),
  SWEEP_INTERVAL_MS: int(300_000),
  /** How often unresolved charges are looked up at the processor. */
  RECONCILE_INTERVAL_MS: int(1_000),
  /** Final sessions are kept this long for summaries and analytics (default 30 days). */
  RETENTION_MS: int(30 * 24 * 3600_000),
  /** Idempotency records are kept at least this long (default 24 h). */
  IDEMPOTENCY_TTL_MS: int(24 * 3600_000),
  PROCESSOR: z.enum(['test']).default('test'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Requests per minute per client IP for session creation and card tokenisation; per session for session mutations. */
  RATE_LIMIT_CREATE_PER_MIN: int(60),
  RATE_LIMIT_TOKENS_PER_MIN: int(60),
  RATE_LIMIT_MUTATIONS_PER_MIN: int(120),
  /** Session creates per minute with the merchant key (one bucket for the merchant backend). */
  RATE_LIMIT_MERCHANT_PER_MIN: int(1200),
  /** Unset: the client is the socket's peer. A number of proxy hops, or a comma list of proxy addresses/CIDRs, makes X-Forwarded-For/-Proto count. */
  TRUST_PROXY: z
    .string()
    .default('')
    .refine(isValidTrustProxy, 'TRUST_PROXY must be a number of trusted proxy hops or a comma list of proxy IP addresses/CIDRs (e.g. 10.0.0.0/8,::1)'),
  /** SQLite `synchronous` pragma: FULL (default) survives power loss; NORMAL only a process crash (kill -9). */
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('FULL'),
  /** Where the built widget, worker and demo are served from (default: dist/ of the package). */
  STATIC_DIR: z.string().optional(),
  /** PostgreSQL schema to use (tests give each run its own). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  /** PostgreSQL connections per server process (at least 2: an exclusive background job holds one for its lock). */
  PG_POOL_MAX: int(10),
  /** Event streams (docs/hardening.md): per session, per client address, and in all (0 = half of the connection budget). */
  SSE_MAX_PER_SESSION: z.coerce.number().int().min(1).default(10),
  SSE_MAX_PER_CLIENT: z.coerce.number().int().min(1).default(100),
  SSE_MAX_TOTAL: int(0),
  /** Open connections in all (0 = 4096, lowered to the open-file limit minus a reserve) and per client address (0 = no cap). */
  MAX_CONNECTIONS: int(0),
  MAX_CONNECTIONS_PER_CLIENT: int(256),
  /** Key from which replayed creates re-derive their client secret (unset: derived from the admin token). */
  CLIENT_SECRET_KEY: z.string().min(32, 'CLIENT_SECRET_KEY must be at least 32 characters').optional(),
  /** When set, GET /metrics needs `Authorization: Bearer METRICS_TOKEN`. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** Webhooks (server/webhooks/): where events go, the signing secret, the retry schedule's scale, one POST's time bound. */
  WEBHOOK_URL: webhookUrlsSetting,
  WEBHOOK_SECRET: webhookSecretSetting,
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().positive().default(5_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(10_000),
});

export type Config = z.infer<typeof EnvSchema> & { allowedOrigins: string[]; dataDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  return {
    ...c,
    dataDir: resolve(c.DATA_DIR),
    allowedOrigins: c.ALLOWED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
