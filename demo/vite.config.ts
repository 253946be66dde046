/**
 * Builds the storefront demo and the admin dashboard into dist/demo/ (served by the server under /demo/ and as the pages
 * /, /cart, /checkout/:orderId, /orders/:orderId, /admin — see docs/ARCHITECTURE.md).
 *
 * index, cart, order and admin are ordinary Vite pages (hashed assets under /demo/assets/). checkout.html is different:
 * the service worker precaches it alone, so the `checkout-page` plugin emits it self-contained — CSS and the page
 * script inlined, /payment-checkout.js its only other request.
 */
import { defineConfig, type Plugin } from 'vite';
import { build as esbuild, transform } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const src = (p: string) => resolve(root, 'src', p);

/** `<!-- partial:header -->` → demo/src/partials/header.html, so every page shares one header and footer. */
function withPartials(html: string): string {
  return html.replace(/<!-- partial:([a-z-]+) -->/g, (_, name: string) => readFileSync(src(`partials/${name}.html`), 'utf8').trim());
}

function partials(): Plugin {
  return { name: 'demo-partials', transformIndexHtml: { order: 'pre', handler: withPartials } };
}

async function selfContainedCheckout(): Promise<string> {
  const css = await transform(readFileSync(src('styles/theme.css'), 'utf8') + readFileSync(src('checkout/checkout.css'), 'utf8'), {
    loader: 'css',
    minify: true,
  });
  const js = await esbuild({
    entryPoints: [src('checkout/main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  // A literal `</script` inside the inlined code would end the element early.
  const script = js.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  return withPartials(readFileSync(src('checkout/checkout.html'), 'utf8'))
    .replace('<!-- inline:styles -->', () => `<style>${css.code}</style>`)
    .replace('<!-- inline:script -->', () => `<script type="module">${script}</script>`);
}

function checkoutPage(): Plugin {
  return {
    name: 'checkout-page',
    apply: 'build',
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'checkout.html', source: await selfContainedCheckout() });
    },
  };
}

export default defineConfig({
  root,
  base: '/demo/',
  publicDir: false,
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [partials(), checkoutPage()],
  build: {
    outDir: resolve(root, '../dist/demo'),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: {
        index: resolve(root, 'index.html'),
        cart: resolve(root, 'cart.html'),
        order: resolve(root, 'order.html'),
        admin: resolve(root, 'admin.html'),
      },
    },
  },
});
