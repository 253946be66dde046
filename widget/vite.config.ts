/**
 * Builds `<payment-checkout>` into the ES module dist/payment-checkout.js, with Lit inside: the one file a page
 * loads (one script tag) and everything the browser downloads before the widget renders. What is needed only later is
 * imported dynamically, each a file next to it, `payment-checkout-<name>.<hash>.js`, loaded relative to the entry's URL:
 * the strings of the widget's locale (English or French, on the first render), the card fields' formatting and checks,
 * the live status and the origin diagnosis (right after the first render), and the service-worker bridge with
 * workbox-window (only with the `sw` attribute). The server serves them (CORS `*`) and the
 * worker precaches them (sw/manifest.ts lists every `payment-checkout-*.js`).
 */
import { defineConfig, type Plugin } from 'vite';
import { transformSync } from 'esbuild';
import { minify } from 'terser';
import ts from 'typescript';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Vite leaves whitespace in ES-format library builds (to keep `@__PURE__` annotations for the app bundler after it).
 * This file is served as is, so the finished chunk is minified fully here, by terser (three compress passes: about
 * 200 B gzip less than esbuild's single pass on the entry; bench/widget.ts measures it).
 */
function minifyChunk(): Plugin {
  return {
    name: 'payment-checkout-minify',
    apply: 'build',
    async generateBundle(_options, bundle) {
      // One name cache for every chunk: a `_name` member shortened in the entry has the same short name in the lazy chunk.
      const nameCache: Record<string, unknown> = {};
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        // What the browser downloads before the widget renders is the entry alone: a module shared by the entry and the
        // lazy chunk would become a third file the entry imports (or the chunk would import the entry, a second copy of it
        // when the page loaded it with a query string). Keep the lazy side self-contained instead.
        if (chunk.imports.length) this.error(`${chunk.fileName} statically imports ${chunk.imports.join(', ')}: the widget's chunks must not share modules`);
        // `_name` members are the widget's own internals (the controller layers share them as `protected`): shortened.
        // Lit's and workbox's internals are already minified and use other shapes (`_$x`, single letters).
        const out = await minify(chunk.code, {
          module: true,
          ecma: 2020,
          compress: { passes: 3 },
          mangle: { properties: { regex: /^_[a-zA-Z]\w*$/ } },
          format: { comments: false },
          nameCache,
        });
        chunk.code = out.code ?? chunk.code;
      }
    },
  };
}

/**
 * JavaScript minifiers leave the text of template literals alone, so the widget's `css` and `html` templates are
 * minified here, in its own sources only: CSS through esbuild's CSS minifier (templates without `${}` parts), HTML by
 * collapsing the indentation between tags (the templates hold no `<pre>`/`<textarea>`, so no whitespace is meaningful).
 * Kept rather than Lit's maintained `@lit-labs/rollup-plugin-minify-html-literals@0.2.0`, which runs under Vite 8 but
 * saves nothing here: the entry came out 65 470 B raw / 21 052 B gzip / 18 868 B brotli with it against 65 503 / 21 072 /
 * 18 821 with this (the same build, 2 Dec 2026), for html-minifier-next and lightningcss (a native binary) as dependencies.
 */
function minifyTemplates(): Plugin {
  const own = resolve(root, 'src') + '/';
  return {
    name: 'payment-checkout-templates',
    apply: 'build',
    transform(code, id) {
      if (!id.startsWith(own) || !id.endsWith('.ts') || !/\b(css|html)`/.test(code)) return null;
      const file = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true);
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && (node.tag.text === 'css' || node.tag.text === 'html')) {
          const t = node.template;
          if (node.tag.text === 'css' && ts.isNoSubstitutionTemplateLiteral(t)) {
            const css = transformSync(t.rawText ?? t.text, { loader: 'css', minify: true })
              .code.trim()
              // esbuild keeps the blank after a custom property's colon and after commas in var()/color-mix(): neither
              // is significant where these values end up (a custom property's value is trimmed; a function's arguments).
              .replace(/(--[\w-]+): /g, '$1:')
              .replace(/, /g, ',');
            edits.push({ start: t.getStart() + 1, end: t.getEnd() - 1, text: css.replace(/[`\\]|\$\{/g, (m) => `\\${m}`) });
          } else if (node.tag.text === 'html') {
            // Each literal piece between `${…}`: its text sits after the opening backtick or `}`, before `${` or the closing backtick.
            const pieces = ts.isNoSubstitutionTemplateLiteral(t) ? [t] : [t.head, ...t.templateSpans.map((s) => s.literal)];
            for (const piece of pieces) {
              const raw = piece.rawText ?? '';
              const start = piece.getStart() + 1;
              const collapsed = raw.replace(/\s*\n\s*/g, ' ').replace(/>\s+</g, '><');
              if (collapsed !== raw) edits.push({ start, end: start + raw.length, text: collapsed });
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      if (!edits.length) return null;
      let out = code;
      for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
      return { code: out, map: null };
    },
  };
}

export default defineConfig({
  plugins: [minifyTemplates(), minifyChunk()],
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
      // Each dynamically imported module stays its own file next to the entry, e.g. `payment-checkout-sw-bridge.<hash>.js`.
      // The server serves them (immutable, CORS like the entry) and the worker precaches them.
      output: { chunkFileNames: 'payment-checkout-[name].[hash].js' },
    },
  },
});
