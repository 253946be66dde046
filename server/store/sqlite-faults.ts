/**
 * What can take the SQLite store down while the process runs, and how it comes back.
 *
 * - A lost group commit (disk full, an I/O error) faults the store: every statement and `durable()` fails with a
 *   StorageFault (503 storage_unavailable) at once, and the cause is reported once. Every few moments a probe closes the
 *   connection, opens a new one on the same file and commits a one-row write; when that commits, the store answers again.
 *   What the new connection reads is what was durable: the lost group's work is gone, and every writer into it was told so.
 * - The data file removed (its directory deleted) or replaced by another file: SQLite would go on writing to the old,
 *   unlinked inode, and a restart would find none of it. The file's identity (device, inode) is checked after every
 *   commit, before anyone is told their work is durable, and on every health check. This fault is final: the store
 *   answers 503 until an operator has put the data back and restarted the server.
 */
import { statSync } from 'node:fs';

/** SQLite's codes for "cannot answer now": locked or busy past the timeout, an I/O error, a full disk, a file it cannot open. */
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN']);

/** True for the SQLite store's own fault (a StorageFault) and for SQLite errors that mean it cannot answer now. */
export function isSqliteUnavailable(code: string): boolean {
  return code === 'STORE_FAULT' || SQLITE_UNAVAILABLE.has(code);
}

/** The store cannot answer; `code` makes the API say 503 storage_unavailable (store/errors.ts). */
export class StorageFault extends Error {
  readonly code = 'STORE_FAULT';
  /** The SQLite error code behind it, or DATA_FILE_REMOVED / DATA_FILE_REPLACED. */
  readonly faultCode: string;
  /** True when waiting cannot help (the data file is gone): only a restart after the operator's repair does. */
  readonly final: boolean;

  constructor(cause: string, reason: string, final = false) {
    super(`SQLite store unavailable: ${reason}`);
    this.name = 'StorageFault';
    this.faultCode = cause;
    this.final = final;
  }
}

const REASONS: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_IOERR/, 'an I/O error while writing the database'],
  [/^SQLITE_CORRUPT/, 'the database file is corrupt'],
  [/^SQLITE_READONLY/, 'the database file is read-only'],
  [/^SQLITE_CANTOPEN/, 'the database file cannot be opened'],
];

/** A StorageFault naming what a failed commit or statement says went wrong. */
export function faultFrom(err: unknown): StorageFault {
  if (err instanceof StorageFault) return err;
  const code = String((err as { code?: unknown })?.code ?? (err as Error)?.name ?? 'UNKNOWN');
  const reason = REASONS.find(([re]) => re.test(code))?.[1] ?? `a failed commit (${code})`;
  return new StorageFault(code, `${reason} (${code}); the last uncommitted writes were rolled back`);
}

/** The identity of the database file as opened; `check()` throws a final StorageFault once the path no longer names it. */
export function fileIdentity(path: string): { check(): void } {
  if (path === ':memory:') return { check() {} };
  const first = statSync(path);
  return {
    check() {
      let now;
      try {
        now = statSync(path);
      } catch {
        throw new StorageFault('DATA_FILE_REMOVED', `the database file ${path} (or its directory) was removed while the server ran`, true);
      }
      if (now.ino !== first.ino || now.dev !== first.dev) {
        throw new StorageFault('DATA_FILE_REPLACED', `the database file ${path} was replaced by another file while the server ran`, true);
      }
    },
  };
}
