/**
 * Builds `<payment-checkout>` into one ES module, dist/payment-checkout.js, with Lit, idb and the lazily used
 * service-worker bridge (workbox-window) all inside: the server serves this single file and the worker precaches it.
 */
import { defineConfig, type Plugin } from 'vite';
import { transform } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Vite leaves whitespace in ES-format library builds (to keep `@__PURE__` annotations for the app bundler after it).
 * This file is served as is, so the finished chunk is minified fully here.
 */
function minifyChunk(): Plugin {
  return {
    name: 'payment-checkout-minify',
    apply: 'build',
    async generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        // `_name` members are the widget's own internals (the controller layers share them as `protected`): shortened.
        // Lit's and workbox's internals are already minified and use other shapes (`_$x`, single letters).
        chunk.code = (await transform(chunk.code, { minify: true, format: 'esm', target: 'es2022', legalComments: 'none', mangleProps: /^_[a-zA-Z]\w*$/ })).code;
      }
    },
  };
}

export default defineConfig({
  plugins: [minifyChunk()],
  root,
  publicDir: false,
  logLevel: 'warn',
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: resolve(root, '../dist'),
    emptyOutDir: false, // the demo, worker and server builds write into dist/ too
    target: 'es2022',
    minify: 'esbuild',
    sourcemap: false,
    lib: {
      entry: resolve(root, 'src/index.ts'),
      formats: ['es'],
      fileName: () => 'payment-checkout.js',
    },
    rolldownOptions: {
      // One file: the `sw` bridge is imported dynamically but inlined, so offline reloads need nothing else.
      output: { codeSplitting: false },
    },
  },
});
