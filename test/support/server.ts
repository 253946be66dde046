/**
 * Starts the real server as a child process (tsx over server/main.ts) on a free port, with its own temp DATA_DIR.
 * Resolves once the process prints `listening on http://HOST:PORT`. Used by every suite that needs a real socket or a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface StartedServer {
  url: string;
  port: number;
  dataDir: string;
  adminToken: string;
  merchantKey: string;
  proc: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit (returns the exit code). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Removes the temp data dir (after stop). */
  cleanup(): void;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Reuse a data dir (restart after a crash). */
  dataDir?: string;
  /** Reuse a port (restart on the same address); default: a free one. */
  port?: number;
  timeoutMs?: number;
  /** A command the server runs under, e.g. `['prlimit', '--nofile=300:300', '--']` (it must exec the server in place). */
  prefix?: string[];
}

export async function startServer(opts: StartOptions = {}): Promise<StartedServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pc-test-'));
  const adminToken = opts.env?.ADMIN_TOKEN ?? 'test-admin-token-0123456789';
  const merchantKey = opts.env?.MERCHANT_API_KEY ?? 'test-merchant-key-0123456789';
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOST: '127.0.0.1',
    PORT: String(opts.port ?? 0),
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    MERCHANT_API_KEY: merchantKey,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  };
  delete env.DATABASE_URL;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const argv = [process.execPath, '--import', 'tsx', join(ROOT, 'server/main.ts')];
  const [cmd, ...args] = [...(opts.prefix ?? []), ...argv];
  const proc = spawn(cmd!, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));

  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start in time:\n${out}`)), opts.timeoutMs ?? 20_000);
    const onData = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    adminToken,
    merchantKey,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
