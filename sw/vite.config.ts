/**
 * Builds dist/payment-sw.js: one self-contained IIFE, registered as a classic worker script (`{type: 'classic'}`),
 * which every browser with service workers can run. Run after the widget and demo builds (see build.mjs); its precache
 * manifest is sw/manifest.ts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { precacheManifest } from './manifest.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the widget and demo builds are and the worker goes; `dist/` unless overridden (used to try the build elsewhere). */
const distDir = process.env.PAYMENT_SW_DIST_DIR ?? `${ROOT}dist`;
const manifest = await precacheManifest(distDir);

export default defineConfig({
  root: ROOT,
  publicDir: false,
  logLevel: 'warn',
  define: {
    // Workbox ships dev-only checks and logs behind this; without it they would run (and break) in production.
    'process.env.NODE_ENV': '"production"',
    __PRECACHE_MANIFEST__: JSON.stringify(manifest),
  },
  build: {
    outDir: distDir,
    emptyOutDir: false, // dist/ already holds the widget and the demo
    target: 'es2022',
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    lib: {
      entry: fileURLToPath(new URL('./src/sw.ts', import.meta.url)),
      formats: ['iife'],
      name: 'paymentServiceWorker',
      fileName: () => 'payment-sw.js',
    },
  },
});
