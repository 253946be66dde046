/**
 * Two real server processes on one PostgreSQL schema, one webhook receiver: every event is delivered, and no attempt is
 * ever sent by both instances at once (the receiver counts requests in flight per `webhook-id`). The receiver is slow
 * and answers 503 to every first try, so both instances poll the same due rows again and again while the others are out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startServer, type StartedServer } from '../support/server.js';
import { startReceiver, waitForReceived, type Receiver } from '../server/helpers/receiver.js';
import { ENGINES, PG_URL, dropSchema, newSchemaName, pgQuery, pgRestartGuard, requirePostgres } from './engines.js';
import { ADMIN_TOKEN, MERCHANT_KEY, call, createSession } from './http.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
const SESSIONS = 24;

if (ENGINES.includes('postgres')) {
  describe('postgres: webhooks from two instances', () => {
    if (!requirePostgres()) return;
    const schema = newSchemaName();
    let release: () => Promise<void>;
    let receiver: Receiver;
    const servers: StartedServer[] = [];

    beforeAll(async () => {
      release = await pgRestartGuard();
      receiver = await startReceiver((n) => (n % 2 === 1 ? { status: 503, delayMs: 60 } : { status: 200, delayMs: 60 }));
      const env = {
        DATABASE_URL: PG_URL,
        DATABASE_SCHEMA: schema,
        ADMIN_TOKEN,
        MERCHANT_API_KEY: MERCHANT_KEY,
        RATE_LIMIT_CREATE_PER_MIN: '0',
        RATE_LIMIT_MUTATIONS_PER_MIN: '0',
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_RETRY_BASE_MS: '20',
      };
      // Each delivery has its own receiver path, so "every first try" is per delivery.
      servers.push(await startServer({ env: { ...env, WEBHOOK_URL: `${receiver.url}/a` } }));
      servers.push(await startServer({ env: { ...env, WEBHOOK_URL: `${receiver.url}/a` } }));
    }, 60_000);
    afterAll(async () => {
      for (const s of servers) await s.stop();
      for (const s of servers) s.cleanup();
      await receiver?.close();
      await dropSchema(schema);
      await release?.();
    });

    it('should deliver each event, and never send one attempt from both instances at once', async () => {
      // Per-delivery answer plan: the n-th request carrying one webhook-id.
      const seen = new Map<string, number>();
      receiver.behave = (_n, req) => {
        const id = req.headers['webhook-id']!;
        const k = (seen.get(id) ?? 0) + 1;
        seen.set(id, k);
        return k === 1 ? { status: 503, delayMs: 80 } : { status: 200, delayMs: 80 };
      };
      const created = await Promise.all(
        Array.from({ length: SESSIONS }, async (_, i) => {
          const base = servers[i % 2]!.url;
          const s = await createSession(base);
          const r = await call(base, 'POST', `/session/${s.sessionId}/cancel`, { auth: s.clientSecret, body: {} });
          expect(r.status).toBe(200);
          return s;
        }),
      );
      await waitForReceived(
        receiver,
        (g) =>
          new Set(g.filter((x) => x.headers['webhook-id'] && seen.get(x.headers['webhook-id'])! >= 2).map((x) => x.headers['webhook-id'])).size >= SESSIONS,
        60_000,
      );
      const byId = new Map<string, string[]>();
      for (const g of receiver.received) {
        const body = new Webhook(SECRET).verify(g.body, g.headers) as { data: { sessionId: string } };
        byId.set(g.headers['webhook-id']!, [...(byId.get(g.headers['webhook-id']!) ?? []), body.data.sessionId]);
      }
      expect(byId.size).toBe(SESSIONS);
      expect(new Set([...byId.values()].map((v) => v[0])).size).toBe(SESSIONS);
      expect(created.every((s) => [...byId.values()].some((v) => v[0] === s.sessionId))).toBe(true);
      expect(receiver.maxInFlightPerId).toBe(1);
      // The database agrees: every delivery delivered after exactly its two attempts.
      let rows = await pgQuery(`select status, attempts from "${schema}".webhook_deliveries`);
      for (const until = Date.now() + 10_000; rows.rows.some((r) => r.status !== 'delivered') && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 50)); // the last answers are being recorded
        rows = await pgQuery(`select status, attempts from "${schema}".webhook_deliveries`);
      }
      expect(rows.rows).toHaveLength(SESSIONS);
      expect(rows.rows.every((r) => r.status === 'delivered' && r.attempts === 2)).toBe(true);
      expect(receiver.received).toHaveLength(SESSIONS * 2);
      const listing = await call(servers[1]!.url, 'GET', '/webhooks/deliveries?status=delivered&limit=500', { auth: ADMIN_TOKEN });
      expect(listing.body.deliveries).toHaveLength(SESSIONS);
    }, 90_000);
  });
}
