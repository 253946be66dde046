/**
 * What this checkout remembers in IndexedDB: its session (id, secret, status, attempt), the payment attempt awaiting
 * its answer (key and token, saved before the request leaves, so a reload re-sends the same key, never a new one), and
 * the Idempotency-Keys of its other POSTs. Never card data.
 */
import type { PendingAttempt, StoredSession } from '../shared/schema.js';
import type { SessionStore } from '../storage/session-store.js';
import type { SessionJson } from './types.js';

export class AttemptRecord {
  readonly #store: SessionStore;
  readonly #key: string;
  readonly #apiBase: string;
  readonly #uuid: () => string;
  readonly #now: () => number;
  #record: StoredSession | null = null;

  constructor(store: SessionStore, key: string, apiBase: string, uuid: () => string, now: () => number) {
    this.#store = store;
    this.#key = key;
    this.#apiBase = apiBase;
    this.#uuid = uuid;
    this.#now = now;
  }

  get current(): StoredSession | null {
    return this.#record;
  }

  get pending(): PendingAttempt | null {
    return this.#record?.pending ?? null;
  }

  get secret(): { sessionId: string; clientSecret: string } | null {
    return this.#record && { sessionId: this.#record.sessionId, clientSecret: this.#record.clientSecret };
  }

  /** The record as IndexedDB has it now, without taking it as this checkout's (only the tab that leads loads it). */
  async peek(): Promise<StoredSession | null> {
    return (await this.#store.get(this.#key)) ?? null;
  }

  async load(): Promise<StoredSession | null> {
    this.#record = (await this.#store.get(this.#key)) ?? null;
    return this.#record;
  }

  /** A session this page did not have yet (created here, or given by the merchant's backend). */
  async adopt(
    sessionId: string,
    clientSecret: string,
    orderId: string,
    s: Pick<SessionJson, 'status' | 'attempts' | 'maxAttempts' | 'amount' | 'currency'> | null,
    save = true,
  ): Promise<void> {
    this.#record = {
      key: this.#key,
      api: this.#apiBase,
      orderId,
      sessionId,
      clientSecret,
      status: s?.status ?? 'INITIATED',
      attempt: s?.attempts ?? 0,
      maxAttempts: s?.maxAttempts ?? 0,
      pending: null,
      opKeys: {},
      reason: null,
      amount: s?.amount ?? null,
      currency: s?.currency ?? null,
      updatedAt: this.#now(),
    };
    if (save) await this.#store.put(this.#record);
  }

  async save(patch: Partial<StoredSession>): Promise<void> {
    if (!this.#record) return;
    const next = { ...this.#record, ...patch };
    const same = (Object.keys(patch) as (keyof StoredSession)[]).every((k) => JSON.stringify(next[k]) === JSON.stringify(this.#record![k]));
    if (same) return;
    this.#record = { ...next, updatedAt: this.#now() };
    await this.#store.put(this.#record);
  }

  /** The key of an operation (`resume:2`, `cancel`…): made once, saved before its request leaves. */
  async opKey(name: string): Promise<string> {
    const existing = this.#record?.opKeys?.[name];
    if (existing) return existing;
    const key = this.#uuid();
    await this.save({ opKeys: { ...this.#record?.opKeys, [name]: key } });
    return key;
  }

  ownsKey(key: string): boolean {
    return Object.values(this.#record?.opKeys ?? {}).includes(key);
  }

  async startAttempt(attempt: number, token: string): Promise<PendingAttempt> {
    const pending: PendingAttempt = { idempotencyKey: this.#uuid(), attempt, startedAt: this.#now(), token };
    await this.save({ pending, reason: null });
    return pending;
  }

  async clearPending(): Promise<void> {
    if (this.#record?.pending) await this.save({ pending: null });
  }

  async forget(): Promise<void> {
    this.#record = null;
    await this.#store.delete(this.#key);
  }
}
