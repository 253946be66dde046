/**
 * Client secrets that are never kept readable (docs/hardening.md). A session's secret is an HMAC of its id under a server
 * key that lives outside the database: the session row keeps only the secret's sha256 (to check it), and a replayed
 * create re-derives the secret instead of reading it from the stored answer. Every instance with the same key derives
 * the same secret, so instances sharing one PostgreSQL replay each other's creates.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { secretMatches } from '../ids.js';

export class ClientSecrets {
  readonly #key: Buffer;

  /** `key`: CLIENT_SECRET_KEY; `fallback` (the admin token) when it is unset: the key is derived from it. */
  constructor(key: string | undefined, fallback: string) {
    this.#key = key ? Buffer.from(key, 'utf8') : Buffer.from(hkdfSync('sha256', fallback, 'payment-checkout', 'client-secret-key v1', 32));
  }

  /** The client secret of a session: `<sessionId>_secret_<32 characters>`. */
  for(sessionId: string): string {
    const mac = createHmac('sha256', this.#key).update(sessionId).digest('base64url').slice(0, 32);
    return `${sessionId}_secret_${mac}`;
  }

  /**
   * A keyed fingerprint of a request whose body must not be kept even as a plain hash (card details: a card number has
   * too little entropy for sha256 to hide it). Used for the tokens route's Idempotency-Key records.
   */
  fingerprint(request: string): string {
    return createHmac('sha256', this.#key).update(`request-fingerprint\n${request}`).digest('hex');
  }

  /** The secret of a session whose stored hash it must match (null when the key has changed since it was made). */
  recover(sessionId: string, secretHash: string): string | null {
    const secret = this.for(sessionId);
    return secretMatches(secret, secretHash) ? secret : null;
  }
}
