/** Recognises "the database is not answering" across engines, so the API can say 503 storage_unavailable instead of 500. */
const PG_CONNECTION_CLASSES = ['08', '57P', '53'];
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/** The SQLite store's own fault (store/sqlite-faults.ts): its cause was logged once when it began, so requests need not. */
export function isStoreFault(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'STORE_FAULT';
}

export function isStorageUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'STORE_FAULT' || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_IOERR' || code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN') return true;
  if (NET_CODES.has(code)) return true;
  if (PG_CONNECTION_CLASSES.some((p) => code.startsWith(p))) return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  // pg: a dead connection, a pool that cannot connect in time; Kysely: a connection it discarded after a failed rollback.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Postgres connection has been discarded|driver has already been destroyed|database connection is not open/i.test(msg);
}
