/**
 * `npm pack` of this repository and an install of the tarball into a temp folder, as a merchant's project gets it.
 * Offline: the tarball itself, plus every package it (and React) needs taken from this repository's node_modules
 * (`--install-links` copies them), so no registry is asked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/server.js';

export interface Installed {
  /** The consumer folder: package.json + node_modules/payment-checkout. */
  dir: string;
  /** Paths inside the tarball (relative to the package root). */
  files: string[];
  /** package.json of the package as packed. */
  manifest: PackageManifest;
}

export interface PackageManifest {
  name: string;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

/** The built files must be there (`npm run build`); the test packs without re-running `prepack` (the build) each time. */
export function ensureBuilt(): void {
  for (const file of ['payment-checkout.js', 'react/index.js', 'react/index.d.ts', 'widget/types/index.d.ts', 'custom-elements.json']) {
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` before the package suites.`);
  }
}

/** `names` and everything they depend on (dependencies and required peers), as folders of this repository's node_modules. */
function localClosure(names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const dir = join(ROOT, 'node_modules', name);
    if (!existsSync(join(dir, 'package.json'))) throw new Error(`${name} is not in node_modules: npm install first`);
    seen.add(name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
    const optional = pkg.peerDependenciesMeta ?? {};
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
    for (const peer of Object.keys(pkg.peerDependencies ?? {})) if (!optional[peer]?.optional) visit(peer);
  };
  names.forEach(visit);
  return [...seen].map((name) => join(ROOT, 'node_modules', name));
}

/** Packs the repository and installs the tarball, with `extra` packages (e.g. react, react-dom), into a new temp folder. */
export function packAndInstall(extra: string[] = []): Installed {
  const dir = mkdtempSync(join(tmpdir(), 'pc-package-'));
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageManifest;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'merchant-app', private: true, type: 'module' }));
  const needed = localClosure([...Object.keys(manifest.dependencies ?? {}), ...extra]);
  npm(['install', '--offline', '--ignore-scripts', '--install-links', `./${packed.filename}`, ...needed], dir);
  return { dir, files: packed.files.map((f) => f.path), manifest };
}

/** Every file an `exports` entry names (conditions included), without the leading `./`. */
export function exportTargets(manifest: PackageManifest): { subpath: string; target: string }[] {
  return Object.entries(manifest.exports).flatMap(([subpath, value]) =>
    (typeof value === 'string' ? [value] : Object.values(value)).map((target) => ({ subpath, target: target.replace(/^\.\//, '') })),
  );
}
