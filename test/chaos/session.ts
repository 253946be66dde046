/**
 * One shopper's session as a patient client drives it: pay with a key (waiting on 202 and on payments in progress),
 * resume after a decline or an interrupt, read the session. What it sees is written to the ledger for the final checks.
 */
import { randomUUID } from 'node:crypto';
import { GaveUp, sleep, type Client } from './http.js';

export const CARDS = {
  ok: '4242424242424242',
  declined: '4000000000000002',
  insufficient: '4000000000009995',
  transient: '4000000000000119',
  slow: '4000000000006975',
  lost: '4000000000000341',
} as const;
export type Card = keyof typeof CARDS;

/** Which card stands for which injected fault in the counts. */
export const CARD_FAULT: Partial<Record<Card, string>> = {
  declined: 'card_0002',
  insufficient: 'card_9995',
  transient: 'card_0119',
  slow: 'card_6975',
  lost: 'card_0341',
};

export type PayOutcome =
  | { kind: 'completed'; paymentId: string }
  | { kind: 'declined'; code: string; canResume: boolean }
  | { kind: 'interrupted' }
  | { kind: 'open' }
  | { kind: 'order_paid' }
  | { kind: 'final'; status: string };

/** What the client saw, across all checkouts of one cluster. */
export class Ledger {
  /** sessionId → cluster name, for every 201 from create. */
  readonly created = new Map<string, string>();
  /** sessionId → paymentId of every 200 COMPLETED the client saw. */
  readonly sawCompleted = new Map<string, string>();
  /** sessionIds left alone to expire (checked in the database at the end). */
  readonly leftToExpire = new Map<string, string>();
  readonly ends: Record<string, number> = {};
  conflicts: string[] = [];

  completedSeen(sessionId: string, paymentId: string): void {
    const before = this.sawCompleted.get(sessionId);
    if (before && before !== paymentId) this.conflicts.push(`${sessionId}: 200 COMPLETED with ${before} and with ${paymentId}`);
    this.sawCompleted.set(sessionId, paymentId);
  }

  end(kind: string): void {
    this.ends[kind] = (this.ends[kind] ?? 0) + 1;
  }
}

const PATIENCE_MS = 90_000;
const POLL_MS = 150;

export class ShopperSession {
  constructor(
    readonly client: Client,
    readonly ledger: Ledger,
    readonly id: string,
    readonly secret: string,
    readonly orderId: string,
  ) {}

  static async create(client: Client, ledger: Ledger, orderId: string): Promise<ShopperSession> {
    const r = await client.send('POST', '/api/payments/session/create', { body: { orderId }, key: randomUUID() });
    if (r.status !== 201) throw new Error(`create session: ${r.status} ${JSON.stringify(r.body)}`);
    ledger.created.set(r.body.sessionId, client.cluster.name);
    return new ShopperSession(client, ledger, r.body.sessionId, r.body.clientSecret, orderId);
  }

  get path(): string {
    return `/api/payments/session/${this.id}`;
  }

  async get(): Promise<any> {
    const r = await this.client.send('GET', this.path, { auth: this.secret });
    if (r.status !== 200) throw new Error(`GET session: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async tokenize(card: Card): Promise<string> {
    const r = await this.client.send('POST', '/api/payments/test-processor/tokens', {
      body: { card: { number: CARDS[card], expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' } },
    });
    if (r.status !== 201) throw new Error(`tokenize: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token;
  }

  /** Waits until the session is no longer PROCESSING; returns it. */
  async settled(): Promise<any> {
    const until = performance.now() + PATIENCE_MS;
    for (;;) {
      const s = await this.get();
      if (s.status !== 'PROCESSING') return s;
      if (performance.now() > until) throw new GaveUp(`${this.id} stayed PROCESSING`);
      await sleep(POLL_MS);
    }
  }

  /** One payment attempt with one Idempotency-Key, driven until its outcome is known. */
  async pay(token: string, key: string, abortFirstAfterMs?: number): Promise<PayOutcome> {
    const until = performance.now() + PATIENCE_MS;
    for (let round = 0; ; round++) {
      if (performance.now() > until) throw new GaveUp(`${this.id}: no outcome for key ${key}`);
      const r = await this.client.send('POST', `${this.path}/complete`, {
        auth: this.secret,
        key,
        body: { paymentMethod: { token } },
        abortFirstAfterMs: round === 0 ? abortFirstAfterMs : undefined,
      });
      const code: string | undefined = r.body?.error?.code;
      if (r.status === 200) {
        if (r.body?.status !== 'COMPLETED' || typeof r.body.paymentId !== 'string') {
          this.client.rec.violation('bad_complete_answer', `${this.id}: ${JSON.stringify(r.body)}`);
          return this.#fromState(await this.settled());
        }
        this.ledger.completedSeen(this.id, r.body.paymentId);
        return { kind: 'completed', paymentId: r.body.paymentId };
      }
      if (r.status === 202) {
        // Outcome unknown: wait for the session to leave PROCESSING, then ask again with the same key (replays the final answer).
        const s = await this.settled();
        if (s.status !== 'PROCESSING') await sleep(POLL_MS);
        continue;
      }
      if (r.status === 402) {
        const d = r.body?.error?.details ?? {};
        return { kind: 'declined', code: code ?? '?', canResume: d.canResume === true };
      }
      if (r.status === 409 && code === 'payment_in_progress') {
        await this.settled();
        await sleep(POLL_MS);
        continue;
      }
      if (r.status === 409 && code === 'order_already_paid') return { kind: 'order_paid' };
      if (!((r.status === 409 && code === 'invalid_transition') || (r.status === 400 && code === 'invalid_payment_method'))) {
        this.client.rec.violation('unexpected_status', `POST complete → ${r.status} ${code ?? JSON.stringify(r.body).slice(0, 100)}`);
      }
      return this.#fromState(await this.settled());
    }
  }

  #fromState(s: any): PayOutcome {
    if (s.status === 'COMPLETED') return { kind: 'completed', paymentId: s.paymentId };
    if (s.status === 'INTERRUPTED') return { kind: 'interrupted' };
    if (s.status === 'INITIATED' || s.status === 'RESUMED') return { kind: 'open' };
    return { kind: 'final', status: s.status };
  }

  /** INTERRUPTED → RESUMED. Returns false when the session became final instead. */
  async resume(): Promise<boolean> {
    const key = randomUUID();
    const until = performance.now() + PATIENCE_MS;
    for (;;) {
      const r = await this.client.send('POST', `${this.path}/resume`, { auth: this.secret, key, body: {} });
      if (r.status === 200) return true;
      if (r.status !== 409) this.client.rec.violation('unexpected_status', `POST resume → ${r.status} ${r.body?.error?.code}`);
      const s = await this.settled();
      if (['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'].includes(s.status)) return false;
      if (s.status === 'RESUMED' || s.status === 'INITIATED') return true;
      // INTERRUPTED on its last attempt with a charge still unresolved: the reconciler decides.
      if (performance.now() > until) throw new GaveUp(`${this.id}: cannot resume (${s.status})`);
      await sleep(POLL_MS * 2);
    }
  }

  async interrupt(reason: string): Promise<void> {
    const r = await this.client.send('POST', `${this.path}/interrupt`, { auth: this.secret, key: randomUUID(), body: { reason } });
    if (r.status !== 200 && r.status !== 409) this.client.rec.violation('unexpected_status', `POST interrupt → ${r.status} ${r.body?.error?.code}`);
  }

  async cancel(): Promise<number> {
    const r = await this.client.send('POST', `${this.path}/cancel`, { auth: this.secret, key: randomUUID(), body: { reason: 'chaos' } });
    if (r.status !== 200 && r.status !== 409) this.client.rec.violation('unexpected_status', `POST cancel → ${r.status} ${r.body?.error?.code}`);
    return r.status;
  }
}
