// Builds dist/payment-sw.js (after the widget and the demo are built; scripts/build.mjs runs it):
//
//   node sw/build.mjs          the same as `vite build -c sw/vite.config.ts`, whose precache manifest is sw/manifest.ts
//
// `PAYMENT_SW_DIST_DIR` builds from and into another directory than dist/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  await build({ configFile: join(root, 'sw/vite.config.ts'), root });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
