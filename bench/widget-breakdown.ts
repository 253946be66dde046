/**
 * Where a restore after reload spends its time (docs/PERFORMANCE.md): `bench/widget.ts`'s bench (its page served by the
 * server from a copy of a build, HTTP cache on), with every step the widget takes before it shows a restored session
 * marked from outside the widget — no instrumented build — by a probe that wraps the browser APIs it calls (IndexedDB,
 * Web Locks, BroadcastChannel, fetch) and the element's own `update`, plus the resource timing of its chunks. Printed:
 * each step's median and p95 over the reloads, in ms since the element's definition (where the restore timer starts),
 * in the order they happen.
 *
 *   npx tsx bench/widget-breakdown.ts [dist dir, default ./dist]
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { ROOT } from '../test/support/server.js';
import { benchWidget, quantile } from './widget.js';

/** Runs before any of the page's scripts: wraps what the widget calls, each call and answer a mark `[name, ms]`. */
const PROBE = `(() => {
  const marks = (window.__marks = []);
  const mark = (name) => marks.push([name, performance.now()]);
  const wrap = (proto, name, around) => { const f = proto[name]; proto[name] = function (...a) { return around.call(this, f, a); }; };
  wrap(IDBFactory.prototype, 'open', function (f, a) {
    mark('idb open'); const r = f.apply(this, a);
    r.addEventListener('upgradeneeded', () => mark('idb upgradeneeded'));
    r.addEventListener('success', () => mark('idb opened')); return r;
  });
  wrap(IDBDatabase.prototype, 'transaction', function (f, a) {
    const tx = f.apply(this, a); const mode = a[1] ?? 'readonly';
    mark('idb tx ' + mode); tx.addEventListener('complete', () => mark('idb tx ' + mode + ' complete')); return tx;
  });
  wrap(IDBObjectStore.prototype, 'get', function (f, a) {
    const r = f.apply(this, a); r.addEventListener('success', () => mark('idb record read')); return r;
  });
  if (navigator.locks) wrap(Object.getPrototypeOf(navigator.locks), 'request', function (f, a) {
    mark('lock request'); const cb = a[a.length - 1];
    a[a.length - 1] = (lock) => (mark(lock ? 'lock granted' : 'lock not available'), cb(lock)); return f.apply(this, a);
  });
  const BC = window.BroadcastChannel;
  window.BroadcastChannel = class extends BC { constructor(n) { mark('broadcastchannel'); super(n); } };
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const what = (init?.method ?? 'GET') + ' ' + new URL(String(input?.url ?? input), location.href).pathname.replace(/\\/cs_[^/]+/, '/:id');
    mark('fetch ' + what); return fetch0.call(this, input, init).finally(() => mark('fetch ' + what + ' answered'));
  };
  const define = customElements.define;
  customElements.define = function (name, ctor, o) {
    mark('element defined');
    wrap(ctor.prototype, 'connectedCallback', function (f, a) { mark('connectedCallback'); return f.apply(this, a); });
    wrap(ctor.prototype, 'update', function (f, a) {
      mark('update start'); const r = f.apply(this, a);
      const root = this.shadowRoot;
      const id = root?.querySelector('[part~="session-id"]')?.textContent ?? '';
      const pay = root?.querySelector('[part~="pay-button"]');
      mark('update end' + (/cs_/.test(id) ? ' (session id)' : '') + (pay ? ' (pay button)' : ''));
      return r;
    });
    return define.call(this, name, ctor, o);
  };
})();`;

const dist = resolve(process.argv[2] ?? `${ROOT}/dist`);
const result = await benchWidget({ dist, probe: PROBE });
/** Each step's times over the reloads; a step seen twice in one load counts as `step #2`, and so on. */
const byStep = new Map<string, number[]>();
for (const marks of result.marks ?? []) {
  const seen = new Map<string, number>();
  for (const [step, t] of marks) {
    const n = (seen.get(step) ?? 0) + 1;
    seen.set(step, n);
    const key = n > 1 ? `${step} #${n}` : step;
    byStep.set(key, [...(byStep.get(key) ?? []), t]);
  }
}
console.log(
  `${dist}: ${result.baseline.reloads} reloads, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `restore (session id) median ${result.restoreMsMedian} / p95 ${result.restoreMsP95} ms; ready view ${result.readyMsMedian} / ${result.readyMsP95} ms`,
);
console.log('  median      p95  reloads  step (ms since the element was defined)');
for (const [step, times] of [...byStep].sort((a, b) => quantile(a[1], 0.5) - quantile(b[1], 0.5)))
  console.log(`${quantile(times, 0.5).toFixed(1).padStart(8)} ${quantile(times, 0.95).toFixed(1).padStart(8)} ${String(times.length).padStart(8)}  ${step}`);
