#!/usr/bin/env node
/** Builds the demo pages into dist/demo/ (called by scripts/build.mjs; runnable alone: `node demo/build.mjs`). */
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

await build({ configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)), logLevel: process.env.DEMO_BUILD_LOG ?? 'warn' });
