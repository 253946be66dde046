/**
 * The worker's precache manifest, from workbox-build's `getManifest` over the built files: the two files offline checkout
 * needs (docs/ARCHITECTURE.md) and the widget's lazily loaded chunks (a lazily loaded module must be there offline too).
 * Revisions are content hashes, so a changed widget or page means a changed worker script, which is what makes browsers
 * install the update. Imported by sw/vite.config.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getManifest } from 'workbox-build';

/** The files the manifest cannot do without: dist/-relative path → the build that makes it. */
const REQUIRED = {
  'payment-checkout.js': 'vite build -c widget/vite.config.ts',
  'demo/checkout.html': 'vite build -c demo/vite.config.ts',
};

/**
 * `payment-checkout-<name>.<hash>.js`: every chunk of the widget. widget/build.mjs removes earlier builds' chunks
 * before it builds, so dist/ holds only those the entry imports.
 */
const GLOB_PATTERNS = [...Object.keys(REQUIRED), 'payment-checkout-*.js'];

/** `[{url, revision}]` for workbox-precaching, URLs from the server's root. Throws, naming a missing file and the build that makes it. */
export async function precacheManifest(dist: string): Promise<Array<{ url: string; revision: string | null }>> {
  const missing = Object.entries(REQUIRED).filter(([file]) => !existsSync(join(dist, file)));
  if (missing.length) {
    throw new Error(
      `payment-sw: cannot build the precache manifest, missing ${missing.map(([file, builtBy]) => `dist/${file} (run \`${builtBy}\` first)`).join(' and ')}. ` +
        'The service worker is built after the widget and the demo.',
    );
  }
  const { manifestEntries, warnings } = await getManifest({ globDirectory: dist, globPatterns: GLOB_PATTERNS, modifyURLPrefix: { '': '/' } });
  if (warnings.length) throw new Error(`payment-sw: precache manifest: ${warnings.join('; ')}`);
  // Sorted: the same files always make the same worker script (glob order is the file system's).
  return manifestEntries.sort((a, b) => a.url.localeCompare(b.url));
}
