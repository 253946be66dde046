import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../app.js';
import { createLogger } from '../../log.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { KyselyStore } from '../../store/kysely-store.js';
import { durableAnswers } from './index.js';

let dir: string;
let path: string;
let store: KyselyStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-durable-'));
  path = join(dir, 'payments.db');
  store = await openSqliteStore({ path });
});

afterEach(async () => {
  await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function app() {
  const a = new Hono();
  a.use('/api/*', durableAnswers(store));
  a.post('/api/orders/:id', async (c) => {
    const orderId = c.req.param('id');
    await store.shop.insertOrder({ orderId, amount: 100, currency: 'EUR', items: [], createdAt: Date.now() });
    return c.json({ orderId }, 201);
  });
  a.onError((err, c) => errorResponse(err, c, createLogger('silent')));
  return a;
}

/** What another connection (another process, or the server after a crash) reads from the file. */
function committedOrders(): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('select order_id from store_orders').all() as { order_id: string }[]).map((r) => r.order_id);
  } finally {
    db.close();
  }
}

describe('durableAnswers', () => {
  it('should answer only once the work behind the answer is committed', async () => {
    const res = await app().request('/api/orders/ord_1', { method: 'POST' });
    expect(res.status).toBe(201);
    expect(committedOrders()).toEqual(['ord_1']);
  });

  it('should answer every request of one turn after their common commit', async () => {
    const a = app();
    const answers = await Promise.all(['ord_a', 'ord_b', 'ord_c'].map((id) => a.request(`/api/orders/${id}`, { method: 'POST' })));
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(committedOrders().sort()).toEqual(['ord_a', 'ord_b', 'ord_c']);
  });

  it('should turn an answer whose work cannot be made durable into 503 storage_unavailable with Retry-After', async () => {
    rmSync(dir, { recursive: true, force: true }); // the data file is gone: no commit can be trusted any more
    const res = await app().request('/api/orders/ord_lost', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('1');
    expect(await res.json()).toEqual({ error: { code: 'storage_unavailable', message: 'Storage is unavailable; retry shortly.' } });
  });
});
