/**
 * Issue 14 item 3: no readable client secret at rest. Creates with an Idempotency-Key (the widget always sends one) used
 * to keep the whole 201 answer, secret included, for 24 h. Now nothing stored holds a secret: every text column of every
 * table is scanned (and, for SQLite, the raw database and WAL files), yet a replayed create still answers the same
 * working secret — on PostgreSQL also from a second instance sharing the database.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import { ENGINES, PG_URL, dropSchema, newSchemaName, pgQuery, pgRestartGuard, requirePostgres } from './engines.js';
import { ADMIN_TOKEN, MERCHANT_KEY, call } from './http.js';

const FEW_LIMITS = {
  RATE_LIMIT_CREATE_PER_MIN: '0',
  RATE_LIMIT_TOKENS_PER_MIN: '0',
  RATE_LIMIT_MUTATIONS_PER_MIN: '0',
  ADMIN_TOKEN,
  MERCHANT_API_KEY: MERCHANT_KEY,
};

/** Creates with keys (public and merchant) on `first`, replays each on `replay`; returns every secret handed out. */
async function createsWithKeys(first: string, replay: string, n: number): Promise<string[]> {
  const secrets: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = randomUUID();
    const merchant = i % 2 === 0;
    const body = merchant ? { orderId: `ord_${randomUUID()}`, amount: 4200, currency: 'EUR' } : { orderId: await demoOrder(first) };
    const opts = { key, body, ...(merchant ? { auth: MERCHANT_KEY } : {}) };
    const a = await call(first, 'POST', '/session/create', opts);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const b = await call(replay, 'POST', '/session/create', opts);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body); // the same session and the same secret …
    const got = await call(replay, 'GET', `/session/${a.body.sessionId}`, { auth: b.body.clientSecret });
    expect(got.status).toBe(200); // … and it works
    secrets.push(a.body.clientSecret);
  }
  return secrets;
}

async function demoOrder(base: string): Promise<string> {
  const res = await fetch(`${base}/api/store/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ productId: 'prod_mug', quantity: 1 }] }),
  });
  return ((await res.json()) as { orderId: string }).orderId;
}

/** Each secret whole, and its random part alone (what makes it a secret). */
function needles(secrets: string[]): string[] {
  return secrets.flatMap((s) => [s, s.split('_secret_')[1]!]);
}

function expectNoneIn(where: string, values: Iterable<string>, secrets: string[]) {
  const found: string[] = [];
  const list = needles(secrets);
  for (const v of values) for (const n of list) if (v.includes(n)) found.push(`${where}: ${v.slice(0, 80)}`);
  expect(found).toEqual([]);
}

describe('sqlite: no client secret in the database', () => {
  let srv: StartedServer;
  beforeAll(async () => {
    srv = await startServer({ env: FEW_LIMITS });
  });
  afterAll(async () => {
    await srv?.stop();
    srv?.cleanup();
  });

  it('scans every column of every table, and the database files, after creates with keys', async () => {
    const secrets = await createsWithKeys(srv.url, srv.url, 12);
    expect(await srv.stop()).toBe(0);
    const file = join(srv.dataDir, 'payments.sqlite');
    const db = new Database(file, { readonly: true });
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
      expect(tables.map((t) => t.name)).toContain('idempotency_keys');
      let rows = 0;
      for (const { name } of tables) {
        for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
          rows++;
          expectNoneIn(
            name,
            Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v))),
            secrets,
          );
        }
      }
      expect(rows).toBeGreaterThan(24);
      const stored = db.prepare('select count(*) as n from idempotency_keys').get() as { n: number };
      expect(stored.n).toBeGreaterThanOrEqual(12);
    } finally {
      db.close();
    }
    // Free pages and the WAL may still hold an old copy of a row: nothing of a secret may ever have been written.
    for (const f of readdirSync(srv.dataDir)) expectNoneIn(f, [readFileSync(join(srv.dataDir, f)).toString('latin1')], secrets);
  });
});

if (ENGINES.includes('postgres')) {
  describe('postgres: no client secret in any table; a second instance replays the same secret', () => {
    if (!requirePostgres()) return;
    const schema = newSchemaName();
    let A: StartedServer;
    let B: StartedServer;
    let release: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      release = await pgRestartGuard();
      const env = { ...FEW_LIMITS, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
      [A, B] = await Promise.all([startServer({ env }), startServer({ env })]);
    });
    afterAll(async () => {
      for (const s of [A, B]) {
        await s?.stop();
        s?.cleanup();
      }
      await release?.();
      await dropSchema(schema);
    });

    it('scans every text column of every table after creates with keys', async () => {
      const secrets = await createsWithKeys(A.url, B.url, 12);
      const cols = await pgQuery(
        `select table_name, column_name from information_schema.columns where table_schema = $1 and data_type in ('text', 'character varying', 'jsonb', 'json', 'character')`,
        [schema],
      );
      expect(cols.rows.map((r) => `${r.table_name}.${r.column_name}`)).toContain('idempotency_keys.response_body');
      for (const { table_name, column_name } of cols.rows) {
        const r = await pgQuery(`select "${column_name}"::text as v from "${schema}"."${table_name}" where "${column_name}" is not null`);
        expectNoneIn(
          `${table_name}.${column_name}`,
          r.rows.map((x) => x.v as string),
          secrets,
        );
      }
    });
  });
}
