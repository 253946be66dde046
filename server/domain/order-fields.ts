/**
 * An order's currency and metadata, one rule wherever an order comes from (docs/API.md "Orders' currency and metadata"):
 * a merchant backend's create with its key and a signed order's claims validate with these same schemas.
 */
import { z } from 'zod';

/**
 * The ISO 4217 codes in use, as the runtime's ICU data knows them (162 on Node 20): no test (`XTS`), no-currency (`XXX`)
 * or withdrawn (`DEM`) codes, nothing made up (`ZZZ`).
 */
const ISO_4217: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** An ISO 4217 code in capitals (`EUR`); `eur` is refused, not upper-cased behind the caller's back. */
export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals (e.g. EUR)')
  .refine((code) => !/^[A-Z]{3}$/.test(code) || ISO_4217.has(code), 'not an ISO 4217 currency in use (e.g. EUR)');

export const MAX_METADATA_KEYS = 20;
export const MAX_METADATA_KEY_LENGTH = 40;
export const MAX_METADATA_STRING_LENGTH = 500;
/**
 * Keys that name an object's prototype machinery. A parsed body keeps `__proto__` as an own key, but a validated copy
 * would drop it silently (assigning it would change the prototype), so such a key is refused, saying so.
 */
export const RESERVED_METADATA_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const MetadataRecord = z
  .record(
    z.string().max(MAX_METADATA_KEY_LENGTH, `a key is at most ${MAX_METADATA_KEY_LENGTH} characters`),
    z.union([z.string().max(MAX_METADATA_STRING_LENGTH), z.number(), z.boolean(), z.null()]),
  )
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`);

/** `{key: string | number | boolean | null}`: at most 20 keys of at most 40 characters, strings of at most 500. */
export const Metadata = z.preprocess((value, ctx) => {
  if (value !== null && typeof value === 'object') {
    for (const key of RESERVED_METADATA_KEYS) {
      if (Object.hasOwn(value, key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is a reserved key (${RESERVED_METADATA_KEYS.join(', ')} are refused)` });
      }
    }
  }
  return value;
}, MetadataRecord);
