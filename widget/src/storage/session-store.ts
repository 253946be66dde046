/**
 * Where the widget remembers its checkouts: the `sessions` store of the shared schema (schema.ts), through `idb`.
 * Records never hold card data (see `StoredSession`). When IndexedDB is unavailable (some private modes) the widget
 * still works for the life of the page, from memory.
 */
import { openCheckoutDB, type StoredSession } from './schema.js';

export interface SessionStore {
  get(key: string): Promise<StoredSession | undefined>;
  put(record: StoredSession): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The key of a checkout: one per API and order (or per merchant-created session). */
export function checkoutKey(api: string, orderId: string | null, sessionId: string | null): string {
  return sessionId && !orderId ? `${api}|session:${sessionId}` : `${api}|${orderId ?? ''}`;
}

export class MemorySessionStore implements SessionStore {
  readonly records = new Map<string, StoredSession>();
  async get(key: string) {
    const r = this.records.get(key);
    return r && structuredClone(r);
  }
  async put(record: StoredSession) {
    this.records.set(record.key, structuredClone(record));
  }
  async delete(key: string) {
    this.records.delete(key);
  }
}

let shared: ReturnType<typeof openCheckoutDB> | null = null;

export class IdbSessionStore implements SessionStore {
  readonly #fallback = new MemorySessionStore();
  #broken = false;

  #db() {
    shared ??= openCheckoutDB();
    return shared;
  }

  async get(key: string) {
    return this.#try(async () => (await this.#db()).get('sessions', key), () => this.#fallback.get(key));
  }

  async put(record: StoredSession) {
    await this.#fallback.put(record);
    await this.#try(async () => void (await this.#db()).put('sessions', record), async () => {});
  }

  async delete(key: string) {
    await this.#fallback.delete(key);
    await this.#try(async () => (await this.#db()).delete('sessions', key), async () => {});
  }

  async #try<T>(work: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.#broken) return fallback();
    try {
      return await work();
    } catch {
      this.#broken = true;
      shared = null;
      return fallback();
    }
  }
}
