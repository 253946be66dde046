/**
 * PostgreSQL only: what has no SQLite counterpart. LISTEN/NOTIFY session events between two "instances" (two pools in
 * this process), the listener's reconnect, advisory-locked jobs, and connection loss: errors recognised as
 * storage-unavailable, no crash from a dead idle connection, recovery without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../server/store/postgres.js';
import { isStorageUnavailable } from '../../server/store/errors.js';
import type { PgSessionEvents } from '../../server/store/pg-events.js';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import { ENGINES, PG_URL, dropSchema, newSchemaName, pgQuery, pgRestartGuard, requirePostgres, silentLog } from './engines.js';
import { session } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Ends every connection a store of this schema holds: what an admin shutdown (57P01) does to one instance. */
async function terminateBackends(schema: string, pid?: number): Promise<number> {
  const r = pid
    ? await pgQuery('select pg_terminate_backend($1) as ok', [pid])
    : await pgQuery("select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'payment-checkout/' || $1", [schema]);
  return r.rowCount ?? 0;
}

if (ENGINES.includes('postgres')) {
  describe('postgres', () => {
    if (!requirePostgres()) return;

    const schema = newSchemaName();
    let a: { store: KyselyStore; events: PgSessionEvents };
    let b: { store: KyselyStore; events: PgSessionEvents };
    let releaseGuard: () => Promise<void>;

    beforeAll(async () => {
      releaseGuard = await pgRestartGuard();
      // Two instances opening the same new schema at once: schema creation and migrations must not trip over each other.
      [a, b] = (await Promise.all([0, 1].map(() => openPostgres({ url: PG_URL, schema, log: silentLog, poolMax: 4 })))) as (typeof a)[];
    });
    afterAll(async () => {
      for (const x of [a, b]) {
        await x?.events.close();
        await x?.store.close();
      }
      await dropSchema(schema);
      await releaseGuard?.();
    });

    describe('session events over LISTEN/NOTIFY', () => {
      it('should deliver a change published on one instance to subscribers on the other, and once locally', async () => {
        const got: string[] = [];
        const local: string[] = [];
        const offB = b.events.subscribe('cs_1', () => got.push('cs_1'));
        const offA = a.events.subscribe('cs_1', () => local.push('cs_1'));
        b.events.subscribe('cs_other', () => got.push('cs_other'));
        a.events.publish('cs_1');
        a.events.publish('cs_1'); // same tick: one NOTIFY batch
        await until('B hears cs_1', () => got.length >= 1);
        await sleep(200);
        expect(got).toEqual(['cs_1']); // batched and deduplicated within the tick; cs_other untouched
        expect(local).toEqual(['cs_1', 'cs_1']); // local delivery is immediate, and never doubled by our own NOTIFY
        offA();
        offB();
      });

      it("should keep schemas apart: another schema's instances do not hear it", async () => {
        const otherSchema = newSchemaName();
        const other = await openPostgres({ url: PG_URL, schema: otherSchema, log: silentLog, poolMax: 2 });
        try {
          const heard: string[] = [];
          other.events.subscribe('cs_2', () => heard.push('x'));
          const onB: string[] = [];
          const off = b.events.subscribe('cs_2', () => onB.push('x'));
          a.events.publish('cs_2');
          await until('B hears cs_2', () => onB.length === 1);
          await sleep(150);
          expect(heard).toEqual([]);
          off();
        } finally {
          await other.events.close();
          await other.store.close();
          await dropSchema(otherSchema);
        }
      });

      it('should reconnect a dropped listener, wake its subscribers, and hear changes again', async () => {
        const calls: number[] = [];
        const off = b.events.subscribe('cs_3', () => calls.push(Date.now()));
        const pid = b.events.listenerPid!;
        expect(pid).toBeGreaterThan(0);
        expect(await terminateBackends(schema, pid)).toBe(1);
        await until('listener back with a new connection', () => b.events.listening && b.events.listenerPid !== pid);
        await until('resync wake-up', () => calls.length === 1); // changes made while deaf are re-read
        a.events.publish('cs_3');
        await until('B hears cs_3 after reconnect', () => calls.length === 2);
        off();
      });
    });

    describe('exclusive jobs', () => {
      it('should run a job on one instance at a time', async () => {
        let release!: () => void;
        const holding = new Promise<void>((r) => (release = r));
        const first = a.store.runExclusive('sweep', async () => {
          await holding;
          return 'a';
        });
        await sleep(100);
        expect(await b.store.runExclusive('sweep', async () => 'b')).toBeUndefined(); // busy elsewhere: skipped
        expect(await b.store.runExclusive('reconcile', async () => 'b')).toBe('b'); // another job is free
        release();
        expect(await first).toBe('a');
        expect(await b.store.runExclusive('sweep', async () => 'b')).toBe('b'); // released
      });
    });

    describe('connection loss', () => {
      it('should fail queries as storage-unavailable when connections die, and recover by itself', async () => {
        const s = session();
        await a.store.sessions.insert(s);
        // Hold a transaction open across the loss: it must fail as a whole, not half-write.
        let failure: unknown;
        const tx = a.store
          .transaction(async (t) => {
            await t.sessions.update(s.id, 1, { status: 'PROCESSING' });
            await sleep(300);
            await t.sessions.insert(session());
          })
          .catch((err) => (failure = err));
        await sleep(100);
        expect(await terminateBackends(schema)).toBeGreaterThan(0); // the open transaction, idle pool clients, the listener
        await tx;
        expect(failure).toBeDefined();
        expect(isStorageUnavailable(failure)).toBe(true);
        // No crash from the idle clients' errors, and the pool opens fresh connections by itself.
        const back = await a.store.sessions.get(s.id);
        expect(back).toMatchObject({ status: 'INITIATED', version: 1 });
        await a.store.ping();
        await until('listener back', () => a.events.listening, 10_000);
      });

      it('should recognise the errors of a database that does not answer', async () => {
        const err = await openPostgres({ url: 'postgres://postgres@127.0.0.1:1/test', schema: 'public', log: silentLog }).catch((e) => e);
        expect(err).toBeInstanceOf(Error);
        expect(isStorageUnavailable(err)).toBe(true);
        for (const e of [
          Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
          Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
          new Error('Connection terminated unexpectedly'),
          new Error('timeout exceeded when trying to connect'),
          new Error('Client has encountered a connection error and is not queryable'),
          new Error('Postgres connection has been discarded'),
        ]) {
          expect(isStorageUnavailable(e), e.message).toBe(true);
        }
        expect(isStorageUnavailable(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
      });
    });
  });
}
