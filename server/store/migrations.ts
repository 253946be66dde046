/**
 * Versioned migrations, one list for both engines (Kysely's Migrator records them in kysely_migration).
 * Timestamps are integer milliseconds: `bigint` in PostgreSQL, INTEGER affinity in SQLite.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { webhooksMigration } from '../webhooks/migration.js';

/** Non-final statuses, as the partial index of 0003 names them (a migration keeps its own copy: it must not change). */
const LIVE_STATUSES = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED'];

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('charged_attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('final_at', 'bigint')
        .addColumn('payment_id', 'text')
        .addColumn('last_error', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('merchant_metadata', 'text')
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_status_created').on('sessions').columns(['status', 'created_at', 'id']).execute();
      await db.schema.createIndex('sessions_created').on('sessions').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('sessions_order').on('sessions').column('order_id').execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
      await db.schema.createIndex('sessions_final').on('sessions').column('final_at').execute();
      await db.schema.createIndex('sessions_updated').on('sessions').column('updated_at').execute();

      await db.schema
        .createTable('charges')
        .addColumn('charge_key', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline_at', 'bigint', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .addColumn('payment_id', 'text')
        .addColumn('error_code', 'text')
        .execute();
      await db.schema.createIndex('charges_session').on('charges').column('session_id').execute();
      await db.schema.createIndex('charges_status').on('charges').columns(['status', 'deadline_at']).execute();

      await db.schema
        .createTable('order_payments')
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('charge_key', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_expires').on('idempotency_keys').column('expires_at').execute();
      await db.schema.createIndex('idempotency_charge').on('idempotency_keys').column('charge_key').execute();

      await db.schema
        .createTable('store_products')
        .addColumn('product_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('image', 'text')
        .execute();
      await db.schema
        .createTable('store_orders')
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('processor_tokens')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('brand', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('behaviour', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('processor_charges')
        .addColumn('charge_id', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('failure_code', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('processor_charges_session').on('processor_charges').column('session_id').execute();
      await sql`select 1`.execute(db);
    },
  },
  '0002_sessions_status_index': {
    // The admin listing counts its filter's total on every page: a narrow index on status alone is the cheapest to
    // count from (PostgreSQL deduplicates it to a few hundred kB for 100 000 sessions), well below the wide (status, created_at, id).
    async up(db: Kysely<any>) {
      await db.schema.createIndex('sessions_status').ifNotExists().on('sessions').column('status').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('sessions_status').execute();
    },
  },
  '0003_sessions_live_expiry_index': {
    // Overdue live sessions (the sweeper, and the admin listing before each page): a partial index holding only live
    // sessions, so the look-up costs nothing however many final sessions expired long ago (sessions_expires alone walks
    // all of those: ~40 ms at 100 000 sessions). listExpiredCandidates repeats this predicate literally so both engines use it.
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('sessions_live_expires')
        .ifNotExists()
        .on('sessions')
        .column('expires_at')
        .where(
          sql.ref('status'),
          'in',
          LIVE_STATUSES.map((st) => sql.lit(st)),
        )
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('sessions_live_expires').execute();
    },
  },
  '0004_drop_unread_session_indexes': {
    // Every index is written on every insert (and on updates that touch its columns) but these two were never read:
    // no query looks sessions up by order, and overdue sessions are found through sessions_live_expires (0003).
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('sessions_order').ifExists().execute();
      await db.schema.dropIndex('sessions_expires').ifExists().execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.createIndex('sessions_order').ifNotExists().on('sessions').column('order_id').execute();
      await db.schema.createIndex('sessions_expires').ifNotExists().on('sessions').column('expires_at').execute();
    },
  },
  '0005_session_write_indexes': {
    // Every session write paid for two indexes the hot path never reads: sessions_updated (every update moves its
    // entry) and sessions_final (every insert added a NULL). Analytics now reads recent outcomes by final_at and the live
    // sessions through sessions_live_expires; final_at keeps an index for them and the purge, holding final sessions only.
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('sessions_updated').ifExists().execute();
      await db.schema.dropIndex('sessions_final').ifExists().execute();
      await db.schema.createIndex('sessions_final_at').ifNotExists().on('sessions').column('final_at').where(sql.ref('final_at'), 'is not', null).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('sessions_final_at').ifExists().execute();
      await db.schema.createIndex('sessions_final').ifNotExists().on('sessions').column('final_at').execute();
      await db.schema.createIndex('sessions_updated').ifNotExists().on('sessions').column('updated_at').execute();
    },
  },
  '0006_webhooks': webhooksMigration,
  '0007_sessions_order_index': {
    // Merchant reads list an order's sessions (GET /sessions?orderId=), newest first: 0004 dropped the old order index
    // when nothing read it; this one also serves the order, so the look-up stops at its limit.
    async up(db: Kysely<any>) {
      await db.schema.createIndex('sessions_order_created').ifNotExists().on('sessions').columns(['order_id', 'created_at', 'id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('sessions_order_created').ifExists().execute();
    },
  },
  '0008_processor_charge_card': {
    // The test processor's ledger remembers the card a charge was made with, as a gateway's charge does: brand and
    // last four digits only (the demo's confirmation shows them). Older charges keep NULL.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('processor_charges').addColumn('brand', 'text').execute();
      await db.schema.alterTable('processor_charges').addColumn('last4', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('processor_charges').dropColumn('last4').execute();
      await db.schema.alterTable('processor_charges').dropColumn('brand').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
