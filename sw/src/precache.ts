/**
 * Offline checkout: the widget bundle and the self-contained checkout page are precached (revisions are content hashes
 * computed at build time by `sw/build.mjs`), and navigations to `/checkout/*` fall back to that page when the network fails.
 */
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';

declare const self: ServiceWorkerGlobalScope;
/** Replaced at build time (see sw/vite.config.ts). */
declare const __PRECACHE_MANIFEST__: PrecacheEntry[];

export const CHECKOUT_SHELL_URL = '/demo/checkout.html';
const CHECKOUT_PATH_PREFIX = '/checkout/';

export function setUpPrecache(): void {
  precacheAndRoute(__PRECACHE_MANIFEST__);
  cleanupOutdatedCaches();
}

export function isCheckoutNavigation(request: Request): boolean {
  if (request.mode !== 'navigate' || request.method !== 'GET') return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && url.pathname.startsWith(CHECKOUT_PATH_PREFIX);
}

/** Network first (the page is always fresh online); the precached shell when the network fails. */
export async function checkoutNavigation(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (err) {
    const shell = await matchPrecache(CHECKOUT_SHELL_URL);
    if (shell) return shell;
    throw err;
  }
}
