#!/usr/bin/env node
// Builds the widget: dist/payment-checkout.js and its lazily loaded chunks dist/payment-checkout-<name>.<hash>.js (Vite),
// type declarations in dist/widget/types (tsc), and dist/custom-elements.json (custom-elements-manifest analyzer).
// Called by scripts/build.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// Chunks of earlier builds (their names carry a content hash): dist/ keeps only what this build's entry imports.
mkdirSync(join(root, 'dist'), { recursive: true });
for (const file of readdirSync(join(root, 'dist'))) if (/^payment-checkout-.+\.js$/.test(file)) rmSync(join(root, 'dist', file));
run(bin('vite'), ['build', '-c', 'widget/vite.config.ts']);
rmSync(join(root, 'dist/widget/types'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'widget/tsconfig.build.json']);
run(bin('cem'), ['analyze', '--config', 'widget/custom-elements-manifest.config.mjs']);
