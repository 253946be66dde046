import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { parseIdempotencyKey } from './key.js';

describe('parseIdempotencyKey', () => {
  it('takes the bare key and the quoted form "abc" as the key abc', () => {
    expect(parseIdempotencyKey('abc')).toBe('abc');
    expect(parseIdempotencyKey('"abc"')).toBe('abc');
    expect(parseIdempotencyKey(`"${'k'.repeat(255)}"`)).toBe('k'.repeat(255));
  });

  it('refuses a malformed quoted form with invalid_idempotency_key', () => {
    for (const bad of ['"abc', 'abc"', '""', '"', '"a"b"', '""abc""', '" abc"', `"${'k'.repeat(256)}"`, '', 'a b']) {
      expect(() => parseIdempotencyKey(bad), bad).toThrow(AppError);
      try {
        parseIdempotencyKey(bad);
      } catch (err) {
        expect((err as AppError).code).toBe('invalid_idempotency_key');
      }
    }
  });
});
