/**
 * POST /test-processor/tokens honours Idempotency-Key: the same key and card from the same client get the same token
 * again (`Idempotent-Replayed: true`), another card under the key is 422, a guessable key is 400, another client address
 * with the same key gets its own token, and nothing stored under the key hides the card behind a plain hash.
 */
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, VALID_EXPIRY, call, expectError } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
const card = (number: string) => ({ card: { number, ...VALID_EXPIRY, cvc: '123' } });
const tokenize = (body: unknown, key?: string, from = '203.0.113.7') =>
  call(srv.url, 'POST', '/test-processor/tokens', { body, key, headers: { 'x-forwarded-for': from } });

beforeAll(async () => {
  srv = await startInProcess({ TRUST_PROXY: 'loopback' });
});
afterAll(() => srv?.stop());

describe('POST /test-processor/tokens with an Idempotency-Key', () => {
  it('answers the same token again for the same key and card', async () => {
    const key = randomUUID();
    const first = await tokenize(card(CARDS.success), key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await tokenize(card(CARDS.success), key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const without = await tokenize(card(CARDS.success));
    expect(without.body.token).not.toBe(first.body.token); // no key: a new token each time
  });

  it('refuses another card under the same key (422) and a guessable key (400)', async () => {
    const key = randomUUID();
    expect((await tokenize(card(CARDS.success), key)).status).toBe(201);
    expectError(await tokenize(card(CARDS.declined), key), 422, 'idempotency_key_reused');
    expectError(await tokenize(card(CARDS.success), 'order-1'), 400, 'invalid_idempotency_key');
  });

  it('keeps keys per client address', async () => {
    const key = randomUUID();
    const mine = await tokenize(card(CARDS.success), key, '203.0.113.8');
    const theirs = await tokenize(card(CARDS.success), key, '198.51.100.9');
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.token).not.toBe(mine.body.token);
  });

  it('does not release a key on a card error: the corrected card runs', async () => {
    const key = randomUUID();
    expectError(await tokenize(card('1234'), key), 400, 'invalid_card_number');
    const corrected = await tokenize(card(CARDS.success), key);
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
  });

  it('stores no plain hash of the card details', async () => {
    const key = randomUUID();
    const body = JSON.stringify(card(CARDS.success));
    expect((await tokenize(card(CARDS.success), key)).status).toBe(201);
    const db = new Database(join(srv.dataDir, 'payments.sqlite'), { readonly: true });
    try {
      const row = db.prepare('SELECT fingerprint, response_body FROM idempotency_keys WHERE key = ?').get(key) as Record<string, string>;
      expect(row.fingerprint).not.toBe(createHash('sha256').update(`POST /api/payments/test-processor/tokens\n${body}`).digest('hex'));
      expect(row.response_body).not.toContain(CARDS.success);
    } finally {
      db.close();
    }
  });
});
