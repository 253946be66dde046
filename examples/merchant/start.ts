/**
 * `npm run example:merchant`: the example shop on its own origin (MERCHANT_PORT, default 8790) beside the payment server
 * (PAYMENT_PORT, default 8787), the payment server configured for it: ALLOWED_ORIGINS = the shop's origin,
 * MERCHANT_API_KEY, ORDER_SIGNING_SECRET, WEBHOOK_URL = the shop's receiver, WEBHOOK_SECRET. Secrets not given in the
 * environment are generated for this run. Ctrl-C (or SIGTERM) stops both.
 */
import { serve } from '@hono/node-server';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { merchantApp } from './app.js';
import type { PaymentConfig } from './payments.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = '127.0.0.1';
const env = process.env;

const cfg: PaymentConfig = {
  paymentUrl: '',
  merchantKey: env.MERCHANT_API_KEY ?? `mk_${randomBytes(24).toString('base64url')}`,
  orderSigningSecret: env.ORDER_SIGNING_SECRET ?? randomBytes(32).toString('base64url'),
  webhookSecret: env.WEBHOOK_SECRET ?? `whsec_${randomBytes(32).toString('base64')}`,
};

// The shop first: the payment server needs its origin (CORS) and its webhook URL.
const shop = serve({ fetch: merchantApp(cfg).fetch, hostname: HOST, port: Number(env.MERCHANT_PORT ?? 8790) });
await new Promise<void>((res, rej) => shop.once('listening', res).once('error', rej));
const shopOrigin = `http://${HOST}:${(shop.address() as AddressInfo).port}`;

// The built server (npm run build), or the sources when EXAMPLE_SERVER=source or nothing is built.
const built = join(ROOT, 'dist/server/main.js');
const args = env.EXAMPLE_SERVER !== 'source' && existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'server/main.ts')];
const payment = spawn(process.execPath, args, {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...env,
    HOST,
    PORT: env.PAYMENT_PORT ?? '8787',
    DATA_DIR: env.DATA_DIR ?? join(ROOT, 'data/example-merchant'),
    ALLOWED_ORIGINS: shopOrigin,
    MERCHANT_API_KEY: cfg.merchantKey,
    ORDER_SIGNING_SECRET: cfg.orderSigningSecret,
    WEBHOOK_URL: `${shopOrigin}/webhooks/payments`,
    WEBHOOK_SECRET: cfg.webhookSecret,
  },
});
let out = '';
payment.stdout!.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (cfg.paymentUrl) return;
  out += chunk;
  const m = /listening on (http:\/\/\S+)/.exec(out);
  if (m) {
    cfg.paymentUrl = m[1];
    console.log(`example merchant: ${shopOrigin}  (its own origin; open it to shop)`);
    console.log(`payment server:   ${cfg.paymentUrl}  (ALLOWED_ORIGINS=${shopOrigin}, webhooks to ${shopOrigin}/webhooks/payments)`);
  }
});

let stopping = false;
function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  payment.kill('SIGTERM');
  shop.close();
  payment.once('exit', () => process.exit(code));
  setTimeout(() => process.exit(code), 10_000).unref();
}
payment.once('exit', (code) => {
  if (!stopping) {
    console.error(`example merchant: the payment server exited (${code}); stopping.`);
    stopping = true;
    shop.close();
    process.exit(code || 1);
  }
});
process.once('SIGINT', () => stop());
process.once('SIGTERM', () => stop());
