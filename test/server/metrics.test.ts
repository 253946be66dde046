/**
 * Issue 14 item 11: `/metrics` passes `promtool check metrics`, and can be closed with METRICS_TOKEN.
 * The naming rules promtool applies are checked here on every run; promtool itself also runs when it is installed
 * (PROMTOOL=path, or `promtool` on PATH; Debian's package `prometheus` ships it), else that check is skipped with a notice.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createSession, expectError, post } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let open: InProcessServer;
let closed: InProcessServer;
let text = '';

beforeAll(async () => {
  [open, closed] = await Promise.all([startInProcess(), startInProcess({ METRICS_TOKEN })]);
  const s = await createSession(open.url);
  await post(open.url, s, 'interrupt', { reason: 'network' }); // a counter with a sample
  const r = await call(open.url, 'GET', '/metrics');
  expect(r.status).toBe(200);
  text = r.text;
});
afterAll(async () => Promise.all([open?.stop(), closed?.stop()]));

/** `# TYPE` and `# HELP` lines by metric name. */
function families(exposition: string) {
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) helps.set(h[1]!, h[2]!);
  }
  return { types, helps };
}

function promtool(): string | null {
  for (const p of [process.env.PROMTOOL, 'promtool'].filter(Boolean) as string[]) {
    if (spawnSync(p, ['--version']).status === 0) return p;
  }
  return null;
}

describe('metric names (the rules of promtool check metrics)', () => {
  it('counters end in _total and nothing else does; snake_case; help text; base units as suffixes', () => {
    const { types, helps } = families(text);
    expect(types.size).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const [name, type] of types) {
      if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: counter without _total`);
      if (type !== 'counter' && /_total$/.test(name)) problems.push(`${name}: ${type} ending in _total`);
      if (!/^[a-z_:][a-z0-9_:]*$/.test(name)) problems.push(`${name}: not snake_case`);
      if (!helps.get(name)) problems.push(`${name}: no help text`);
      if (/_(milliseconds|microseconds|nanoseconds|ms|minutes|hours|days|kilobytes|megabytes|gigabytes|percent)(_|$)/.test(name))
        problems.push(`${name}: not a base unit`);
      if (/(seconds|bytes)_(?!total$)[a-z]/.test(name) && !/_(count|sum|bucket)$/.test(name)) problems.push(`${name}: unit not a suffix`);
    }
    expect(problems).toEqual([]);
    expect(types.get('payment_interruptions_total')).toBe('counter');
  });

  const tool = promtool();
  if (!tool)
    console.warn('[test/server/metrics] promtool not installed (Debian: apt-get install prometheus, or PROMTOOL=path): only the rules above were checked.');
  (tool ? it : it.skip)('promtool check metrics accepts /metrics', () => {
    const r = spawnSync(tool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('METRICS_TOKEN', () => {
  it('when unset, /metrics is open', async () => {
    expect((await call(open.url, 'GET', '/metrics')).status).toBe(200);
  });

  it('when set, /metrics needs Authorization: Bearer METRICS_TOKEN (401 in the error shape otherwise)', async () => {
    expectError(await call(closed.url, 'GET', '/metrics'), 401, 'unauthorized');
    expectError(await call(closed.url, 'GET', '/metrics', { auth: 'wrong-token-0123456789abcdef' }), 401, 'unauthorized');
    expectError(await call(closed.url, 'GET', '/metrics', { headers: { authorization: `Basic ${METRICS_TOKEN}` } }), 401, 'unauthorized');
    const ok = await call(closed.url, 'GET', '/metrics', { auth: METRICS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('# TYPE payment_sessions gauge');
  });
});
