/**
 * The Idempotency-Key header, read in one place (docs/API.md "Idempotency"). A key is 1–255 characters of
 * `[A-Za-z0-9_.:-]`; the IETF draft (draft-ietf-httpapi-idempotency-key-header) sends it as a structured-field string,
 * `"abc"`, which is the key `abc`: the quoted and the bare form are one key (one record, one replay). Anything else
 * — an unmatched quote (`"abc`), an empty string (`""`), a quote inside (`"a"b"`) — is `400 invalid_idempotency_key`.
 * Every middleware that reads the key (the record's claim, the unguessable-key rule) reads it through here.
 */
import type { Context } from 'hono';
import { AppError } from '../../errors.js';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;

/** The key of a header value, unquoted and checked; throws `invalid_idempotency_key`. */
export function parseIdempotencyKey(header: string): string {
  const key = header.length >= 2 && header.startsWith('"') && header.endsWith('"') ? header.slice(1, -1) : header;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw new AppError('invalid_idempotency_key');
  return key;
}

/** The request's key, or undefined without the header. */
export function idempotencyKeyOf(c: Context): string | undefined {
  const header = c.req.header('Idempotency-Key');
  return header === undefined ? undefined : parseIdempotencyKey(header);
}
