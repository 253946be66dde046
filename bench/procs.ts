/** Spawns server processes for benchmarks and waits for their `listening on …` line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const BENCH_MERCHANT_KEY = 'bench-merchant-key-0123456789';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';
const SERVER_BUILD = 'dist/server/main.js';

export interface Proc {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function spawnScript(script: string, env: Record<string, string> = {}): Promise<Proc> {
  // Built JavaScript runs as is; TypeScript sources through tsx.
  const args = script.endsWith('.js') ? [join(ROOT, script)] : ['--import', 'tsx', join(ROOT, script)];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${script} did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => rej(new Error(`${script} exited ${code}:\n${out}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A real server process on SQLite (or on PostgreSQL when env has DATABASE_URL), with rate limits lifted for load.
 * It is the build `npm start` runs (dist/server/main.js; `npm run bench` builds first).
 */
export async function spawnServer(env: Record<string, string> = {}): Promise<Proc & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-bench-'));
  if (!existsSync(join(ROOT, SERVER_BUILD))) throw new Error(`${SERVER_BUILD} is missing: run \`npm run build\` first`);
  const p = await spawnScript(SERVER_BUILD, {
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    MERCHANT_API_KEY: BENCH_MERCHANT_KEY,
    RATE_LIMIT_CREATE_PER_MIN: '0',
    RATE_LIMIT_TOKENS_PER_MIN: '0',
    RATE_LIMIT_MUTATIONS_PER_MIN: '0',
    // The merchant key's own bucket (1 200/min by default) would answer the load's creates 429 after the first 1 200.
    RATE_LIMIT_MERCHANT_PER_MIN: '0',
    ...env,
  });
  return {
    ...p,
    dataDir,
    stop: async () => {
      await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
