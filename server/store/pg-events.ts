/**
 * Session-change notifications across server instances on one PostgreSQL database: LISTEN/NOTIFY on one channel per
 * schema, payload = the session id. `publish` delivers to this process's subscribers at once and NOTIFYs the others
 * (batched per tick: one round trip for every change of that tick). One dedicated connection LISTENs; when it drops,
 * it reconnects with backoff and then wakes every local subscriber, since changes made meanwhile were not heard.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { SessionEvents } from '../domain/model.js';
import type { Logger } from '../log.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/** PostgreSQL truncates identifiers (channel names included) to 63 bytes. */
const MAX_CHANNEL_BYTES = 63;

export interface PgSessionEventsOptions {
  pool: pg.Pool;
  /** Connection settings for the LISTEN client (outside the pool: it is held for the process's lifetime). */
  clientConfig: pg.ClientConfig;
  schema: string;
  /** Backend pids of the pool's connections: a notification one of them sent was already delivered locally. */
  ownPids: ReadonlySet<number>;
  log: Logger;
}

/** The channel for a schema: instances on different schemas of one database (test runs) do not hear each other. */
export function channelFor(schema: string): string {
  const name = `payment_sessions_${schema}`;
  if (name.length <= MAX_CHANNEL_BYTES) return name;
  return `payment_sessions_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

export class PgSessionEvents implements SessionEvents {
  readonly channel: string;
  readonly #o: PgSessionEventsOptions;
  readonly #local = new EventEmitter();
  readonly #outbox = new Set<string>();
  #flushScheduled = false;
  #notifying = false;
  #listener: pg.Client | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #backoffMs = RECONNECT_MIN_MS;
  #closed = false;
  #connected = false;

  constructor(opts: PgSessionEventsOptions) {
    this.#o = opts;
    this.channel = channelFor(opts.schema);
    this.#local.setMaxListeners(0);
  }

  /** Connects the listener; rejects when the database does not answer (start-up should fail loudly). */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** True while the LISTEN connection is up (remote changes are being heard). */
  get listening(): boolean {
    return this.#connected;
  }

  /** Backend pid of the LISTEN connection (diagnostics, tests), or null while reconnecting. */
  get listenerPid(): number | null {
    return (this.#listener as unknown as { processID?: number } | null)?.processID ?? null;
  }

  publish(sessionId: string): void {
    this.#local.emit(sessionId);
    this.#outbox.add(sessionId);
    this.#scheduleFlush();
  }

  subscribe(sessionId: string, onChange: () => void): () => void {
    this.#local.on(sessionId, onChange);
    return () => this.#local.off(sessionId, onChange);
  }

  /** Stops listening and drops local subscribers. Changes published afterwards (a drain settling charges) are still NOTIFYed while the pool is open. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#local.removeAllListeners();
    const client = this.#listener;
    this.#listener = null;
    this.#connected = false;
    await client?.end().catch(() => {});
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#notifying) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** One NOTIFY round trip at a time: what is published meanwhile goes in the next batch (one pooled connection, not one per change). */
  #flush(): void {
    this.#flushScheduled = false;
    const ids = [...this.#outbox];
    this.#outbox.clear();
    if (ids.length === 0) return;
    this.#notifying = true;
    this.#o.pool
      .query('select pg_notify($1, id) from unnest($2::text[]) as id', [this.channel, ids])
      .catch((err: Error) => {
        // The database is unreachable: the change itself most likely failed too; other instances resync when their listener reconnects.
        this.#o.log.debug({ err: { message: err.message }, n: ids.length }, 'postgres: notify failed');
      })
      .finally(() => {
        this.#notifying = false;
        if (this.#outbox.size) this.#scheduleFlush();
      });
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#o.clientConfig);
    const dropped = (why: string, err?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = null;
      this.#connected = false;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.#o.log.warn({ why, err: err && { message: err.message, code: (err as { code?: string }).code } }, 'postgres: event listener lost; reconnecting');
      this.#scheduleReconnect();
    };
    client.on('error', (err) => dropped('error', err));
    client.on('end', () => dropped('end'));
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || !msg.payload) return;
      if (this.#o.ownPids.has(msg.processId)) return;
      this.#local.emit(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    // Only from here on does a drop count (and schedule a reconnect): a failed attempt is retried by its caller.
    this.#listener = client;
    this.#connected = true;
    this.#backoffMs = RECONNECT_MIN_MS;
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, RECONNECT_MAX_MS);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#connect().then(
        () => {
          if (this.#closed) return;
          this.#o.log.info('postgres: event listener reconnected');
          // Whatever changed while we were deaf: let every subscriber re-read its session.
          for (const id of this.#local.eventNames()) this.#local.emit(id);
        },
        () => this.#scheduleReconnect(),
      );
    }, delay);
    this.#reconnectTimer.unref();
  }
}
