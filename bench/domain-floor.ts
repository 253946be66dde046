/**
 * The mixed flow without HTTP: the same calls the route handlers make (create, read, tokenize, idempotency claim,
 * complete) straight on the domain layer and the real SQLite store, 50 checkouts at a time as the load test's 50
 * connections (so commits are grouped as in the server), each waiting until its answer is durable.
 * Its CPU per request is what the flow costs before any HTTP, Hono, validation or logging: a floor under the server's
 * figure, and so a ceiling on what any HTTP layer on top could reach on one core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { sessionView } from '../server/domain/views.js';
import { createLogger } from '../server/log.js';
import { TestProcessor } from '../server/processor/test-processor.js';
import { defaultStaticDir, openStore } from '../server/server.js';

export interface FloorResult {
  checkouts: number;
  cpuUsPerRequest: number;
  /** Requests per second one fully busy core could serve if HTTP and everything around the domain cost nothing. */
  maxRequestsPerSec: number;
}

const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' };

export async function domainFloor(checkouts = 3_000, warmup = 300, concurrency = 50): Promise<FloorResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-floor-'));
  const config = { ...loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', MERCHANT_API_KEY: 'bench-merchant-key-0123456789' }), STATIC_DIR: defaultStaticDir() };
  const log = createLogger('warn');
  const { store, events } = await openStore(config, log);
  const processor = new TestProcessor({ ledger: store.ledger, slowAnswerMs: config.PAYMENT_TIMEOUT_MS + 1_000 });
  const { sessions } = createApp({ config, store, processor, events, log, adminToken: 'bench-admin-token-0123456789' });
  let n = 0;
  const checkout = async () => {
    // POST /session/create (merchant key, no Idempotency-Key)
    const created = await sessions.create({ orderId: `floor_${n++}`, amount: 4200, currency: 'EUR' }, true);
    // GET /session/:id
    sessionView(await sessions.get(created.sessionId, await sessions.authorize(created.sessionId, created.clientSecret)));
    // POST /test-processor/tokens
    const { token } = await processor.tokenize(CARD);
    // POST /session/:id/complete: the idempotency middleware claims the key, then the handler pays
    const row = await sessions.authorize(created.sessionId, created.clientSecret);
    const scope = `session:${row.id}`;
    const key = `k_${n}`;
    const t = Date.now();
    await store.idempotency.insert({
      scope,
      key,
      fingerprint: 'f',
      state: 'in_flight',
      statusCode: null,
      responseBody: null,
      chargeKey: null,
      createdAt: t,
      expiresAt: t + 86_400_000,
      leaseUntil: t + 60_000,
    });
    const ref = { scope, key, chargeKey: null as string | null };
    const { answer } = await sessions.complete(row.id, token, ref, row);
    if (answer.status !== 200) throw new Error(`complete answered ${answer.status}`);
    await store.durable(); // as the server holds its answer
  };
  const run = async (total: number) => {
    let left = total;
    const worker = async () => {
      while (left-- > 0) await checkout();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  try {
    await run(warmup);
    const before = process.cpuUsage();
    await run(checkouts);
    const used = process.cpuUsage(before);
    const cpuUsPerRequest = Math.round((used.user + used.system) / (checkouts * 4));
    return { checkouts, cpuUsPerRequest, maxRequestsPerSec: Math.round(1e6 / cpuUsPerRequest) };
  } finally {
    processor.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
