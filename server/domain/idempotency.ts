/**
 * Idempotency records (docs/API.md "Idempotency", IETF draft semantics): the one owner of a key's life.
 *
 *   claim ──▶ in_flight ──finish──▶ done            (2xx, 402: the answer is replayed from now on)
 *                │          └─────▶ pending (202) ──settleByCharge──▶ done
 *                ├─ linkCharge / a charge's start: the key follows that charge; its settlement writes the final answer
 *                └─ release: gone (an answer decided before the operation ran: a corrected retry runs)
 *
 * A request claims its key, or gets the stored answer to replay (the same key with another body is 422, a request still
 * running with it 409). Only the holder finishes a key, and only while it is in flight: an answer the charge's settlement
 * already wrote under the key stays as it is.
 */
import { AppError } from '../errors.js';
import type { Repositories } from '../store/types.js';

/** The key a request holds while it runs. */
export interface HeldKey {
  scope: string;
  key: string;
  /** The charge this key already follows (a retry that took over the key of a request that died mid-charge). */
  chargeKey: string | null;
}

/** An answer as the API gives it: stored for replays under the keys of the requests it answers. */
export interface ApiResult {
  status: number;
  body: unknown;
}

export interface ClaimOptions {
  ttlMs: number;
  /** How long a running request holds its key before a retry may take it over (the holder died). */
  leaseMs: number;
  now: () => number;
  /** Turns a stored answer back into the answer, or null: it cannot be given again and the request runs anew. */
  replayAs?: (stored: string) => Promise<string | null>;
}

export type Claim = { held: HeldKey } | { replay: { status: number; body: string } };

/** A 202's answer while its charge is unresolved. */
const PROCESSING = JSON.stringify({ status: 'PROCESSING' });

/** Outcomes are stored; anything else was decided before the operation ran. */
export const isOutcome = (status: number) => (status >= 200 && status < 300) || status === 402;

export async function claim(store: Repositories, scope: string, key: string, fingerprint: string, opts: ClaimOptions): Promise<Claim> {
  for (let tries = 0; ; tries++) {
    const t = opts.now();
    const row = { scope, key, fingerprint, state: 'in_flight', statusCode: null, responseBody: null, chargeKey: null } as const;
    if (await store.idempotency.insert({ ...row, createdAt: t, expiresAt: t + opts.ttlMs, leaseUntil: t + opts.leaseMs })) {
      return { held: { scope, key, chargeKey: null } };
    }
    const rec = await store.idempotency.get(scope, key);
    if (!rec) continue; // released between the two statements: try again
    if (rec.fingerprint !== fingerprint) throw new AppError('idempotency_key_reused');
    if (rec.state !== 'in_flight') {
      const body = rec.state === 'pending' ? PROCESSING : opts.replayAs ? await opts.replayAs(rec.responseBody!) : rec.responseBody!;
      if (body !== null) return { replay: { status: rec.state === 'pending' ? 202 : rec.statusCode!, body } };
      if (tries >= 3) throw new AppError('idempotency_key_in_flight');
      await store.idempotency.delete(scope, key);
      continue;
    }
    if (rec.leaseUntil < t && (await store.idempotency.takeOver(scope, key, fingerprint, t, t + opts.leaseMs))) {
      return { held: { scope, key, chargeKey: rec.chargeKey } };
    }
    if (tries > 3 || rec.leaseUntil >= t) throw new AppError('idempotency_key_in_flight');
  }
}

/**
 * Stores the request's answer under its key: an outcome is kept (a 202 as pending on the charge the key follows), any
 * other answer releases the key. `body` is read only for an outcome.
 */
export async function finish(store: Repositories, held: HeldKey, status: number, body: () => Promise<string>): Promise<void> {
  if (!isOutcome(status)) return release(store, held);
  const responseBody = await body();
  if (status !== 202) {
    await store.idempotency.finish(held.scope, held.key, { state: 'done', statusCode: status, responseBody, chargeKey: null });
    return;
  }
  // The charge the answer waits on was linked when it started (or by linkCharge): keep that link for its settlement.
  const chargeKey = (await store.idempotency.get(held.scope, held.key))?.chargeKey ?? null;
  await store.idempotency.finish(held.scope, held.key, { state: 'pending', statusCode: status, responseBody, chargeKey });
}

/** Gives the key back: the request ends without an outcome, so a retry runs anew. */
export function release(store: Repositories, held: HeldKey): Promise<void> {
  return store.idempotency.delete(held.scope, held.key);
}

/**
 * The key follows a charge it did not start (the request waits on an earlier one): that charge's settlement answers it.
 * A settlement that committed before the link did not see the key: the caller reads the charge again after linking.
 */
export function linkCharge(store: Repositories, held: HeldKey, chargeKey: string): Promise<void> {
  return store.idempotency.finish(held.scope, held.key, { state: 'in_flight', statusCode: null, responseBody: null, chargeKey });
}

/** An answer as a record keeps it. */
export function storedAnswer(answer: ApiResult): { statusCode: number; responseBody: string } {
  return { statusCode: answer.status, responseBody: JSON.stringify(answer.body) };
}

/** A charge's settlement: its final answer in every key that follows it and has none yet (pending, or held by a request that died). */
export function settleByCharge(tx: Repositories, chargeKey: string, answer: ApiResult): Promise<void> {
  const { statusCode, responseBody } = storedAnswer(answer);
  return tx.idempotency.resolvePending(chargeKey, statusCode, responseBody);
}
