/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit crosses
 * `wal_autocheckpoint` pages: that commit copies the WAL back into the database file and fsyncs both, which stalls
 * every request for milliseconds (about 45 % of all write time under the checkout load). Here a worker thread with its
 * own connection to the same file runs a PASSIVE checkpoint every `intervalMs`: it never blocks the server's writers,
 * and once it has copied everything the next commit starts the WAL over, so the WAL stays small. A failure (a full disk)
 * is reported once, and its end once.
 * The server's connection keeps a high `wal_autocheckpoint` as a safety net should the worker ever fall behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The worker's code (CommonJS, evaluated): better-sqlite3 is required by its resolved path, valid from sources and from the build. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
let failing = null; // the error code of a failure already reported: a full disk is reported once, not every tick
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    if (failing) parentPort.postMessage({ recovered: true });
    failing = null;
  } catch (err) {
    const code = String(err && err.code || err);
    if (failing !== code) parentPort.postMessage({ error: code });
    failing = code;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(opts: {
  path: string;
  synchronous: string;
  intervalMs: number;
  onError: (code: string) => void;
  /** Told when checkpoints succeed again after a reported error. */
  onRecover?: () => void;
}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path: opts.path, synchronous: opts.synchronous, intervalMs: opts.intervalMs },
  });
  worker.unref();
  worker.on('message', (msg: { error?: string; recovered?: boolean }) => {
    if (msg.error) opts.onError(msg.error);
    else if (msg.recovered) opts.onRecover?.();
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (err) => opts.onError(err.name));
  return {
    async stop() {
      worker.ref(); // while we wait for it to end, the worker is what keeps the process alive
      worker.postMessage('stop');
      await exited;
    },
  };
}
