/**
 * Live session status: the server's event stream (SSE, `event: status`), falling back to `PaymentStatusPoller`
 * when the stream fails; and the session read again when its lifetime ends. `stop()` ends all; nothing is delivered after it.
 */
import { isFinal, type SessionJson } from './wire.js';
import { PaymentStatusPoller } from './poller.js';

/** setTimeout's longest delay (about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Past `expiresAt` by this browser's clock but not by the server's (a clock ahead): asked again this often. */
const EXPIRY_RECHECK_MS = 5_000;

export interface LiveStatusOptions {
  url: string;
  fetchSession: () => Promise<SessionJson>;
  onSession: (session: SessionJson) => void;
  /** A poll got no session (no answer, or not a 200). */
  onError?: () => void;
  pollIntervalMs?: number;
  maxPolls?: number;
  /** Injected in tests; the browser's EventSource otherwise. */
  EventSourceImpl?: typeof EventSource;
}

export class LiveStatus {
  readonly #o: LiveStatusOptions;
  #source: EventSource | null = null;
  #poller: PaymentStatusPoller | null = null;
  #stopped = false;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  /** `sse` while the stream is open, `polling` after it failed. */
  mode: 'sse' | 'polling' | 'stopped' = 'stopped';

  constructor(options: LiveStatusOptions) {
    this.#o = options;
  }

  start(): void {
    this.#stopped = false;
    const ES = this.#o.EventSourceImpl ?? (typeof EventSource === 'undefined' ? undefined : EventSource);
    if (!ES) return this.#poll();
    const source = new ES(this.#o.url);
    this.#source = source;
    this.mode = 'sse';
    source.addEventListener('status', (event) => {
      if (this.#stopped) return;
      try {
        this.#deliver(JSON.parse((event as MessageEvent<string>).data) as SessionJson);
      } catch {
        // A malformed event is skipped; the next one carries the whole session again.
      }
    });
    // EventSource retries by itself after a dropped connection, but not after an HTTP error; either way the poller
    // takes over at once so the shopper is never left without updates.
    source.addEventListener('error', () => {
      if (this.#stopped || this.#source !== source) return;
      source.close();
      this.#source = null;
      this.#poll();
    });
  }

  stop(): void {
    this.#stopped = true;
    this.mode = 'stopped';
    this.#source?.close();
    this.#source = null;
    this.#poller?.stop();
    this.#poller = null;
    clearTimeout(this.#expiry);
  }

  #deliver(session: SessionJson): void {
    if (this.#stopped) return;
    this.#o.onSession(session);
    if (isFinal(session.status)) return this.stop();
    this.#expireAt(session.expiresAt);
  }

  /**
   * The session is read again when its lifetime ends: the server expires an overdue session as it reads it, so the page
   * says it expired while nothing else happens (the server's sweep, which tells the stream, runs minutes apart).
   */
  #expireAt(expiresAt: string | undefined): void {
    clearTimeout(this.#expiry);
    if (this.#stopped) return;
    const left = expiresAt ? Date.parse(expiresAt) - Date.now() : NaN;
    if (Number.isNaN(left)) return;
    const read = () =>
      this.#o.fetchSession().then(
        (s) => this.#deliver(s),
        () => this.#expireAt(expiresAt),
      );
    this.#expiry = setTimeout(read, left > 0 ? Math.min(left + 500, MAX_DELAY_MS) : EXPIRY_RECHECK_MS);
  }

  #poll(): void {
    this.mode = 'polling';
    this.#poller = new PaymentStatusPoller({
      fetchSession: this.#o.fetchSession,
      onSession: (s) => this.#deliver(s),
      onError: this.#o.onError,
      intervalMs: this.#o.pollIntervalMs,
      maxPolls: this.#o.maxPolls,
      // After maxPolls without a final status, give the stream another chance (the network may be back).
      onDone: (reason) => reason === 'exhausted' && !this.#stopped && this.start(),
    });
    this.#poller.start();
  }
}
