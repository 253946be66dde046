/**
 * The served /openapi.json as third-party tools see it: Redocly's linter (recommended rules, redocly.yaml) finds no
 * error, swagger-parser validates it, the client generated from it (test/server/openapi/api.d.ts, openapi-typescript)
 * is the one committed, type-checks the checkout flow (and refuses a wrong call), and that flow runs against a real server.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';
import { checkoutFlow, shopOrder } from './openapi/client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GENERATED = join(ROOT, 'test/server/openapi/api.d.ts');
const CLIENT = join(ROOT, 'test/server/openapi/client.ts');

let srv: InProcessServer;
let doc: Record<string, any>;
let dir: string;

beforeAll(async () => {
  srv = await startInProcess();
  doc = (await (await fetch(`${srv.url}/api/payments/openapi.json`)).json()) as Record<string, any>;
  dir = mkdtempSync(join(tmpdir(), 'pc-openapi-'));
});
afterAll(async () => {
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI document, checked by real tools', () => {
  it('passes redocly lint with 0 errors and 0 warnings', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const bin = join(ROOT, 'node_modules/.bin/redocly');
    const { stdout } = await promisify(execFile)(bin, ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json'], { cwd: ROOT }).catch(
      (e: { stdout: string }) => ({ stdout: e.stdout }),
    );
    const report = JSON.parse(stdout);
    expect(report.problems.map((p: { ruleId: string; message: string }) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);

  it('is valid for swagger-parser (schema and every $ref)', async () => {
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect(api.info.title).toBe('payment-checkout API');
  });

  it('declares what a client needs: ids, security, headers, the event stream as text', () => {
    const ops = Object.entries<any>(doc.paths).flatMap(([path, item]) =>
      Object.entries<any>(item)
        .filter(([m]) => m !== 'servers')
        .map(([method, op]) => ({ method, path, op })),
    );
    expect(ops.length).toBe(21);
    for (const { method, path, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Array.isArray(op.security), `${method} ${path} security`).toBe(true);
      for (const r of Object.values<any>(op.responses)) expect(r.headers?.['X-Request-Id'], `${method} ${path}`).toBeDefined();
    }
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminToken', 'clientSecret', 'clientSecretQuery', 'merchantKey']);
    expect(doc.components.securitySchemes.clientSecretQuery).toMatchObject({ type: 'apiKey', in: 'query', name: 'client_secret' });
    const events = doc.paths['/session/{sessionId}/events'].get;
    expect(events.responses['200'].content['text/event-stream'].schema.type).toBe('string');
    expect(events.security).toContainEqual({ clientSecretQuery: [] });
    expect(doc.paths['/session/create'].post.responses['201'].headers['Idempotent-Replayed']).toBeDefined();
    expect(doc.paths['/test-processor/tokens'].post.parameters.map((p: { name: string }) => p.name)).toContain('idempotency-key');
    expect(doc.paths['/session/create'].post.responses['429'].headers).toHaveProperty('Retry-After');
    expect(doc.paths['/orders'].servers).toEqual([expect.objectContaining({ url: '/api/store' })]);
    expect(doc.paths['/healthz'].servers).toEqual([{ url: '/' }]);
    const session = doc.components.schemas.Session.properties;
    expect(session.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.components.schemas.SessionStatus.enum).toContain('COMPLETED');
    expect(doc.components.schemas.SessionSummary.properties.durationMs.type).toBe('number');
  });
});

describe('the typed client generated from it', () => {
  // First: the type checks below block this process's event loop (the in-process server's too) for seconds.
  it('runs that flow against a real server', async () => {
    const orderId = await shopOrder(srv.url);
    const r = await checkoutFlow(srv.url, orderId, CARDS.success);
    expect(r.created).toMatchObject({ orderId, status: 'INITIATED' });
    expect(r.read.sessionId).toBe(r.created.sessionId);
    expect(r.token.last4).toBe('4242');
    expect(r.completed.status).toBe('COMPLETED');
    expect(r.replayed).toBe('true');
    expect(r.after).toMatchObject({ status: 'COMPLETED', paymentId: r.completed.paymentId });
  });
  it('is the committed test/server/openapi/api.d.ts (regenerate: npx tsx test/server/openapi/generate.ts)', async () => {
    const generated = COMMENT_HEADER + astToString(await openapiTS(structuredClone(doc) as never));
    expect(normalize(readFileSync(GENERATED, 'utf8'))).toBe(normalize(generated));
  }, 60_000);

  it('type-checks the flow create → get → tokenize → complete, and refuses a wrong field, path or status', () => {
    expect(typeCheck(CLIENT)).toEqual([]);
    const wrong = join(ROOT, 'test/server/openapi/__wrong.ts');
    const errors = typeCheck(
      wrong,
      `import createClient from 'openapi-fetch';\nimport type { paths } from './api.js';\n` +
        `const api = createClient<paths>({ baseUrl: '' });\nvoid api.POST('/session/create', { body: { orderId: 42 } });\n` +
        `void api.GET('/session/{sessionId}/nope', {});\n` +
        `void api.GET('/session/{sessionId}', { params: { path: { sessionId: 'cs_1' } } }).then((r) => r.data?.status === 'PAID');\n`,
    );
    expect(errors.join('\n')).toMatch(/'number' is not assignable to type 'string'/); // orderId
    expect(errors.join('\n')).toMatch(/nope/); // no such path
    expect(errors.join('\n')).toMatch(/"PAID"/); // not a status: the enum
  }, 120_000);
});

/** Formatting aside (the CLI and the library print alike, but line endings may differ). */
const normalize = (s: string) => s.replace(/\r\n/g, '\n').trim();

/** Type errors of one file under the project's compiler options; `text` stands in for the file's contents. */
function typeCheck(file: string, text?: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  if (text !== undefined) {
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => f === file || fileExists(f);
    host.readFile = (f) => (f === file ? text : readFile(f));
    host.getSourceFile = (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, ...rest));
  }
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
