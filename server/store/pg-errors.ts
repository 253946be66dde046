/** PostgreSQL's ways of saying "the database is not answering" (store/errors.ts asks; no pg import, so SQLite never loads it). */

/** SQLSTATE classes: 08 connection exception, 57P operator intervention (a shutdown), 53 insufficient resources. */
const PG_CONNECTION_CLASSES = ['08', '57P', '53'];
/** node-postgres and Kysely's words for a dead connection, a pool that cannot connect in time, a connection discarded after a failed rollback. */
const PG_GONE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Postgres connection has been discarded/i;

export function isPgUnavailable(code: string, message: string): boolean {
  return PG_CONNECTION_CLASSES.some((p) => code.startsWith(p)) || PG_GONE.test(message);
}
