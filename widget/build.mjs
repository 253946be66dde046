#!/usr/bin/env node
// Builds the widget: dist/payment-checkout.js (Vite), type declarations in dist/widget/types (tsc),
// and dist/custom-elements.json (custom-elements-manifest analyzer). Called by scripts/build.mjs.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(bin('vite'), ['build', '-c', 'widget/vite.config.ts']);
rmSync(join(root, 'dist/widget/types'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'widget/tsconfig.build.json']);
run(bin('cem'), ['analyze', '--config', 'widget/custom-elements-manifest.config.mjs']);
