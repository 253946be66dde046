/**
 * Background upkeep, each on its own timer: reconcile unresolved charges (every RECONCILE_INTERVAL_MS),
 * expire overdue sessions and purge what is past retention (every SWEEP_INTERVAL_MS). Every run is also safe to call directly.
 */
import type { Logger } from '../log.js';
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

  constructor(deps: SweeperDeps) {
    this.#d = deps;
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<unknown>) => {
      if (ms <= 0) return;
      const t = setInterval(() => void fn().catch((err) => this.#d.log.error({ err }, 'background job failed')), ms);
      t.unref();
      this.#timers.push(t);
    };
    every(this.#d.reconcileIntervalMs, () => this.#d.charges.reconcileDue());
    every(this.#d.sweepIntervalMs, () => this.sweep());
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
        const purgedSessions = await this.#d.store.purgeFinalSessions(now - this.#d.retentionMs);
        const purgedKeys = await this.#d.store.purgeIdempotency(now);
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
