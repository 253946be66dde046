/**
 * SQLite only: group commit. The work of one turn of the event loop is committed together; a transaction that fails
 * undoes only its own work; nothing is in the file, for another connection or after a crash, before `durable()`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import { openSqliteStore } from '../../server/store/sqlite.js';
import { session } from './fixtures.js';

let dir: string;
let path: string;
let store: KyselyStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pc-group-'));
  path = join(dir, 'payments.sqlite');
  store = await openSqliteStore({ path, checkpointIntervalMs: 0 });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What another connection (another process, or this one after a crash) finds in the file. */
function committedIds(): string[] {
  const other = new Database(path, { readonly: true });
  try {
    return (other.prepare('select id from sessions order by id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    other.close();
  }
}

describe('sqlite: group commit', () => {
  it('keeps a write out of the file until durable() says it is committed', async () => {
    const s = session();
    await store.sessions.insert(s);
    expect(await store.sessions.get(s.id)).toBeDefined(); // this connection sees its own group
    expect(committedIds()).toEqual([]);
    await store.durable();
    expect(committedIds()).toEqual([s.id]);
  });

  it('undoes a failed transaction only, and commits the rest of its group', async () => {
    const kept = session();
    const undone = session();
    const after = session();
    await store.sessions.insert(kept);
    await expect(
      store.transaction(async (tx) => {
        await tx.sessions.insert(undone);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await store.transaction((tx) => tx.sessions.insert(after));
    await store.durable();
    expect(committedIds()).toEqual([kept.id, after.id].sort());
    expect(await store.sessions.get(undone.id)).toBeUndefined();
  });

  it('commits many concurrent transactions of one turn together, each all or nothing', async () => {
    const rows = Array.from({ length: 50 }, () => session());
    const results = await Promise.allSettled(
      rows.map((s, i) =>
        store.transaction(async (tx) => {
          await tx.sessions.insert(s);
          await tx.sessions.update(s.id, 1, { status: 'PROCESSING' });
          if (i % 5 === 0) throw new Error(`refused ${i}`);
        }),
      ),
    );
    await store.durable();
    const committed = new Set(committedIds());
    rows.forEach((s, i) => {
      expect(results[i]!.status).toBe(i % 5 === 0 ? 'rejected' : 'fulfilled');
      expect(committed.has(s.id)).toBe(i % 5 !== 0);
    });
    for (const s of rows.filter((_, i) => i % 5 !== 0)) expect((await store.sessions.get(s.id))!).toMatchObject({ status: 'PROCESSING', version: 2 });
  });

  it('faults when a group is lost: whoever wrote into it, asking at any time, is never told it is durable; then recovers by itself', async () => {
    await store.close();
    const faults: string[] = [];
    let recovered = 0;
    store = await openSqliteStore({
      path,
      checkpointIntervalMs: 0,
      recoverIntervalMs: 50,
      onFault: (f) => faults.push(f.faultCode),
      onRecover: () => recovered++,
    });
    await store.durable();
    const before = session();
    await store.sessions.insert(before);
    await store.durable();
    // The file may not grow: the next group's inserts fail with SQLITE_FULL, which ends the whole SQLite transaction.
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
    await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(store.db);
    const lost = session();
    await store.sessions.insert(lost); // fits in the pages there are
    let full: unknown = null;
    for (let i = 0; i < 200 && !full; i++)
      await store.sessions.insert(session({ metadata: { interruptions: [], retries: [], lastActivity: 'x'.repeat(2_000) } })).catch((e) => (full = e));
    expect((full as { code?: string }).code).toBe('SQLITE_FULL');
    // Asked after the group is gone (no group open any more): still refused, and so is everything after.
    await expect(store.durable()).rejects.toMatchObject({ code: 'STORE_FAULT' });
    await expect(store.sessions.get(before.id)).rejects.toMatchObject({ code: 'STORE_FAULT' });
    await expect(store.transaction((tx) => tx.sessions.insert(session()))).rejects.toMatchObject({ code: 'STORE_FAULT' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_FAULT' });
    expect(committedIds()).toEqual([before.id]);
    expect(faults).toEqual(['SQLITE_FULL']); // told once, however many statements failed
    // The recovery probe reopens the file (max_page_count is the old connection's): the store answers again, with
    // what was durable and nothing of the lost group.
    for (let i = 0; i < 200 && !recovered; i++) await new Promise((r) => setTimeout(r, 25));
    expect(recovered).toBe(1);
    await store.ping();
    expect(await store.sessions.get(before.id)).toBeDefined();
    expect(await store.sessions.get(lost.id)).toBeUndefined();
    const after = session();
    await store.sessions.insert(after);
    await store.durable();
    expect(committedIds()).toEqual([before.id, after.id].sort());
  });

  it('a removed or replaced data file faults the store for good: nothing committed after is reported durable', async () => {
    await store.durable();
    await store.ping();
    rmSync(dir, { recursive: true, force: true });
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_FAULT', faultCode: 'DATA_FILE_REMOVED', final: true });
    await expect(store.durable()).rejects.toMatchObject({ code: 'STORE_FAULT' });
    await expect(store.sessions.insert(session())).rejects.toMatchObject({ code: 'STORE_FAULT' });
  });

  it('a write committed to a file that was removed meanwhile is not reported durable', async () => {
    await store.durable();
    rmSync(dir, { recursive: true, force: true });
    await store.sessions.insert(session()); // the connection still writes to the unlinked file
    await expect(store.durable()).rejects.toMatchObject({ code: 'STORE_FAULT', faultCode: 'DATA_FILE_REMOVED' });
  });
});
