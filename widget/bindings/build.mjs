#!/usr/bin/env node
// Builds the framework bindings after the widget (their types import the widget's declarations through the package's own
// `payment-checkout/widget` export): dist/react/index.js (+ dist/vue/index.js) with esbuild, every bare import left to the
// app's bundler (React, Vue, @lit/react, and the element itself as `payment-checkout/widget`, so an app that imports both
// gets one copy of the element), then .d.ts files with tsc. Called by scripts/build.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const entries = ['react', 'vue'].filter((name) => existsSync(join(root, 'widget/bindings', name, 'index.ts')));
for (const name of [...entries, 'status', 'shared']) rmSync(join(root, 'dist', name), { recursive: true, force: true });

const esbuild = await import('esbuild');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: entries.map((name) => ({ in: `widget/bindings/${name}/index.ts`, out: `${name}/index` })),
  outdir: 'dist',
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'widget/bindings/tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
