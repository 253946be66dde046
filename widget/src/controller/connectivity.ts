/**
 * Reaching the payment server again. While it cannot be reached the checkout tries by itself: backoff with jitter from
 * about 1 s, capped at about 10 s, for as long as the page is open, and at once when the browser comes back online or
 * the page becomes visible. Telling a server that is away from one that refuses this page's origin is `diagnose.ts`.
 */
export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 10_000;

/**
 * The n-th wait (0-based): 1 s, 1.5 s, 2.25 s, 3.4 s, 5.1 s, 7.6 s, then 10 s… each drawn in [½, 1] of it so many pages do
 * not come back in step. Growth 1.5 rather than 2: a server back after a restart (seconds) is met within about a second.
 */
export function backoffDelay(n: number, random: () => number = Math.random): number {
  const full = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 1.5 ** Math.min(n, 10));
  return Math.round(full / 2 + (full / 2) * random());
}

export interface ReconnectOptions {
  /** One more try; resolves true when the server answered. */
  attempt: () => Promise<boolean>;
  random?: () => number;
}

/** Schedules tries until one reaches the server; `now()` tries at once (online, page visible, Retry). */
export class Reconnector {
  readonly #o: ReconnectOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #tries = 0;
  #running = false;
  #stopped = false;

  constructor(options: ReconnectOptions) {
    this.#o = options;
  }

  get waiting(): boolean {
    return this.#timer !== null;
  }

  /** Another try later (the first after ~1 s), unless one is already due. */
  schedule(): void {
    if (this.#stopped || this.#timer || this.#running) return;
    this.#timer = setTimeout(() => void this.now(), backoffDelay(this.#tries++, this.#o.random));
  }

  /** Tries now; on failure the next try is scheduled with a longer wait, on success the waits start over. */
  async now(): Promise<void> {
    if (this.#stopped || this.#running) return;
    this.cancel();
    this.#running = true;
    let reached: boolean;
    try {
      reached = await this.#o.attempt();
    } catch {
      reached = false;
    } finally {
      this.#running = false;
    }
    if (reached) this.#tries = 0;
    else this.schedule();
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  reset(): void {
    this.cancel();
    this.#tries = 0;
  }

  stop(): void {
    this.#stopped = true;
    this.cancel();
  }
}
