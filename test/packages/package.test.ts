/**
 * `npm pack` → install the tarball in a temp folder → what a merchant's project imports is there and resolves:
 * `payment-checkout/widget`, `/react`, the manifest and their types; the tarball holds the built client and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exportTargets, packAndInstall, type Installed } from './pack.js';

let pkg: Installed;
const installed = (...parts: string[]) => join(pkg.dir, 'node_modules/payment-checkout', ...parts);

beforeAll(() => {
  ensureBuilt();
  pkg = packAndInstall(['react', 'react-dom']);
});
afterAll(() => pkg && rmSync(pkg.dir, { recursive: true, force: true }));

/** The names a module exports (its `export …` statements), read with the TypeScript parser. */
function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const node of source.statements) {
    if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause))
      names.push(...node.exportClause.elements.map((e) => e.name.text));
    else if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      if (ts.isVariableStatement(node)) names.push(...node.declarationList.declarations.map((d) => d.name.getText(source)));
      else if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) names.push(node.name.text);
    }
  }
  return names;
}

/** Bare specifiers a built file imports (static, dynamic and `import("…")` types), reduced to package names. */
function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'./][^"']*)["']/g)].map((m) => m[1]);
  return specifiers.map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

const dependenciesOf = (name: string): Record<string, string> =>
  (JSON.parse(readFileSync(join(pkg.dir, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};

describe('npm pack', () => {
  it('builds before packing (prepack), so the tarball always holds dist/', () => {
    expect(pkg.manifest.scripts.prepack).toMatch(/scripts\/build\.mjs|npm run build/);
  });

  it('ships every file the exports map names', () => {
    const targets = exportTargets(pkg.manifest);
    expect(targets.map((t) => t.subpath)).toEqual(expect.arrayContaining(['./widget', './react', './vue', './custom-elements.json']));
    for (const { subpath, target } of targets) {
      expect(pkg.files, `${subpath} → ${target}`).toContain(target);
      expect(existsSync(installed(target)), `${target} installed`).toBe(true);
    }
    // The widget's lazy service-worker bridge is imported relative to the entry: it must travel with it.
    const chunk = /import\("\.\/(payment-checkout-[^"]+\.js)"\)/.exec(readFileSync(installed('dist/payment-checkout.js'), 'utf8'))?.[1];
    expect(chunk && pkg.files).toContain(`dist/${chunk}`);
  });

  it('holds the built client only: no sources, server, demo, data or tests', () => {
    const unexpected = pkg.files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts|json))$/.test(f));
    expect(unexpected).toEqual([]);
    expect(pkg.files.filter((f) => /^dist\/(server|demo)\//.test(f) || /(^|\/)(data|test)\//.test(f))).toEqual([]);
    expect(pkg.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE']));
  });

  it('depends on what its files import, and on nothing else (React and Vue are optional peers)', () => {
    const shipped = pkg.files.filter((f) => /\.(js|d\.ts)$/.test(f));
    const imported = new Set(shipped.flatMap((f) => importedPackages(installed(f))));
    imported.delete('payment-checkout'); // the bindings import the element as `payment-checkout/widget`: one copy of it per app
    const declared = { ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies };
    // tsc may write a type it inferred as `import("lit-html")`: a dependency of `lit`, installed with it.
    const through = new Set(Object.keys(pkg.manifest.dependencies ?? {}).flatMap((name) => Object.keys(dependenciesOf(name))));
    expect([...imported].filter((name) => !(name in declared) && !through.has(name))).toEqual([]);
    // A server package here would be installed into every storefront that uses the widget: those are devDependencies.
    expect(Object.keys(pkg.manifest.dependencies ?? {}).filter((name) => !imported.has(name))).toEqual([]);
    expect(pkg.manifest.peerDependenciesMeta?.react?.optional).toBe(true);
    expect(pkg.manifest.peerDependenciesMeta?.vue?.optional).toBe(true);
  });
});

describe('the installed package', () => {
  it('resolves payment-checkout/widget, /react, /vue and /custom-elements.json from a merchant project', () => {
    const script = `for (const s of ['payment-checkout/widget', 'payment-checkout/react', 'payment-checkout/vue', 'payment-checkout/custom-elements.json']) console.log(import.meta.resolve(s));`;
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg.dir, encoding: 'utf8' }).trim().split('\n');
    expect(resolved.map((u) => new URL(u).pathname)).toEqual(
      ['dist/payment-checkout.js', 'dist/react/index.js', 'dist/vue/index.js', 'dist/custom-elements.json'].map((f) => installed(f)),
    );
  });

  it('payment-checkout/react exports PaymentCheckout and usePaymentStatus, and declares them', () => {
    expect(exportedNames(installed('dist/react/index.js'))).toEqual(expect.arrayContaining(['PaymentCheckout', 'usePaymentStatus']));
    expect(exportedNames(installed('dist/react/index.d.ts'))).toEqual(
      expect.arrayContaining(['PaymentCheckout', 'usePaymentStatus', 'PaymentCheckoutJsxProps']),
    );
  });

  it('the manifest describes <payment-checkout> with its events', () => {
    const manifest = JSON.parse(readFileSync(installed('dist/custom-elements.json'), 'utf8')) as {
      modules: { declarations?: { tagName?: string; events?: { name: string }[] }[] }[];
    };
    const element = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'payment-checkout');
    expect(element?.events?.map((e) => e.name)).toEqual(
      expect.arrayContaining(['checkout-ready', 'checkout-status', 'checkout-complete', 'checkout-cancel', 'checkout-error']),
    );
  });
});
