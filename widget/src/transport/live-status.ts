/**
 * Live session status: the server's event stream (SSE, `event: status`), falling back to `PaymentStatusPoller`
 * when the stream fails. `stop()` ends both; nothing is delivered after it.
 */
import { isFinal, type SessionJson } from './wire.js';
import { PaymentStatusPoller } from './poller.js';

export interface LiveStatusOptions {
  url: string;
  fetchSession: () => Promise<SessionJson>;
  onSession: (session: SessionJson) => void;
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
        const session = JSON.parse((event as MessageEvent<string>).data) as SessionJson;
        this.#o.onSession(session);
        if (isFinal(session.status)) this.stop();
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
  }

  #poll(): void {
    this.mode = 'polling';
    this.#poller = new PaymentStatusPoller({
      fetchSession: this.#o.fetchSession,
      onSession: (s) => !this.#stopped && this.#o.onSession(s),
      intervalMs: this.#o.pollIntervalMs,
      maxPolls: this.#o.maxPolls,
      // After maxPolls without a final status, give the stream another chance (the network may be back).
      onDone: (reason) => reason === 'exhausted' && !this.#stopped && this.start(),
    });
    this.#poller.start();
  }
}
