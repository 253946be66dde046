import { describe, expect, it } from 'vitest';
import { randomId, secretMatches, sha256 } from '../../server/ids.js';

describe('randomId', () => {
  it('gives prefix_ and n base62 characters, never the same twice', () => {
    const ids = Array.from({ length: 20_000 }, () => randomId('cs'));
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^cs_[0-9A-Za-z]{24}$/);
    expect(randomId('ord', 16)).toMatch(/^ord_[0-9A-Za-z]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws every character equally often (no modulo bias toward the first eight)', () => {
    const counts = new Map<string, number>();
    const text = Array.from({ length: 10_000 }, () => randomId('', 32).slice(1)).join('');
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = text.length / 62; // ≈ 5 161; a byte-modulo draw gives '0'…'7' about 25 % more
    for (const [ch, n] of counts) expect(Math.abs(n - expected) / expected, `character ${ch}: ${n}`).toBeLessThan(0.1);
  });
});

describe('secretMatches', () => {
  it('accepts the secret of a stored hash and nothing else', () => {
    expect(secretMatches('s3cret', sha256('s3cret'))).toBe(true);
    expect(secretMatches('s3cret!', sha256('s3cret'))).toBe(false);
    expect(secretMatches('s3cret', 'not-a-hash')).toBe(false);
  });
});
