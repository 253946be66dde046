/**
 * Recognises "the database is not answering" across engines, so the API can say 503 storage_unavailable instead of 500.
 * Each engine's codes live beside that engine (sqlite-faults.ts, pg-errors.ts); the network's are shared.
 */
import { isPgUnavailable } from './pg-errors.js';
import { isSqliteUnavailable } from './sqlite-faults.js';

const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/** The SQLite store's own fault (store/sqlite-faults.ts): its cause was logged once when it began, so requests need not. */
export function isStoreFault(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'STORE_FAULT';
}

export function isStorageUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : '';
  if (isSqliteUnavailable(code) || NET_CODES.has(code) || isPgUnavailable(code, msg)) return true;
  // Kysely and better-sqlite3: a query on a store already closed.
  return /driver has already been destroyed|database connection is not open/i.test(msg);
}
