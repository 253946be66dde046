/**
 * Signed orders (README "Merchant integration"): a merchant backend signs `{orderId, amount, currency, exp, metadata?}`
 * as a JWS (HS256) with ORDER_SIGNING_SECRET; the page hands it to the widget (`order-token`), the widget to
 * `POST /session/create {orderToken}`. The amount and currency of such a session come only from a verified token.
 */
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Store } from '../store/types.js';
import { Currency, Metadata } from './order-fields.js';

/** The longest token accepted: far above any real order (metadata is bounded too), far below the body limit. */
export const MAX_ORDER_TOKEN_LENGTH = 4096;

/**
 * The longest life a token may claim: `exp` at most 24 h ahead. A token is signed for one checkout (minutes); without a
 * bound, one signed with `exp` in milliseconds by mistake, or years ahead, would open its order to payment forever.
 */
export const MAX_ORDER_TOKEN_LIFETIME_S = 24 * 60 * 60;
/** How far ahead of this server's clock an `iat` may be (the signer's clock may run a little fast). */
export const ORDER_TOKEN_CLOCK_SKEW_S = 60;

const Claims = z
  .object({
    orderId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/),
    amount: z.number().int().positive().max(100_000_000),
    currency: Currency,
    exp: z.number().int(),
    iat: z.number().optional(),
    metadata: Metadata.optional(),
  })
  .passthrough(); // iat, nbf, jti, … are the signer's business

export interface SignedOrder {
  orderId: string;
  amount: number;
  currency: string;
  metadata?: Record<string, string | number | boolean | null>;
}

export class OrderTokens {
  readonly #key: Uint8Array | null;

  constructor(
    secret: string | undefined,
    private readonly store: Pick<Store, 'shop'>,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = secret ? new TextEncoder().encode(secret) : null;
  }

  get enabled(): boolean {
    return this.#key !== null;
  }

  /** The verified order, or 400 `invalid_order_token` / `order_token_expired`. */
  async verify(token: string): Promise<SignedOrder> {
    if (!this.#key) {
      throw new AppError('invalid_order_token', 'Signed orders are not enabled on this payment server (ORDER_SIGNING_SECRET is not set).', {
        reason: 'not_enabled',
      });
    }
    if (token.length > MAX_ORDER_TOKEN_LENGTH) throw invalid(`longer than ${MAX_ORDER_TOKEN_LENGTH} characters`);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], requiredClaims: ['exp'], currentDate: new Date(this.now()) }));
    } catch (e) {
      throw joseFailure(e);
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) {
      throw invalid(
        'claims do not match {orderId, amount, currency, exp, metadata?}',
        claims.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    }
    const { orderId, amount, currency, metadata, exp, iat } = claims.data;
    const nowS = Math.floor(this.now() / 1000);
    if (exp > nowS + MAX_ORDER_TOKEN_LIFETIME_S) throw invalid('exp is more than 24 h ahead (seconds since the epoch?)');
    if (iat !== undefined && iat > nowS + ORDER_TOKEN_CLOCK_SKEW_S) {
      throw invalid(`iat is in the future (more than ${ORDER_TOKEN_CLOCK_SKEW_S} s ahead of this server's clock)`);
    }
    // An id of the server's own order source is priced by it: a token must not re-price (or pay) such an order.
    if (await this.store.shop.getOrder(orderId)) throw invalid("the orderId belongs to the payment server's own order source");
    return { orderId, amount, currency, ...(metadata ? { metadata } : {}) };
  }
}

/** jose's refusal as the API's answer; the reason names the check, never the secret or the token. */
function joseFailure(e: unknown): AppError {
  if (e instanceof errors.JWTExpired) return new AppError('order_token_expired');
  if (e instanceof errors.JWTClaimValidationFailed) return invalid(`claim "${e.claim}": ${e.reason}`);
  if (e instanceof errors.JWSSignatureVerificationFailed) return invalid('bad signature');
  if (e instanceof errors.JOSEAlgNotAllowed) return invalid('algorithm not allowed (HS256 only)');
  return invalid('not a compact JWS');
}

/** The reason is in the message too: the signer's mistake, said where it is read first. */
function invalid(reason: string, issues?: unknown): AppError {
  return new AppError('invalid_order_token', `The order token is not valid: ${reason}.`, issues ? { reason, issues } : { reason });
}
