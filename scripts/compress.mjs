#!/usr/bin/env node
// Part of `npm run build`: a brotli (.br) and a gzip (.gz) copy beside every compressible client file in dist/ (not the
// server), so the server answers compressed without compressing per request (server/static.ts picks by Accept-Encoding).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const COMPRESSIBLE = /\.(js|mjs|html|css|json|svg|map|webmanifest)$/;
const MIN_BYTES = 512; // smaller files gain nothing worth a header

let files = 0;
let before = 0;
let after = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (relative(dist, full) !== 'server') walk(full);
      continue;
    }
    if (!COMPRESSIBLE.test(name)) continue;
    const data = readFileSync(full);
    if (data.length < MIN_BYTES) continue;
    const br = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    writeFileSync(full + '.br', br);
    writeFileSync(full + '.gz', gzipSync(data, { level: 9 }));
    files++;
    before += data.length;
    after += br.length;
  }
}
walk(dist);
console.log(`compress: ${files} files, ${(before / 1024).toFixed(1)} KiB → ${(after / 1024).toFixed(1)} KiB brotli`);
