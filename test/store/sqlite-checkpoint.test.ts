/**
 * SQLite only: WAL checkpoints run on a worker thread, not inside a request's commit. Writes keep the WAL short without
 * the server's connection ever checkpointing (its own automatic checkpoint only starts at 10 000 pages), and closing
 * the store stops the worker and leaves every committed row in the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/store/sqlite.js';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import { session } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-ckpt-'));
  dirs.push(dir);
  return join(dir, 'payments.sqlite');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Frames in the WAL now (since it last started over), once the store's writes are committed. Asked on a connection of
 * its own (the store's is inside its next group of writes); the pragma then checkpoints them, but reports the count first.
 */
async function walFrames(store: KyselyStore, path: string): Promise<number> {
  await store.durable();
  const probe = new Database(path);
  try {
    const rows = probe.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    expect(rows).toHaveLength(1);
    return Number(rows[0]!.log);
  } finally {
    probe.close();
  }
}

/** Opens a store on `path`, runs `fn` with it, and closes it whatever happens. */
async function withStore<T>(path: string, checkpointIntervalMs: number, fn: (store: KyselyStore) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ path, checkpointIntervalMs });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function writeSessions(store: KyselyStore, n: number, pauseEvery: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.sessions.insert(session({ orderId: `ord_ckpt_${i}` }));
    if (i % pauseEvery === pauseEvery - 1) await sleep(30); // requests arrive over time: the worker gets its turns
  }
}

describe('sqlite: background WAL checkpoints', () => {
  it('keep the WAL short while the server connection only writes', async () => {
    const path = tempDb();
    await withStore(path, 20, async (store) => {
      await writeSessions(store, 3_000, 100);
      await sleep(100);
      // 3 000 inserts, committed in groups of about 100, write over 2 000 frames (next test), unless they were checkpointed.
      expect(await walFrames(store, path)).toBeLessThan(500);
    });
  });

  it('without the worker the same writes stay in the WAL (the comparison above measures the worker)', async () => {
    const path = tempDb();
    await withStore(path, 0, async (store) => {
      await sql`pragma wal_autocheckpoint = 0`.execute(store.db); // no checkpoint at all: the WAL holds every frame written
      await writeSessions(store, 3_000, 100);
      expect(await walFrames(store, path)).toBeGreaterThan(1_500);
    });
  });

  it('stops with the store, and every committed row is in the file when it is opened again', async () => {
    const path = tempDb();
    await withStore(path, 10, (store) => writeSessions(store, 500, 50));
    const rows = await withStore(path, 10, async (store) => (await sql<{ n: number }>`select count(*) as n from sessions`.execute(store.db)).rows);
    expect(Number(rows[0]!.n)).toBe(500);
  });
});
