import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isUnauthorized } from './admin-api.js';

/** "Updated without reload": a listing is read again this often. */
export const POLL_MS = 2_000;

/**
 * A listing of the dashboard, live and paged by cursor: read when its element connects and again every POLL_MS while it
 * stays connected. `refresh()` reads at once and restarts the timer; the latest call wins (an answer to an older read is
 * dropped). A 401 stops the loop and fires `admin-unauthorized` on the element (the token was wrong or rotated).
 */
export class LiveList implements ReactiveController {
  /** Cursor of every page up to the current one ([null] = the first page). */
  cursors: (string | null)[] = [null];
  #timer = 0;
  #generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    /** Reads the page at `cursor`; returns what to apply once it is known to be the latest answer. */
    private readonly read: (cursor: string | null) => Promise<() => void>,
    /** Says that a read failed (the loop goes on). */
    private readonly failed: (error: Error) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.refresh();
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#generation++;
  }

  /** 1 for the first page. */
  get pageNumber(): number {
    return this.cursors.length;
  }

  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    const gen = ++this.#generation;
    try {
      const apply = await this.read(this.cursors[this.cursors.length - 1]);
      if (gen !== this.#generation) return;
      apply();
    } catch (e) {
      if (gen !== this.#generation || this.unauthorized(e)) return;
      this.failed(e as Error);
    }
    if (gen === this.#generation && this.host.isConnected) this.#timer = window.setTimeout(() => this.refresh(), POLL_MS);
  }

  /** True for the server's 401, after firing `admin-unauthorized`: for the element's own requests too. */
  unauthorized(e: unknown): boolean {
    if (!isUnauthorized(e)) return false;
    this.host.dispatchEvent(new CustomEvent('admin-unauthorized', { bubbles: true, composed: true }));
    return true;
  }

  /** Back to the first page (a new filter). */
  reset(): void {
    this.#go([null]);
  }

  /** The page at `nextCursor`, the current page's `nextCursor` (none: the last page, nothing to do). */
  next(nextCursor: string | null | undefined): void {
    if (nextCursor) this.#go([...this.cursors, nextCursor]);
  }

  previous(): void {
    if (this.cursors.length > 1) this.#go(this.cursors.slice(0, -1));
  }

  #go(cursors: (string | null)[]): void {
    this.cursors = cursors;
    this.host.requestUpdate();
    void this.refresh();
  }
}
