/**
 * tsx test/fuzz/run.ts [--requests N] [--seed S] [--concurrency C] [--postgres]
 * Fuzzes the HTTP API from its /openapi.json against a real server; prints counts by status and by route; exits 1 on
 * any violation (5xx, hang, an error outside the contract's shape, a 2xx body off its documented schema, a leak).
 * `--postgres`: the server stores in PostgreSQL (TEST_DATABASE_URL, a schema of its own, dropped after). When no
 * PostgreSQL answers it prints a notice and exits 0, except with CI=true, where it fails.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    postgres: { type: 'boolean', default: false },
  },
});

/** With --postgres: the server's env for a fresh schema and its cleanup; null when PostgreSQL does not answer. */
async function postgresEnv(): Promise<{ env: Record<string, string>; drop: () => Promise<void> } | null> {
  const { PG_URL, dropSchema, newSchemaName, probePostgres } = await import('../store/engines.js');
  if (!(await probePostgres())) return null;
  const schema = newSchemaName();
  return { env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema }, drop: () => dropSchema(schema) };
}

async function main(): Promise<number> {
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  const pg = values.postgres ? await postgresEnv() : null;
  if (values.postgres && !pg) {
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    console.log(`fuzz: PostgreSQL is not answering (TEST_DATABASE_URL): ${ci ? 'FAILED (CI requires it)' : 'skipped (required when CI=true)'}`);
    return ci ? 1 : 0;
  }
  if (pg) console.log(`fuzz: on PostgreSQL, schema ${pg.env.DATABASE_SCHEMA}`);
  const r = await runFuzz({
    requests: Number(values.requests),
    seed,
    concurrency: Number(values.concurrency),
    log: (l) => console.log(l),
    env: pg?.env,
  }).finally(() => pg?.drop());
  const statuses = Object.keys(r.byStatus).sort();
  console.log('');
  const w = Math.max(...Object.keys(r.byRoute).map((k) => k.length), 10);
  console.log(`${'route'.padEnd(w)}  ${statuses.map((s) => s.padStart(5)).join(' ')}  total`);
  for (const [route, counts] of Object.entries(r.byRoute).sort()) {
    const sum = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(`${route.padEnd(w)}  ${statuses.map((s) => String(counts[s] ?? '').padStart(5)).join(' ')}  ${sum}`);
  }
  console.log(`${'all'.padEnd(w)}  ${statuses.map((s) => String(r.byStatus[s]).padStart(5)).join(' ')}  ${r.requests}`);
  console.log('');
  console.log(
    `seed ${r.seed}: ${r.requests} requests (${r.validRequests} valid by construction, ${r.skipped} refused by the client itself) in ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  const undoc = Object.entries(r.undocumentedStatuses).sort((a, b) => b[1] - a[1]);
  if (undoc.length) console.log(`statuses not listed in the document (not violations): ${undoc.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  console.log(
    `slowest answer by route (ms): ${Object.entries(r.slowest)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const byKind: Record<string, number> = {};
  for (const v of r.violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
  const shown: Record<string, number> = {};
  for (const v of r.violations) if ((shown[v.kind] = (shown[v.kind] ?? 0) + 1) <= 5) console.log(`  ${v.kind}: ${v.detail}`);
  console.log(r.violations.length ? `fuzz: FAILED, ${r.violations.length} violation(s): ${JSON.stringify(byKind)}` : 'fuzz: ok, 0 violations');
  return r.violations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`fuzz: ${(err as Error).stack ?? err}`);
    process.exit(2);
  },
);
