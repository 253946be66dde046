/** Random identifiers and secrets, and the constant-time comparison of secrets against their stored hashes. */
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The largest multiple of 62 that fits a byte: bytes at or above it are skipped, so every character is equally likely. */
const UNBIASED_LIMIT = 248;

/**
 * CSPRNG bytes drawn from a pool refilled 4 KiB at a time, each byte used once (as Node does for randomUUID):
 * one call into the CSPRNG per ~100 identifiers instead of one per identifier.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

/** `prefix_` + n base62 characters from the CSPRNG, uniformly distributed (rejection sampling). */
export function randomId(prefix: string, n = 24): string {
  let s = '';
  while (s.length < n) {
    const b = randomByte();
    if (b < UNBIASED_LIMIT) s += ALPHABET[b % 62];
  }
  return `${prefix}_${s}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares a presented secret with a stored sha256 hex hash in constant time. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two secrets of any length (hashing first equalises lengths). */
export function secretsEqual(a: string, b: string): boolean {
  return secretMatches(a, sha256(b));
}
