/**
 * When the outbox is replayed on the worker's own initiative. Chromium's `sync` event retries only after minutes,
 * so while entries remain the worker also retries on a timer with exponential backoff and jitter.
 *
 * The cap depends on whether a page of the widget is open: a shopper looking at "queued" should see the payment
 * complete within about a second of the server coming back; with nobody watching, a slower pace is enough.
 * (A failed attempt is cheap: offline, or with the server down, fetch fails at once.)
 */
import type { ReplayReport } from './outbox.js';

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_ATTENDED_MS = 1_000; // 1 s while a page of the widget is open
export const BACKOFF_CAP_UNATTENDED_MS = 30_000; // 30 s otherwise
export const RETRY_AFTER_MAX_MS = 10 * 60_000; // 10 min: a larger Retry-After is not honoured beyond this

/** Delay before the next try after `failures` passes in a row that delivered nothing. */
export function backoffDelay(failures: number, capMs: number, retryAfterMs: number | null, random: number): number {
  const raw = Math.min(capMs, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jittered = Math.round(raw * (0.8 + 0.4 * random)); // ±20 % so many pages do not retry in step
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_MAX_MS));
}

export interface SchedulerDeps {
  replay: () => Promise<ReplayReport>;
  /** Whether a page that may show the outcome is open. */
  isAttended: () => Promise<boolean>;
  /** Told after every pass (the worker broadcasts the outbox state). */
  onPass?: (report: ReplayReport, nextReplayAt: number | null) => void;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  now?: () => number;
  random?: () => number;
}

export class ReplayScheduler {
  readonly #deps: Required<SchedulerDeps>;
  #failures = 0;
  #timer: unknown = null;
  #nextReplayAt: number | null = null;
  #passes = 0;

  constructor(deps: SchedulerDeps) {
    this.#deps = {
      onPass: () => {},
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
      now: Date.now,
      random: Math.random,
      ...deps,
    };
  }

  get nextReplayAt(): number | null {
    return this.#nextReplayAt;
  }

  /** Replays now. `fresh` (a new entry, a page asking, the network back) restarts the backoff from its shortest delay. */
  async replayNow(fresh = false): Promise<ReplayReport> {
    if (fresh) this.#failures = 0;
    this.#cancelTimer();
    this.#passes++;
    try {
      const report = await this.#deps.replay();
      await this.#plan(report);
      return report;
    } finally {
      this.#passes--;
    }
  }

  /**
   * A page's "are you still at it?" (its keep-alive, its own reconnect tick): a pass only when none is running or
   * planned (the browser stopped the worker and its timer with it), without restarting the backoff. Null: nothing run.
   */
  async nudge(): Promise<ReplayReport | null> {
    if (this.#passes > 0 || this.#timer !== null) return null;
    return this.replayNow(false);
  }

  /** Plans the next try (used after a pass the worker ran itself, e.g. right after queueing). */
  async #plan(report: ReplayReport): Promise<void> {
    this.#cancelTimer();
    if (report.remaining === 0) {
      this.#failures = 0;
      this.#deps.onPass(report, null);
      return;
    }
    this.#failures = report.delivered > 0 ? 1 : this.#failures + 1;
    const cap = (await this.#deps.isAttended()) ? BACKOFF_CAP_ATTENDED_MS : BACKOFF_CAP_UNATTENDED_MS;
    const delay = backoffDelay(this.#failures, cap, report.retryAfterMs, this.#deps.random());
    // Passes that overlapped (the worker starting and activating at once) each plan: the last one's timer is the one.
    // Without this, both timers stay live, each firing the next: two chains of retries, twice the rate.
    this.#cancelTimer();
    this.#nextReplayAt = this.#deps.now() + delay;
    const timer = this.#deps.setTimer(() => {
      if (this.#timer === timer) this.#timer = null;
      void this.replayNow().catch(() => {});
    }, delay);
    this.#timer = timer;
    this.#deps.onPass(report, this.#nextReplayAt);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.#deps.clearTimer(this.#timer);
    this.#timer = null;
    this.#nextReplayAt = null;
  }
}
