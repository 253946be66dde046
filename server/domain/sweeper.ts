/**
 * Background upkeep, each on its own timer: reconcile unresolved charges (every RECONCILE_INTERVAL_MS),
 * expire overdue sessions and purge what is past retention (every SWEEP_INTERVAL_MS). Every run is also safe to call directly.
 */
import type { Logger } from '../log.js';
import { isStorageUnavailable } from '../store/errors.js';
import type { Store } from '../store/types.js';
import type { Charges } from './charges.js';
import type { Sessions } from './sessions.js';

export interface SweeperDeps {
  store: Store;
  sessions: Sessions;
  charges: Charges;
  log: Logger;
  now: () => number;
  sweepIntervalMs: number;
  reconcileIntervalMs: number;
  retentionMs: number;
}

export class Sweeper {
  readonly #d: SweeperDeps;
  readonly #timers: NodeJS.Timeout[] = [];
  #sweeping = false;
  /** Jobs whose last run failed (their failure is logged once). */
  readonly #failing = new Set<string>();

  constructor(deps: SweeperDeps) {
    this.#d = deps;
  }

  start(): void {
    const every = (job: string, ms: number, fn: () => Promise<unknown>) => {
      if (ms <= 0) return;
      const t = setInterval(
        () =>
          void fn().then(
            () => this.#recovered(job),
            (err: Error) => this.#failed(job, err),
          ),
        ms,
      );
      t.unref();
      this.#timers.push(t);
    };
    every('reconcile', this.#d.reconcileIntervalMs, () => this.#d.charges.reconcileDue());
    every('sweep', this.#d.sweepIntervalMs, () => this.sweep());
  }

  /** One line when a job starts failing (not one per run while the database is down), one when it works again. */
  #failed(job: string, err: Error): void {
    if (this.#failing.has(job)) return;
    this.#failing.add(job);
    const detail = { job, err: { name: err.name, code: (err as { code?: string }).code } };
    if (isStorageUnavailable(err)) this.#d.log.warn(detail, 'background job paused: storage unavailable');
    else this.#d.log.error(detail, 'background job failed');
  }

  #recovered(job: string): void {
    if (this.#failing.delete(job)) this.#d.log.info({ job }, 'background job running again');
  }

  stop(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }

  /** Expires overdue sessions, purges final sessions past retention and expired idempotency keys. */
  async sweep(): Promise<{ expired: number; purgedSessions: number; purgedKeys: number }> {
    if (this.#sweeping) return { expired: 0, purgedSessions: 0, purgedKeys: 0 };
    this.#sweeping = true;
    try {
      await this.#d.charges.reconcileDue();
      // One instance at a time on a shared database (each step is idempotent; this saves the others the same work).
      const done = await this.#d.store.runExclusive('sweep', async () => {
        const expired = await this.#d.sessions.expireDue();
        const now = this.#d.now();
        const purgedSessions = await this.#d.store.sessions.purgeFinal(now - this.#d.retentionMs);
        const purgedKeys = await this.#d.store.idempotency.purge(now);
        return { expired, purgedSessions, purgedKeys };
      });
      const r = done ?? { expired: 0, purgedSessions: 0, purgedKeys: 0 };
      if (r.expired || r.purgedSessions || r.purgedKeys) this.#d.log.info(r, 'sweep');
      return r;
    } finally {
      this.#sweeping = false;
    }
  }
}
