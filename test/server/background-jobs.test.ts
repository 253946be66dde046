/**
 * Background jobs (reconciler, sweeper) while the database is gone: one warning per job when they start failing, not
 * one line per run every interval, and nothing in the log but the error's name and code (no stack, no message text).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { runServer } from '../../server/server.js';
import { ADMIN_TOKEN, MERCHANT_KEY } from './helpers/api.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('background jobs while storage is unavailable', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-bg-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('warn once per job instead of every run, without stack traces', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      MERCHANT_API_KEY: MERCHANT_KEY,
      RECONCILE_INTERVAL_MS: '20',
      SWEEP_INTERVAL_MS: '20',
    });
    const server = await runServer(config, createLogger('info', sink));
    try {
      await server.store.close(); // the database goes away under the running server
      await sleep(600); // ~30 runs of each job
      const paused = lines.filter((l) => l.msg === 'background job paused: storage unavailable');
      expect(paused.map((l) => l.job).sort()).toEqual(['reconcile', 'sweep']);
      expect(lines.filter((l) => l.msg === 'background job failed')).toEqual([]);
      for (const l of paused) expect(JSON.stringify(l)).not.toMatch(/stack| {4}at /);
    } finally {
      await server.close().catch(() => {});
    }
  });
});
