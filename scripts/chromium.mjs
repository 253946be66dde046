#!/usr/bin/env node
// Where Debian's Chromium is and the flags every test and benchmark launches it with: the one place for both.
// Imported by scripts/test.mjs, web-test-runner.config.mjs and test/support/chromium.ts (playwright-core's suites and
// the benchmarks); `.ci/run` runs it directly (`node scripts/chromium.mjs`) to install Chromium on a fresh machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** `CHROME_PATH` when set, else the first Debian path that exists, else where apt-get installs it. */
export const CHROMIUM_PATH = process.env.CHROME_PATH || CANDIDATES.find((p) => existsSync(p)) || CANDIDATES[0];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // root in a container has no user namespace to sandbox with
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The binary's path; when there is none, installs Debian's `chromium` with apt-get (as root), or exits saying how. */
export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log("chromium: not found; installing Debian's chromium with apt-get");
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status === 0 && existsSync(CANDIDATES[0])) return CANDIDATES[0];
  }
  console.error(
    'chromium: Chromium is needed for the widget and end-to-end tests.\n' +
      '  Install it with: sudo apt-get install -y chromium   (or set CHROME_PATH to a Chromium/Chrome binary)',
  );
  process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(ensureChromium());
