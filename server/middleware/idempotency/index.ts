/**
 * Idempotency-Key for POSTs (docs/API.md "Idempotency", IETF draft semantics). The first request with a key runs and its
 * outcome is stored; the same key and body later replays it (`Idempotent-Replayed: true`); a different body is 422;
 * a request while the first is still running is 409. Only outcomes are stored (2xx and 402); answers decided before the
 * operation ran (400, 401, 404, 409, 429, …) release the key so a corrected retry runs. A 202 stays "pending" until the
 * charge it waits on settles, and then replays the final answer.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';
import { sha256 } from '../../ids.js';
import type { Store } from '../../store/types.js';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;

export interface IdempotencyOptions {
  store: Store;
  /** Missing key: 400 when required, otherwise the request runs without idempotency. */
  required: boolean;
  /** Which caller the key belongs to (keys never cross scopes). */
  scope: (c: Parameters<MiddlewareHandler>[0]) => string;
  ttlMs: number;
  /** How long a running request holds its key before a retry may take it over (the holder died). */
  leaseMs: number;
  now: () => number;
  onReplay?: () => void;
  /** What of a stored answer is kept (e.g. without a secret); `replayAs` turns it back into the answer, or null: run again. */
  storeAs?: (body: string) => string;
  replayAs?: (stored: string) => Promise<string | null>;
  /** How the request is fingerprinted at rest (default sha256); a keyed HMAC where the body holds card data. */
  fingerprintOf?: (request: string) => string;
}

/** The key a request holds while it runs; the operation sets `answered` when it stored its answer under the key itself. */
interface HeldKey {
  scope: string;
  key: string;
  chargeKey: string | null;
  answered?: boolean;
}

declare module 'hono' {
  interface ContextVariableMap {
    idempotency: HeldKey | undefined;
  }
}

const isStored = (status: number) => (status >= 200 && status < 300) || status === 402;

const replayable = (stored: string, opts: IdempotencyOptions) => (opts.replayAs ? opts.replayAs(stored) : stored);

export function idempotency(opts: IdempotencyOptions): MiddlewareHandler {
  return async function idempotencyMiddleware(c, next) {
    const key = c.req.header('Idempotency-Key');
    if (key === undefined) {
      if (opts.required) throw new AppError('idempotency_key_required');
      return next();
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw new AppError('invalid_idempotency_key');
    const body = await c.req.text();
    const fingerprint = (opts.fingerprintOf ?? sha256)(`${c.req.method} ${c.req.path}\n${body}`);
    const scope = opts.scope(c);
    const { store, now } = opts;

    let chargeKey: string | null = null;
    for (let tries = 0; ; tries++) {
      const t = now();
      const inserted = await store.idempotency.insert({
        scope,
        key,
        fingerprint,
        state: 'in_flight',
        statusCode: null,
        responseBody: null,
        chargeKey: null,
        createdAt: t,
        expiresAt: t + opts.ttlMs,
        leaseUntil: t + opts.leaseMs,
      });
      if (inserted) break;
      const rec = await store.idempotency.get(scope, key);
      if (!rec) continue; // released between the two statements: try again
      if (rec.fingerprint !== fingerprint) throw new AppError('idempotency_key_reused');
      if (rec.state === 'done' || rec.state === 'pending') {
        const status = rec.state === 'pending' ? 202 : rec.statusCode!;
        const replayBody = rec.state === 'pending' ? JSON.stringify({ status: 'PROCESSING' }) : await replayable(rec.responseBody!, opts);
        if (replayBody === null && tries < 3) {
          await store.idempotency.delete(scope, key); // the answer cannot be given again: the request runs anew
          continue;
        }
        if (replayBody === null) throw new AppError('idempotency_key_in_flight');
        opts.onReplay?.();
        return c.body(replayBody, status as 200, { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' });
      }
      if (rec.leaseUntil < t && (await store.idempotency.takeOver(scope, key, fingerprint, t, t + opts.leaseMs))) {
        chargeKey = rec.chargeKey;
        break;
      }
      if (tries > 3 || rec.leaseUntil >= t) throw new AppError('idempotency_key_in_flight');
    }

    const ref: HeldKey = { scope, key, chargeKey };
    c.set('idempotency', ref);
    try {
      await next();
    } catch (err) {
      await store.idempotency.delete(scope, key);
      throw err;
    }
    const status = c.res.status;
    if (!isStored(status)) {
      await store.idempotency.delete(scope, key);
      return;
    }
    if (ref.answered) return; // the operation stored its answer itself
    const stored = await store.idempotency.get(scope, key);
    if (stored?.state === 'done') return; // the charge's settlement already wrote the final answer
    const text = await c.res.clone().text();
    const responseBody = opts.storeAs ? opts.storeAs(text) : text;
    await store.idempotency.finish(scope, key, {
      state: status === 202 ? 'pending' : 'done',
      statusCode: status,
      responseBody,
      chargeKey: stored?.chargeKey ?? null,
    });
  };
}
