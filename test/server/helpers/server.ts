/**
 * In-process servers for the server suite: the real Hono app on a real socket (127.0.0.1, a free port) over a real SQLite
 * file in a temp DATA_DIR. Every test file stops what it starts (`stop()` in afterAll).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../server/config.js';
import { runServer } from '../../../server/server.js';
import { ADMIN_TOKEN, MERCHANT_KEY } from './api.js';

export interface InProcessServer {
  url: string;
  dataDir: string;
  server: Awaited<ReturnType<typeof runServer>>;
  stop(): Promise<void>;
}

/**
 * PAYMENT_TIMEOUT_MS for suites that use the slow card (6975): short, so a test waits little for the 202, yet long enough
 * that a request is reliably still in flight a few requests later on a busy 2-core machine.
 */
export const SHORT_PAYMENT_TIMEOUT_MS = '2000';

/** Generous limits so only the rate-limit suite ever sees a 429. */
export const HIGH_LIMITS = {
  RATE_LIMIT_CREATE_PER_MIN: '100000',
  RATE_LIMIT_TOKENS_PER_MIN: '100000',
  RATE_LIMIT_MUTATIONS_PER_MIN: '100000',
};

export async function startInProcess(env: Record<string, string> = {}): Promise<InProcessServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-server-test-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    MERCHANT_API_KEY: MERCHANT_KEY,
    ...HIGH_LIMITS,
    ...env,
  });
  const server = await runServer(config);
  return {
    url: server.url,
    dataDir,
    server,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
