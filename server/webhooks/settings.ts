/**
 * Webhook settings: `WEBHOOK_URL` (one URL or a comma list, http: or https: only), `WEBHOOK_SECRET` (a Standard Webhooks
 * secret), and the secret's generation into `DATA_DIR/webhook-secret` when URLs are set and no secret is.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const SECRET_RULE = `WEBHOOK_SECRET must be "${SECRET_PREFIX}" followed by the base64 of at least ${MIN_SECRET_BYTES} random bytes`;

/** `WEBHOOK_URL` → the list of URLs; a URL that does not parse or is not http:/https: is a configuration error. */
export const webhookUrlsSetting = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const urls: string[] = [];
    for (const part of raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      let u: URL;
      try {
        u = new URL(part);
      } catch {
        ctx.addIssue({ code: 'custom', message: `WEBHOOK_URL: "${part}" is not a URL` });
        continue;
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        ctx.addIssue({ code: 'custom', message: `WEBHOOK_URL: only http: and https: URLs are allowed (got ${u.protocol})` });
      else if (u.username || u.password) ctx.addIssue({ code: 'custom', message: 'WEBHOOK_URL: credentials in the URL are not allowed' });
      else urls.push(u.href);
    }
    if (urls.length > 10) ctx.addIssue({ code: 'custom', message: 'WEBHOOK_URL: at most 10 URLs' });
    return [...new Set(urls)];
  });

export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return false;
  return Buffer.from(b64, 'base64').length >= MIN_SECRET_BYTES;
}

export const webhookSecretSetting = z.string().refine(isValidSecret, SECRET_RULE).optional();

export interface WebhookSecretInfo {
  secret: string;
  generated: boolean;
  file: string;
}

/**
 * The signing secret: WEBHOOK_SECRET, else the one stored in DATA_DIR/webhook-secret, else (only when URLs are set) a new
 * one, stored with mode 0600 and reported as generated so start-up prints it once. Null when webhooks are off.
 */
export function resolveWebhookSecret(c: { WEBHOOK_URL: string[]; WEBHOOK_SECRET?: string; dataDir: string }): WebhookSecretInfo | null {
  const file = join(c.dataDir, 'webhook-secret');
  if (c.WEBHOOK_SECRET) return { secret: c.WEBHOOK_SECRET, generated: false, file };
  if (!c.WEBHOOK_URL.length) return null;
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (!isValidSecret(secret)) throw new Error(`${file}: ${SECRET_RULE} (remove the file to generate a new one)`);
    return { secret, generated: false, file };
  }
  const secret = SECRET_PREFIX + randomBytes(32).toString('base64');
  mkdirSync(c.dataDir, { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return { secret, generated: true, file };
}
