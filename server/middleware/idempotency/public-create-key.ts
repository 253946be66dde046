/**
 * Idempotency-Key on a shopper's create (docs/hardening.md "Create keys"). A replayed create hands out a client secret,
 * so whoever can present the same key (and body) gets that session. A browser caller has nothing else the server could
 * tell it apart by: behind one NAT or proxy, many shoppers share an address, a user agent, an origin. So the key itself
 * is the caller's proof, and it must be one nobody else can come up with: at least PUBLIC_CREATE_KEY_MIN_LENGTH characters
 * (a `crypto.randomUUID()`, as the widget sends). A shorter key — `order-123`, a counter, a timestamp — could be chosen
 * by two shoppers alike and is refused with 400 `invalid_idempotency_key` before anything runs or is stored. The record is
 * also scoped to the client address, so even a leaked key replays nothing to a caller elsewhere.
 * Merchant-key creates are scoped to the merchant, who owns all its keys.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';
import { idempotencyKeyOf } from './key.js';

export const PUBLIC_CREATE_KEY_MIN_LENGTH = 22; // ≥ 128 bits in base62; a UUID has 36 characters

export function publicCreateKey(): MiddlewareHandler {
  return unguessableKey('A create without the merchant key', (c) => c.get('caller')?.kind === 'public');
}

/**
 * The same rule for any public POST whose replay hands out something of value (a card token: `POST
 * /test-processor/tokens`), for every caller `applies` to.
 */
export function unguessableKey(who: string, applies: (c: Parameters<MiddlewareHandler>[0]) => boolean = () => true): MiddlewareHandler {
  return async function unguessableKeyCheck(c, next) {
    if (!applies(c)) return next();
    const key = idempotencyKeyOf(c); // a malformed key is 400 here already, before its length is judged
    if (key !== undefined && key.length < PUBLIC_CREATE_KEY_MIN_LENGTH) {
      throw new AppError(
        'invalid_idempotency_key',
        `${who} needs an unguessable Idempotency-Key of at least ${PUBLIC_CREATE_KEY_MIN_LENGTH} characters (e.g. crypto.randomUUID()).`,
        { minLength: PUBLIC_CREATE_KEY_MIN_LENGTH },
      );
    }
    return next();
  };
}

/** A create answer as it is stored: everything but the client secret. */
export function withoutSecret(body: string): string {
  const { clientSecret: _secret, ...rest } = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify(rest);
}
