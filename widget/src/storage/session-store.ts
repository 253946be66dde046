/**
 * Where the widget remembers its checkouts: the `sessions` store of the shared schema (schema.ts). Records never hold
 * card data (see `StoredSession`). When IndexedDB is unavailable (some private modes) the widget still works for the
 * life of the page, from memory.
 *
 * Plain IndexedDB here (one get, put and delete): `idb`'s promise wrapper, which the service worker uses for its
 * outbox, would be a fifth of the widget's entry bundle.
 */
import { checkoutConnection, done } from '../shared/database.js';
import type { StoredSession } from '../shared/schema.js';

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

/** One connection for every checkout of the page. */
const database = checkoutConnection();

export class IdbSessionStore implements SessionStore {
  readonly #fallback = new MemorySessionStore();
  #broken = false;

  async get(key: string) {
    return this.#try(
      () => this.#run<StoredSession | undefined>('readonly', (s) => s.get(key)),
      () => this.#fallback.get(key),
    );
  }

  async put(record: StoredSession) {
    await this.#fallback.put(record);
    await this.#try(
      () => this.#run('readwrite', (s) => s.put(record)).then(() => {}),
      async () => {},
    );
  }

  async delete(key: string) {
    await this.#fallback.delete(key);
    await this.#try(
      () => this.#run('readwrite', (s) => s.delete(key)).then(() => {}),
      async () => {},
    );
  }

  /** One request in its own transaction; a write resolves once the transaction has committed. */
  async #run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const tx = (await database()).transaction('sessions', mode);
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new DOMException('aborted', 'AbortError'));
    });
    const [result] = await Promise.all([done(work(tx.objectStore('sessions'))), committed]);
    return result as T;
  }

  async #try<T>(work: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.#broken) return fallback();
    try {
      return await work();
    } catch {
      this.#broken = true;
      database.forget();
      return fallback();
    }
  }
}
