/**
 * `npm run chaos` — tsx test/chaos/run.ts [--checkouts N] [--concurrency C] [--engine sqlite|postgres|both] [--seed S]
 * Default engine: SQLite, plus PostgreSQL (two instances) when one answers at TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test. Prints the figures as a table; exits 1 on any violation.
 */
import { parseArgs } from 'node:util';
import { cleanupAll, pgReachable, runChaos, type ChaosResult } from './chaos.js';
import type { Engine } from './cluster.js';

const { values } = parseArgs({
  options: {
    checkouts: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '24' },
    engine: { type: 'string' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${sig}: stopping the servers`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const checkouts = Number(values.checkouts);
  const concurrency = Number(values.concurrency);
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  if (!(checkouts > 0) || !(concurrency > 0) || !Number.isInteger(seed)) throw new Error('--checkouts, --concurrency and --seed take integers');
  if (values.verbose) process.env.CHAOS_VERBOSE = '1';

  let engines: Engine[];
  const reachable = await pgReachable(pgUrl);
  if (values.engine === 'sqlite') engines = ['sqlite'];
  else if (values.engine === 'postgres' || values.engine === 'both') {
    if (!reachable) throw new Error(`--engine ${values.engine}: no PostgreSQL at ${redact(pgUrl)}`);
    engines = values.engine === 'both' ? ['sqlite', 'postgres'] : ['postgres'];
  } else if (values.engine === undefined) {
    engines = reachable ? ['sqlite', 'postgres'] : ['sqlite'];
    if (!reachable) console.log(`chaos: no PostgreSQL at ${redact(pgUrl)}; SQLite only`);
  } else throw new Error(`--engine takes sqlite, postgres or both`);

  const results: ChaosResult[] = [];
  for (const engine of engines) {
    results.push(await runChaos({ engine, checkouts, concurrency, seed, pgUrl, log: (l) => console.log(l) }));
  }
  printTable(results);
  const bad = results.reduce((s, r) => s + r.violations, 0);
  for (const r of results) for (const v of r.violationSamples) console.log(`  ${r.engine} ${v.kind}: ${v.detail}`);
  console.log(bad ? `chaos: FAILED with ${bad} violation(s)` : `chaos: ok, 0 violations`);
  return bad ? 1 : 0;
}

function printTable(results: ChaosResult[]): void {
  const rows: [string, ...string[]][] = [];
  const add = (label: string, get: (r: ChaosResult) => number | string) => rows.push([label, ...results.map((r) => String(get(r)))]);
  const keys = (pick: (r: ChaosResult) => Record<string, number>) => [...new Set(results.flatMap((r) => Object.keys(pick(r))))].sort();
  add('engine', (r) => `${r.engine} ×${r.instances}`);
  add('seed', (r) => r.seed);
  add('checkouts', (r) => r.checkouts);
  add('wall time (s)', (r) => (r.wallMs / 1000).toFixed(1));
  add('requests', (r) => r.requests);
  add('retries (same key)', (r) => r.retries);
  add('errors while down (expected)', (r) => r.expectedErrors);
  if (results.some((r) => r.databaseOutages)) add('database outages (not injected)', (r) => r.databaseOutages);
  const faultKeys = keys((r) => r.faults);
  add('faults injected', (r) => Object.values(r.faults).reduce((s, n) => s + n, 0));
  for (const k of faultKeys) add(`  ${k}`, (r) => r.faults[k] ?? 0);
  for (const k of keys((r) => r.ends)) add(`end: ${k}`, (r) => r.ends[k] ?? 0);
  add('sessions in database', (r) => r.sessions);
  add('sessions COMPLETED', (r) => r.completed);
  add('processor charges', (r) => r.charges);
  add('  succeeded', (r) => r.succeededCharges);
  for (const k of keys((r) => r.statuses)) add(`HTTP ${k}`, (r) => r.statuses[k] ?? 0);
  add('VIOLATIONS', (r) => r.violations);
  for (const k of keys((r) => r.violationsByKind)) add(`  ${k}`, (r) => r.violationsByKind[k] ?? 0);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const ws = results.map((_, i) => Math.max(...rows.map((r) => r[i + 1].length)));
  console.log('');
  for (const r of rows)
    console.log(
      `${r[0].padEnd(w0)}  ${r
        .slice(1)
        .map((c, i) => c.padStart(ws[i]))
        .join('  ')}`,
    );
  console.log('');
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(`chaos: ${(err as Error).stack ?? err}`);
    await cleanupAll();
    process.exit(2);
  },
);
