/** The chaos run's checks must catch what they claim to: each planted violation is reported, a clean ledger is not. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Recorder } from './http.js';
import { Ledger } from './session.js';
import { verifyCluster, type Db } from './verify.js';

function fakeDb(setup: (db: Database.Database) => void): Db {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE sessions (id TEXT, order_id TEXT, status TEXT, payment_id TEXT);
    CREATE TABLE processor_charges (charge_id TEXT, session_id TEXT, idempotency_key TEXT, status TEXT);
    CREATE TABLE charges (charge_key TEXT, session_id TEXT, status TEXT, payment_id TEXT);
    CREATE TABLE order_payments (order_id TEXT, session_id TEXT, state TEXT);
  `);
  setup(db);
  return { all: async (sql) => db.prepare(sql).all(), close: async () => void db.close() };
}

/** One order paid through session s1 (charge ch1), as it should be. */
function paidOrder(db: Database.Database) {
  db.exec(`
    INSERT INTO sessions VALUES ('s1', 'o1', 'COMPLETED', 'ch1');
    INSERT INTO processor_charges VALUES ('ch1', 's1', 's1:1', 'succeeded');
    INSERT INTO charges VALUES ('s1:1', 's1', 'succeeded', 'ch1');
    INSERT INTO order_payments VALUES ('o1', 's1', 'paid');
  `);
}

async function kinds(setup: (db: Database.Database) => void, ledger = new Ledger()): Promise<string[]> {
  const rec = new Recorder();
  await verifyCluster(fakeDb(setup), ledger, rec, 'test');
  return [...new Set(rec.violations.map((v) => v.kind))].sort();
}

describe('chaos checks', () => {
  it('should accept a consistent database', async () => {
    const ledger = new Ledger();
    ledger.created.set('s1', 'test');
    ledger.completedSeen('s1', 'ch1');
    expect(await kinds(paidOrder, ledger)).toEqual([]);
  });

  it('should report an order paid through two sessions', async () => {
    const k = await kinds((db) => {
      paidOrder(db);
      db.exec(`
        INSERT INTO sessions VALUES ('s2', 'o1', 'COMPLETED', 'ch2');
        INSERT INTO processor_charges VALUES ('ch2', 's2', 's2:1', 'succeeded');
        INSERT INTO charges VALUES ('s2:1', 's2', 'succeeded', 'ch2');
      `);
    });
    expect(k).toContain('order_paid_twice');
  });

  it('should report a session charged twice, and a charge on a session that is not COMPLETED', async () => {
    expect(
      await kinds((db) => {
        paidOrder(db);
        db.exec(`INSERT INTO processor_charges VALUES ('ch9', 's1', 's1:2', 'succeeded'); INSERT INTO charges VALUES ('s1:2', 's1', 'succeeded', 'ch9');`);
      }),
    ).toContain('completed_without_one_charge');
    expect(
      await kinds((db) => {
        db.exec(
          `INSERT INTO sessions VALUES ('s3', 'o3', 'FAILED_MAX_RETRIES', NULL); INSERT INTO processor_charges VALUES ('ch3', 's3', 's3:3', 'succeeded'); INSERT INTO charges VALUES ('s3:3', 's3', 'failed', NULL);`,
        );
      }),
    ).toEqual(['charge_without_completed_session', 'ledger_mismatch']);
  });

  it('should report stuck and lost sessions, and answers the database does not keep', async () => {
    const ledger = new Ledger();
    ledger.created.set('gone', 'test');
    ledger.completedSeen('s4', 'ch-other');
    ledger.leftToExpire.set('s5', 'test');
    const k = await kinds((db) => {
      db.exec(`
        INSERT INTO sessions VALUES ('s4', 'o4', 'PROCESSING', NULL);
        INSERT INTO charges VALUES ('s4:1', 's4', 'unknown', NULL);
        INSERT INTO order_payments VALUES ('o4', 's4', 'charging');
        INSERT INTO sessions VALUES ('s5', 'o5', 'INTERRUPTED', NULL);
      `);
    }, ledger);
    expect(k).toEqual(['completed_answer_not_kept', 'not_expired', 'session_lost', 'stuck_processing', 'unresolved_charge']);
  });

  it('should report a paid flag without a payment, and a leaked order lock', async () => {
    const k = await kinds((db) => {
      db.exec(`
        INSERT INTO sessions VALUES ('s6', 'o6', 'CANCELLED', NULL);
        INSERT INTO order_payments VALUES ('o6', 's6', 'paid');
        INSERT INTO sessions VALUES ('s7', 'o7', 'INTERRUPTED', NULL);
        INSERT INTO order_payments VALUES ('o7', 's7', 'charging');
      `);
    });
    expect(k).toEqual(['order_flag_mismatch', 'order_lock_leaked']);
  });
});
