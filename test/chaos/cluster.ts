/**
 * The servers under test: one cluster = one database (a SQLite file in a data dir, or a PostgreSQL schema) served by one
 * or more real server processes. A cluster can kill -9 an instance and restart it on the same port and data dir, and it
 * remembers every window in which an instance was down, so the checks can tell an expected failed request from a bug.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer, type StartedServer } from '../support/server.js';

export type Engine = 'sqlite' | 'postgres';

export interface ClusterOptions {
  name: string;
  engine: Engine;
  instances: number;
  /** PostgreSQL URL and schema (engine postgres). */
  pgUrl?: string;
  pgSchema?: string;
  env: Record<string, string>;
}

export interface DownWindow {
  from: number;
  to: number;
}

/** Time after a restart during which errors are still put down to it (connections opened just before the kill). */
const RESTART_GRACE_MS = 1_000;

export const ADMIN_TOKEN = 'chaos-admin-token-0123456789abcdef';
export const MERCHANT_KEY = 'chaos-merchant-key-0123456789abcdef';

export class Instance {
  server: StartedServer | null = null;
  readonly windows: DownWindow[] = [];
  #downSince: number | null = null;
  kills = 0;

  constructor(
    readonly index: number,
    readonly cluster: Cluster,
    readonly dataDir: string,
  ) {}

  get url(): string {
    return this.server!.url;
  }

  get port(): number {
    return this.server!.port;
  }

  get isUp(): boolean {
    return this.#downSince === null && this.server !== null;
  }

  async start(port?: number): Promise<void> {
    this.server = await startServer({ env: this.cluster.env, dataDir: this.dataDir, port, timeoutMs: 60_000 });
  }

  /** kill -9, wait `downMs`, start again on the same port and data dir. */
  async crashAndRestart(downMs: number): Promise<void> {
    const port = this.server!.port;
    this.#downSince = performance.now();
    this.kills++;
    await this.server!.kill();
    await new Promise((r) => setTimeout(r, downMs));
    try {
      await this.start(port);
    } finally {
      this.windows.push({ from: this.#downSince, to: performance.now() + RESTART_GRACE_MS });
      this.#downSince = null;
    }
  }

  /** Whether [t0, t1] overlaps a time this instance, or the database behind it, was down (or is down now). */
  wasDownDuring(t0: number, t1: number): boolean {
    if (this.#downSince !== null && t1 >= this.#downSince) return true;
    if (this.windows.some((w) => t0 <= w.to && t1 >= w.from)) return true;
    return this.cluster.databaseWasDownDuring(t0, t1);
  }
}

/** How often the PostgreSQL server is probed: a restart of it (by anyone) is a down window too. */
const DB_PROBE_MS = 100;

export class Cluster {
  readonly instances: Instance[] = [];
  readonly env: Record<string, string>;
  /** Times the PostgreSQL server did not answer (from the last good probe to the first good one after, plus grace). */
  readonly dbWindows: DownWindow[] = [];
  #dbDownSince: number | null = null;
  #probing = false;
  #rr = 0;

  constructor(readonly opts: ClusterOptions) {
    this.env = {
      ADMIN_TOKEN,
      MERCHANT_API_KEY: MERCHANT_KEY,
      ...opts.env,
      ...(opts.engine === 'postgres' ? { DATABASE_URL: opts.pgUrl!, DATABASE_SCHEMA: opts.pgSchema! } : {}),
    };
    // SQLite: every instance shares the cluster's one data dir (there is only one instance per SQLite cluster here).
    const shared = mkdtempSync(join(tmpdir(), `pc-chaos-${opts.name}-`));
    for (let i = 0; i < opts.instances; i++) {
      const dir = opts.engine === 'sqlite' || i === 0 ? shared : mkdtempSync(join(tmpdir(), `pc-chaos-${opts.name}-`));
      this.instances.push(new Instance(i, this, dir));
    }
  }

  get name(): string {
    return this.opts.name;
  }

  get sqlitePath(): string {
    return join(this.instances[0].dataDir, 'payments.sqlite');
  }

  /** Starts the instances one after another (the first one migrates the database). */
  async start(): Promise<void> {
    if (this.opts.engine === 'postgres') void this.#probeDatabase();
    for (const i of this.instances) await i.start();
  }

  get databaseRestarts(): number {
    return this.dbWindows.length;
  }

  databaseWasDownDuring(t0: number, t1: number): boolean {
    if (this.#dbDownSince !== null && t1 >= this.#dbDownSince) return true;
    return this.dbWindows.some((w) => t0 <= w.to && t1 >= w.from);
  }

  async #probeDatabase(): Promise<void> {
    this.#probing = true;
    let client: pg.Client | null = null;
    let lastOk = performance.now();
    while (this.#probing) {
      try {
        if (!client) {
          client = new pg.Client({ connectionString: this.opts.pgUrl, connectionTimeoutMillis: 1_000 });
          client.on('error', () => undefined);
          await client.connect();
        }
        await client.query('SELECT 1');
        lastOk = performance.now();
        if (this.#dbDownSince !== null) {
          this.dbWindows.push({ from: this.#dbDownSince, to: lastOk + RESTART_GRACE_MS });
          this.#dbDownSince = null;
        }
      } catch {
        this.#dbDownSince ??= lastOk;
        void client?.end().catch(() => undefined);
        client = null;
      }
      await new Promise((r) => setTimeout(r, DB_PROBE_MS));
    }
    await client?.end().catch(() => undefined);
  }

  /** Round-robin over the instances, as a load balancer without health checks would. */
  pick(): Instance {
    return this.instances[this.#rr++ % this.instances.length];
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.server?.stop().catch(() => undefined)));
  }

  /** SIGKILL whatever is left (failure paths), then remove the data dirs. */
  async destroy(): Promise<void> {
    this.#probing = false;
    await Promise.all(this.instances.map((i) => i.server?.kill().catch(() => undefined)));
    for (const dir of new Set(this.instances.map((i) => i.dataDir))) rmSync(dir, { recursive: true, force: true });
  }
}
