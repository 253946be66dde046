/**
 * Idempotency-Key for POSTs (docs/API.md "Idempotency"): the key's format, the request's fingerprint and its scope here;
 * the record's life (claim, replay, finish, release) in domain/idempotency.ts. The first request with a key runs and its
 * outcome is stored; the same key and body later replays it (`Idempotent-Replayed: true`); a different body is 422;
 * a request while the first is still running is 409. Only outcomes are stored (2xx and 402); answers decided before the
 * operation ran (400, 401, 404, 409, 429, …) release the key so a corrected retry runs. A 202 stays "pending" until the
 * charge it waits on settles, and then replays the final answer.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { type ApiResult, claim, type ClaimOptions, finish, type HeldKey, isOutcome, release } from '../../domain/idempotency.js';
import { AppError } from '../../errors.js';
import { sha256 } from '../../ids.js';
import type { Store } from '../../store/types.js';
import { idempotencyKeyOf } from './key.js';

export interface IdempotencyOptions extends ClaimOptions {
  store: Store;
  /** Missing key: 400 when required, otherwise the request runs without idempotency. */
  required: boolean;
  /** Which caller the key belongs to (keys never cross scopes). */
  scope: (c: Parameters<MiddlewareHandler>[0]) => string;
  onReplay?: () => void;
  /** What of an answer is stored (e.g. without a secret); `replayAs` turns it back into the answer. */
  storeAs?: (body: string) => string;
  /** How the request is fingerprinted at rest (default sha256); a keyed HMAC where the body holds card data. */
  fingerprintOf?: (request: string) => string;
}

declare module 'hono' {
  interface ContextVariableMap {
    idempotency: HeldKey | undefined;
    /** What the route says its key is to store (storeUnderKey); absent: the response as sent. */
    idempotencyAnswer: ApiResult | null | undefined;
  }
}

/**
 * For a route that knows its answer: what its key is to store, or null when that is stored already (by the settlement
 * of the charge the key follows). The response then need not be read back.
 */
export function storeUnderKey(c: Context, answer: ApiResult | null): void {
  c.set('idempotencyAnswer', answer);
}

export function idempotency(opts: IdempotencyOptions): MiddlewareHandler {
  const { store, storeAs } = opts;
  return async function idempotencyMiddleware(c, next) {
    const key = idempotencyKeyOf(c); // unquoted and checked: `"abc"` and `abc` are one key
    if (key === undefined) {
      if (opts.required) throw new AppError('idempotency_key_required');
      return next();
    }
    const body = await c.req.text();
    const fingerprint = (opts.fingerprintOf ?? sha256)(`${c.req.method} ${c.req.path}\n${body}`);
    const claimed = await claim(store, opts.scope(c), key, fingerprint, opts);
    if ('replay' in claimed) {
      opts.onReplay?.();
      const { status, body: replayed } = claimed.replay;
      return c.body(replayed, status as 200, { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' });
    }
    const held = claimed.held;
    c.set('idempotency', held);
    try {
      await next();
    } catch (err) {
      await release(store, held);
      throw err;
    }
    const res = c.res;
    const given = c.get('idempotencyAnswer');
    if (given === null && isOutcome(res.status)) return;
    await finish(store, held, res.status, async () => {
      const text = given ? JSON.stringify(given.body) : await res.clone().text();
      return storeAs ? storeAs(text) : text;
    });
  };
}
