/**
 * Where the worker's script came from, for a worker that may be a merchant's one-line shim
 * (`importScripts('https://PAY_HOST/payment-sw.js')`): pure helpers, unit-tested without a browser.
 */
import type { PrecacheEntry } from 'workbox-precaching';

/**
 * The origin of the script named in the first frame of `stack` (Chromium `at f (https://h/x.js:1:2)`, Firefox and
 * Safari `f@https://h/x.js:1:2`), or `fallback` when none is named.
 */
export function originFromStack(stack: string, fallback: string): string {
  const m = /\b(https?:\/\/[^/\s)@]+)\/[^\s)]*?\.js\b/.exec(stack);
  return m ? m[1] : fallback;
}

/**
 * The manifest as the worker precaches it: URLs resolved against the payment server, and `shellUrl` (the payment
 * server's own checkout page, not served with CORS) only when the worker runs on the payment server's origin.
 */
export function precacheEntries(manifest: PrecacheEntry[], paymentOrigin: string, onPaymentOrigin: boolean, shellUrl: string): PrecacheEntry[] {
  return manifest.filter((e) => onPaymentOrigin || e.url !== shellUrl).map((e) => ({ ...e, url: new URL(e.url, `${paymentOrigin}/`).href }));
}
