// Precache manifest for the service worker, and a standalone build of it.
//
//   node sw/build.mjs          builds dist/payment-sw.js (after the widget and the demo are built)
//
// `sw/vite.config.ts` imports `precacheManifest()` from here, so `vite build -c sw/vite.config.ts` (what scripts/build.mjs runs)
// and this script produce the same worker. Revisions are content hashes, so a changed widget or page means a changed
// worker script, which is what makes browsers install the update.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/** The two files offline checkout needs (docs/ARCHITECTURE.md): URL → file under dist/. */
const PRECACHED = [
  { url: '/payment-checkout.js', file: 'payment-checkout.js', builtBy: 'vite build -c widget/vite.config.ts' },
  { url: '/demo/checkout.html', file: 'demo/checkout.html', builtBy: 'vite build -c demo/vite.config.ts' },
];

/**
 * `[{url, revision}]` for workbox-precaching. Also picks up chunks the widget bundle imports by relative path
 * (a lazily loaded module must be there offline too). Throws, naming the missing file and the build that makes it.
 */
export function precacheManifest(dist = DIST) {
  const missing = PRECACHED.filter(({ file }) => !existsSync(join(dist, file)));
  if (missing.length) {
    throw new Error(
      `payment-sw: cannot build the precache manifest, missing ${missing.map((m) => `dist/${m.file} (run \`${m.builtBy}\` first)`).join(' and ')}. ` +
        'The service worker is built after the widget and the demo.',
    );
  }
  const entries = PRECACHED.map(({ url, file }) => ({ url, revision: hashFile(join(dist, file)) }));
  for (const chunk of importedChunks(dist, 'payment-checkout.js')) entries.push({ url: `/${chunk}`, revision: hashFile(join(dist, chunk)) });
  return entries;
}

function hashFile(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}

/** Relative ES imports (static and dynamic) of a bundle under dist/, transitively. */
function importedChunks(dist, entry, seen = new Set()) {
  const source = readFileSync(join(dist, entry), 'utf8');
  const specifiers = [...source.matchAll(/(?:import|from)\s*\(?\s*["'](\.{1,2}\/[^"']+\.js)["']/g)].map((m) => m[1]);
  for (const spec of specifiers) {
    const file = posix.normalize(posix.join(posix.dirname(entry), spec));
    if (file.startsWith('..') || seen.has(file) || !existsSync(join(dist, file))) continue;
    seen.add(file);
    importedChunks(dist, file, seen);
  }
  return seen;
}

// Vite bundles its config with this file inlined and `import.meta.url` kept, so the "run directly" test alone would make
// the config start another build; the environment flag stops that recursion.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && !process.env.PAYMENT_SW_BUILDING) {
  process.env.PAYMENT_SW_BUILDING = '1';
  const { build } = await import('vite');
  try {
    await build({ configFile: join(ROOT, 'sw/vite.config.ts'), root: ROOT });
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
