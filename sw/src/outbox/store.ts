/**
 * The outbox's storage: the only file of the worker that knows IndexedDB. It uses the one shared schema
 * (`widget/src/shared/schema.ts`, store `outbox`), opened as the widget opens it (`widget/src/shared/database.ts`),
 * through `idb`.
 */
import { wrap, type IDBPDatabase } from 'idb';
import { checkoutConnection } from '../../../widget/src/shared/database.js';
import type { CheckoutDB, OutboxEntry } from '../../../widget/src/shared/schema.js';

export type StoredOutboxEntry = OutboxEntry & { id: number };

export interface OutboxStore {
  /** Adds an entry; when one with the same Idempotency-Key already waits, returns that one unchanged. */
  add(entry: OutboxEntry): Promise<StoredOutboxEntry>;
  /** Every waiting entry, oldest first. */
  all(): Promise<StoredOutboxEntry[]>;
  update(entry: StoredOutboxEntry): Promise<void>;
  remove(id: number): Promise<void>;
}

export class IdbOutboxStore implements OutboxStore {
  // A failed open (quota, private mode) is tried again next time instead of being kept.
  readonly #connection = checkoutConnection();

  async #open(): Promise<IDBPDatabase<CheckoutDB>> {
    return wrap(await this.#connection()) as IDBPDatabase<CheckoutDB>;
  }

  async add(entry: OutboxEntry): Promise<StoredOutboxEntry> {
    const db = await this.#open();
    const tx = db.transaction('outbox', 'readwrite');
    const existing = await tx.store.index('byIdempotencyKey').get(entry.idempotencyKey);
    if (existing) {
      await tx.done;
      return existing as StoredOutboxEntry;
    }
    const { id: _ignored, ...fresh } = entry;
    const id = await tx.store.add(fresh as OutboxEntry);
    await tx.done;
    return { ...fresh, id };
  }

  async all(): Promise<StoredOutboxEntry[]> {
    const db = await this.#open();
    return (await db.getAllFromIndex('outbox', 'byQueuedAt')) as StoredOutboxEntry[];
  }

  async update(entry: StoredOutboxEntry): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction('outbox', 'readwrite');
    // Only if it is still there: a concurrent pass may have delivered it meanwhile.
    if (await tx.store.get(entry.id)) await tx.store.put(entry);
    await tx.done;
  }

  async remove(id: number): Promise<void> {
    const db = await this.#open();
    await db.delete('outbox', id);
  }
}

/** For tests and for a worker whose IndexedDB cannot open: same behaviour, kept in memory. */
export class MemoryOutboxStore implements OutboxStore {
  #entries = new Map<number, StoredOutboxEntry>();
  #nextId = 1;

  async add(entry: OutboxEntry): Promise<StoredOutboxEntry> {
    for (const e of this.#entries.values()) if (e.idempotencyKey === entry.idempotencyKey) return structuredClone(e);
    const stored = { ...structuredClone(entry), id: this.#nextId++ };
    this.#entries.set(stored.id, stored);
    return structuredClone(stored);
  }

  async all(): Promise<StoredOutboxEntry[]> {
    return [...this.#entries.values()].sort((a, b) => a.queuedAt - b.queuedAt || a.id - b.id).map((e) => structuredClone(e));
  }

  async update(entry: StoredOutboxEntry): Promise<void> {
    if (this.#entries.has(entry.id)) this.#entries.set(entry.id, structuredClone(entry));
  }

  async remove(id: number): Promise<void> {
    this.#entries.delete(id);
  }
}
