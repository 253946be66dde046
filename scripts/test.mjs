#!/usr/bin/env node
// `npm test`: builds, makes sure Debian's Chromium is there, then runs every suite in turn and reports each.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);

const chrome = ensureChromium();
const env = { ...process.env, CHROME_PATH: chrome };

const steps = [
  ['build', process.execPath, [join(root, 'scripts/build.mjs')]],
  ['lint (eslint, prettier --check)', 'npm', ['run', '--silent', 'lint']],
  ['type check (tsc -b, every project)', bin('tsc'), ['-b']],
  ['server and store', bin('vitest'), ['run', '--project', 'server']],
  ['widget state machine (node)', bin('vitest'), ['run', '--project', 'widget-node']],
  ['service worker units (node)', bin('vitest'), ['run', '--project', 'sw']],
  ['widget (Chromium)', bin('web-test-runner'), ['--config', 'web-test-runner.config.mjs']],
  ['end-to-end (Chromium)', bin('vitest'), ['run', '--project', 'e2e']],
  ['packages (npm pack, React in Chromium)', bin('vitest'), ['run', '--project', 'packages']],
  ['chaos (small)', bin('tsx'), ['test/chaos/run.ts', '--checkouts', '60']],
  ['fuzz from /openapi.json (small)', bin('tsx'), ['test/fuzz/run.ts', '--requests', '500']],
  [
    'fuzz from /openapi.json on PostgreSQL (small; skipped when none answers, required with CI=true)',
    bin('tsx'),
    ['test/fuzz/run.ts', '--requests', '500', '--postgres'],
  ],
];

const only = process.argv.slice(2);
const results = [];
for (const [name, cmd, args] of steps) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  results.push([name, r.status === 0]);
  if (name === 'build' && r.status !== 0) break;
}
console.log('\n=== summary ===');
for (const [name, ok] of results) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
