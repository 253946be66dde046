#!/usr/bin/env node
// `npm run build`: the widget, the demo, the service worker (which precaches the first two), the widget's React/Vue bindings,
// then the server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
mkdirSync(join(root, 'dist'), { recursive: true });

for (const part of ['widget', 'demo', 'sw']) {
  const script = join(root, part, 'build.mjs');
  if (!existsSync(script)) {
    console.error(`build: ${part}/build.mjs is missing`);
    process.exit(1);
  }
  console.log(`build: ${part}`);
  run(process.execPath, [script]);
}
// After the service worker (its precache lists the originals only): .br/.gz copies of the client files.
run(process.execPath, [join(root, 'scripts', 'compress.mjs')]);
// The bindings ship in the npm package only (the server never serves them): not compressed.
console.log('build: widget bindings');
run(process.execPath, [join(root, 'widget/bindings/build.mjs')]);
console.log('build: server');
// The esbuild API rather than its binary: after its install script the package's bin is a native executable, not a script.
const esbuild = await import('esbuild');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['server/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: 'dist/server/main.js',
  logLevel: 'warning',
});
