/**
 * Session-change notifications for SSE subscribers. In-process here; the PostgreSQL deployment wraps it with
 * LISTEN/NOTIFY so a subscriber on one instance hears changes made through another.
 */
import { EventEmitter } from 'node:events';
import type { SessionEvents } from './model.js';

export type { SessionEvents } from './model.js';

export class LocalSessionEvents implements SessionEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(sessionId: string): void {
    this.#emitter.emit(sessionId);
  }

  subscribe(sessionId: string, onChange: () => void): () => void {
    this.#emitter.on(sessionId, onChange);
    return () => this.#emitter.off(sessionId, onChange);
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}
