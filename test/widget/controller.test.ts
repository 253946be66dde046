/**
 * The checkout controller without the DOM or a server: a scripted API and a memory store, to pin down the
 * exactly-once rules (key saved before the request, same key on every retry) and the offline bridge hand-off.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { CheckoutController, type ControllerEvent } from '../../widget/src/controller/checkout-controller.js';
import { NetworkError, TimeoutError, type ApiAnswer, type CheckoutApi } from '../../widget/src/transport/api-client.js';
import type { OfflineBridge, QueuedRequest, ReplayedAnswer, SessionJson } from '../../widget/src/index.js';
import { MemorySessionStore } from '../../widget/src/storage/session-store.js';
import { paymentFromFields, parseExpiry } from '../../widget/src/element/card-fields.js';
import { loadLocale, resolveLocale, translate } from '../../widget/src/i18n/strings.js';
import { present } from '../../widget/src/controller/machine.js';

const session = (over: Partial<SessionJson> = {}): SessionJson => ({
  sessionId: 'cs_1',
  orderId: 'ord_1',
  status: 'INITIATED',
  amount: 1000,
  currency: 'EUR',
  attempts: 1,
  maxAttempts: 3,
  ...over,
});
const ok = (status: number, body: unknown): ApiAnswer => ({ status, body });
const fail = (status: number, code: string, details = {}): ApiAnswer => ({ status, body: { error: { code, message: code, details } } });

type Call = { method: string; args: unknown[] };
function fakeApi(script: Partial<Record<keyof CheckoutApi, (...args: never[]) => Promise<ApiAnswer>>>) {
  const calls: Call[] = [];
  const api = new Proxy({} as CheckoutApi, {
    get: (_t, method: string) =>
      method === 'eventsUrl'
        ? () => 'about:blank'
        : (...args: unknown[]) => {
            calls.push({ method, args });
            const fn = script[method as keyof CheckoutApi] as ((...a: unknown[]) => Promise<ApiAnswer>) | undefined;
            return fn ? fn(...args) : Promise.reject(new Error(`unexpected ${method}`));
          },
  });
  return { api, calls };
}

function setup(script: Parameters<typeof fakeApi>[0], extra: Partial<ConstructorParameters<typeof CheckoutController>[0]> = {}) {
  const { api, calls } = fakeApi({
    createSession: async () => ok(201, { ...session(), clientSecret: 'cs_1_secret_x' }),
    getSession: async () => ok(200, session()),
    tokenize: async () => ok(201, { token: 'tok_1' }),
    ...script,
  });
  const store = new MemorySessionStore();
  const events: ControllerEvent[] = [];
  let n = 0;
  const controller = new CheckoutController({
    api,
    store,
    key: 'k',
    apiBase: '/api/payments',
    orderId: 'ord_1',
    timeoutMs: 1000,
    readPayment: async () => ({ card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } }),
    onChange: () => {},
    onEvent: (e) => events.push(e),
    uuid: () => `key-${++n}`,
    diagnose: async () => 'server_away',
    ...extra,
  });
  return { controller, store, calls, events };
}

describe('CheckoutController (no DOM, scripted API)', () => {
  it('saves the attempt key and token before /complete leaves, then completes and clears it', async () => {
    let storedAtSend = '';
    const t = setup({
      complete: async () => {
        storedAtSend = JSON.stringify(await t.store.get('k'));
        return ok(200, { status: 'COMPLETED', paymentId: 'ch_1' });
      },
    });
    await t.controller.start();
    await t.controller.pay();
    expect(JSON.parse(storedAtSend).pending).to.include({ idempotencyKey: 'key-2', token: 'tok_1', attempt: 1 });
    expect(t.events.find((e) => e.type === 'complete')).to.deep.equal({ type: 'complete', sessionId: 'cs_1', orderId: 'ord_1', paymentId: 'ch_1' });
    const stored = JSON.stringify(await t.store.get('k'));
    expect(stored).to.contain('"pending":null');
    expect(stored + JSON.stringify(t.events)).not.to.contain('4242');
  });

  it('a timeout interrupts with reason "timeout" and offers Retry alone; Retry asks the server with the same key and token: one charge, no card asked', async () => {
    let completes = 0;
    let tokens = 0;
    const t = setup({
      tokenize: async () => ok(201, { token: `tok_${++tokens}` }),
      complete: async () => (++completes === 1 ? Promise.reject(new TimeoutError('slow')) : ok(200, { status: 'COMPLETED', paymentId: 'ch_1' })),
      interrupt: async () => ok(200, { status: 'INTERRUPTED', canResume: true, attempt: 1, maxAttempts: 3 }),
    });
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ phase: 'timed_out', status: 'interrupted', attempt: 1 });
    expect(present(t.controller.view).actions).to.deep.equal(['retry']);
    expect(t.events.find((e) => e.type === 'error')).to.include({ code: 'timeout', retryable: true });
    expect(t.calls.find((c) => c.method === 'interrupt')!.args[2]).to.equal('timeout');
    await t.controller.retry();
    const sent = t.calls.filter((c) => c.method === 'complete').map((c) => [c.args[2], c.args[3]]);
    expect(sent).to.deep.equal([
      ['tok_1', 'key-2'],
      ['tok_1', 'key-2'],
    ]);
    expect(tokens).to.equal(1);
    expect(t.calls.some((c) => c.method === 'resume')).to.equal(false);
    expect(t.controller.view).to.include({ phase: 'completed', attempt: 1 });
  });

  it('after a timeout, when the server says the key started no charge, Retry resumes and pays the next attempt with the card still entered', async () => {
    let completes = 0;
    let tokens = 0;
    const t = setup({
      tokenize: async () => ok(201, { token: `tok_${++tokens}` }),
      complete: async () => {
        completes++;
        if (completes === 1) throw new TimeoutError('slow');
        if (completes === 2) return fail(409, 'invalid_transition', { status: 'INTERRUPTED' });
        return ok(200, { status: 'COMPLETED', paymentId: 'ch_2' });
      },
      getSession: async () => ok(200, session({ status: completes >= 2 ? 'INTERRUPTED' : 'INITIATED' })),
      interrupt: async () => ok(200, { status: 'INTERRUPTED', canResume: true, attempt: 1, maxAttempts: 3 }),
      resume: async () => ok(200, { status: 'RESUMED', attempt: 1, maxAttempts: 3 }),
    });
    await t.controller.start();
    await t.controller.pay();
    await t.controller.retry();
    const sent = t.calls.filter((c) => c.method === 'complete').map((c) => [c.args[2], c.args[3]]);
    expect(sent.map((x) => x[1])).to.deep.equal(['key-2', 'key-2', 'key-5']); // key-3: the interruption, key-4: the resume
    expect(sent[2]![0]).to.equal('tok_2');
    expect(t.controller.view).to.include({ phase: 'completed' });
  });

  it('202 PROCESSING waits for the stream; a COMPLETED session from it completes', async () => {
    let push: (s: SessionJson) => void = () => {};
    const t = setup({ complete: async () => ok(202, { status: 'PROCESSING' }) }, { watch: (_id, _secret, onSession) => ((push = onSession), { stop() {} }) });
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ status: 'processing', phase: 'confirming' });
    push(session({ status: 'COMPLETED', paymentId: 'ch_9' }));
    await waitUntil(() => t.controller.view.status === 'completed');
    expect(t.events.find((e) => e.type === 'complete')).to.include({ paymentId: 'ch_9' });
  });

  it('the server unreachable keeps the attempt; networkBack() continues it with the same key', async () => {
    let completes = 0;
    const t = setup({
      complete: async () => (++completes === 1 ? Promise.reject(new NetworkError('down')) : ok(200, { status: 'COMPLETED', paymentId: 'ch_1' })),
    });
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ link: 'server_away', phase: 'paying' });
    expect(present(t.controller.view)).to.deep.include({ message: 'msg.reconnecting', actions: ['retry'] });
    expect(t.events.find((e) => e.type === 'error')).to.include({ code: 'network', retryable: true });
    await t.controller.networkBack();
    expect(t.controller.view).to.include({ link: 'up', status: 'completed' });
    expect(new Set(t.calls.filter((c) => c.method === 'complete').map((c) => c.args[3]))).to.deep.equal(new Set(['key-2']));
  });

  it('503 queued_offline sets `queued`; the replayed answer from the service worker finishes the attempt', async () => {
    const results = new Set<(a: ReplayedAnswer) => void>();
    const bridge: OfflineBridge = {
      register: async () => {},
      onResult: (cb) => (results.add(cb), () => results.delete(cb)),
      onQueueChange: () => () => {},
      requestReplay: () => {},
      nudgeReplay: () => {},
      setProcessing: () => {},
      dispose: () => {},
    };
    const t = setup({ complete: async () => fail(503, 'queued_offline') }, { bridge });
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ queued: true });
    // The browser is online here, so the request was kept because the server is away.
    expect(present(t.controller.view)).to.deep.include({ message: 'msg.queued.server', actions: [] });
    results.forEach((cb) =>
      cb({ idempotencyKey: 'key-2', url: '/api/payments/session/cs_1/complete', status: 200, body: { status: 'COMPLETED', paymentId: 'ch_q' } }),
    );
    await waitUntil(() => t.controller.view.status === 'completed');
    expect(t.controller.view).to.include({ queued: false, paymentId: 'ch_q' });
  });

  it('while its request waits in the outbox, the reconnect tick only nudges the worker (its backoff is not restarted)', async () => {
    let onQueue: (q: readonly QueuedRequest[]) => void = () => {};
    const asked = { replay: 0, nudge: 0 };
    const bridge: OfflineBridge = {
      register: async () => {},
      onResult: () => () => {},
      onQueueChange: (cb) => ((onQueue = cb), () => {}),
      requestReplay: () => void asked.replay++,
      nudgeReplay: () => void asked.nudge++,
      setProcessing: () => {},
      dispose: () => {},
    };
    const t = setup({ complete: async () => fail(503, 'queued_offline') }, { bridge });
    await t.controller.start();
    await t.controller.pay();
    const before = asked.replay;
    onQueue([{ sessionId: 'cs_1', idempotencyKey: 'key-2' }]);
    await waitUntil(() => asked.nudge > 0, 'the reconnect tick nudged the worker', { timeout: 3000 });
    expect(asked.replay).to.equal(before);
    t.controller.stop();
  });

  it('a restored pending attempt is re-sent with its saved key at start', async () => {
    const t = setup({
      getSession: async () => ok(200, session({ status: 'PROCESSING' })),
      complete: async () => ok(200, { status: 'COMPLETED', paymentId: 'ch_1' }),
    });
    await t.store.put({
      key: 'k',
      api: '/api/payments',
      orderId: 'ord_1',
      sessionId: 'cs_1',
      clientSecret: 's',
      status: 'PROCESSING',
      attempt: 1,
      maxAttempts: 3,
      pending: { idempotencyKey: 'saved', attempt: 1, startedAt: 0, token: 'tok_saved' },
      updatedAt: 0,
    });
    await t.controller.start();
    expect(t.events[0]).to.deep.include({ type: 'status' });
    expect(t.events.find((e) => e.type === 'ready')).to.deep.equal({ type: 'ready', sessionId: 'cs_1', restored: true });
    expect(t.calls.find((c) => c.method === 'complete')!.args.slice(2, 4)).to.deep.equal(['tok_saved', 'saved']);
    expect(t.controller.view.status).to.equal('completed');
  });

  it('a decline interrupts with the reason; Retry resumes (with its own saved key) for the next attempt', async () => {
    const t = setup({
      complete: async () => fail(402, 'card_declined', { status: 'INTERRUPTED', attempt: 1, maxAttempts: 3, canResume: true }),
      getSession: async () => ok(200, session({ status: 'INTERRUPTED', lastError: { code: 'card_declined', message: 'x' } })),
      resume: async () => ok(200, { status: 'RESUMED', attempt: 2, maxAttempts: 3 }),
    });
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ status: 'interrupted', phase: 'declined', reason: 'card_declined' });
    expect(present(t.controller.view)).to.deep.include({ message: 'msg.card_declined', kind: 'error', actions: ['retry', 'cancel'] });
    await t.controller.retry();
    expect(t.controller.view).to.include({ status: 'resumed', attempt: 2 });
    expect((await t.store.get('k'))!.opKeys).to.have.property('resume:1');
  });

  it('a cancel that meets no server is re-sent by itself with the same key when it is back, then emits cancel', async () => {
    let cancels = 0;
    const t = setup({ cancel: async () => (++cancels === 1 ? Promise.reject(new NetworkError('down')) : ok(200, { status: 'CANCELLED', reason: 'user' })) });
    await t.controller.start();
    await t.controller.cancel();
    expect(t.controller.view).to.include({ link: 'server_away', status: 'initiated' });
    expect(t.events.some((e) => e.type === 'cancel')).to.equal(false);
    await t.controller.networkBack();
    const keys = t.calls.filter((c) => c.method === 'cancel').map((c) => c.args[3]);
    expect(keys).to.have.length(2);
    expect(keys[0]).to.equal(keys[1]);
    expect(t.controller.view.status).to.equal('cancelled');
    expect(t.events.find((e) => e.type === 'cancel')).to.deep.equal({ type: 'cancel', sessionId: 'cs_1', reason: 'user' });
  });

  it('order-token: the session is created from the signed order; a refused token is a final view (invalid_order_token)', async () => {
    const t = setup({ createSession: async () => fail(400, 'invalid_order_token') }, { orderId: null, orderToken: 'h.eyJvcmRlcklkIjoib3JkXzcifQ.s' });
    await t.controller.start();
    expect(t.calls[0]!.args[0]).to.deep.equal({ orderToken: 'h.eyJvcmRlcklkIjoib3JkXzcifQ.s' });
    expect(t.controller.view).to.include({ phase: 'unavailable', reason: 'invalid_order_token' });
    expect(present(t.controller.view)).to.deep.include({ status: 'status.unavailable', message: 'msg.invalid_order_token', actions: [] });
    expect(t.events.find((e) => e.type === 'error')).to.include({ code: 'invalid_order_token', retryable: false });
    expect(t.events.some((e) => e.type === 'ready')).to.equal(false);
  });

  it('max retries: the final view offers a new checkout for the same order; restart() creates a new session', async () => {
    let creates = 0;
    const t = setup({
      createSession: async () => ok(201, { ...session({ sessionId: `cs_${++creates}` }), clientSecret: 's' }),
      complete: async () => fail(402, 'card_declined', { status: 'FAILED_MAX_RETRIES', attempt: 3, maxAttempts: 3, canResume: false }),
      getSession: async () => ok(200, session({ status: 'FAILED_MAX_RETRIES', attempts: 3, lastError: { code: 'card_declined', message: 'x' } })),
    });
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ phase: 'max_retries' });
    expect(present(t.controller.view).actions).to.deep.equal(['restart', 'cancel']);
    expect(t.events.filter((e) => e.type === 'error').map((e) => (e as { code: string }).code)).to.include('max_retries_exceeded');
    await t.controller.pay(); // not offered: does nothing
    expect(t.calls.filter((c) => c.method === 'complete')).to.have.length(1);
    await t.controller.restart();
    expect(t.controller.view).to.include({ phase: 'ready', sessionId: 'cs_2' });
    expect(t.events.filter((e) => e.type === 'ready').map((e) => (e as { sessionId: string }).sessionId)).to.deep.equal(['cs_1', 'cs_2']);
  });

  it('the browser offline while the server charges, then online: the server is asked again and "offline" goes away', async () => {
    let processing = false;
    const t = setup(
      {
        complete: async () => ((processing = true), ok(202, { status: 'PROCESSING' })),
        getSession: async () => ok(200, session({ status: processing ? 'PROCESSING' : 'INITIATED' })),
      },
      { diagnose: async () => 'offline' },
    );
    await t.controller.start();
    await t.controller.pay();
    expect(t.controller.view).to.include({ phase: 'confirming' });
    t.controller.networkLost();
    expect(present(t.controller.view).message).to.equal('msg.offline');
    await t.controller.networkBack();
    expect(t.controller.view).to.include({ link: 'up', phase: 'confirming' });
    expect(present(t.controller.view).message).to.equal('msg.awaiting');
  });

  it('the browser offline while ready (no Pay pressed): says so at once with Pay kept, no error event; online clears it', async () => {
    let online = false;
    const t = setup(
      {
        getSession: async () => (online ? ok(200, session({ status: 'INITIATED' })) : Promise.reject(new NetworkError('Failed to fetch'))),
      },
      { diagnose: async () => (online ? 'reachable' : 'offline') },
    );
    await t.controller.start();
    expect(t.controller.view).to.include({ phase: 'ready', link: 'up' });
    t.controller.networkLost();
    expect(t.controller.view).to.include({ phase: 'ready', link: 'offline' });
    expect(present(t.controller.view)).to.deep.include({ message: 'msg.offline.ready', actions: ['pay', 'cancel'] });
    expect(t.events.filter((e) => e.type === 'error')).to.have.length(0);
    online = true;
    await t.controller.networkBack();
    expect(t.controller.view).to.include({ phase: 'ready', link: 'up' });
    expect(present(t.controller.view).message).to.equal('msg.enterCard');
  });

  it('never throws at its host: an unexpected failure becomes an error event', async () => {
    const t = setup({ createSession: async () => Promise.reject(new Error('boom')) });
    await t.controller.start();
    expect(t.events.find((e) => e.type === 'error')).to.include({ code: 'unexpected' });
  });
});

describe('card fields and strings', () => {
  it('parses MM/YY and MM/YYYY and rejects other shapes', () => {
    expect(parseExpiry('12/34')).to.deep.equal({ expMonth: 12, expYear: 2034 });
    expect(parseExpiry('1 / 2030')).to.deep.equal({ expMonth: 1, expYear: 2030 });
    expect(parseExpiry('13/34')).to.equal(null);
    expect(paymentFromFields({ number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123' })).to.deep.equal({
      card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' },
    });
    expect(paymentFromFields({ number: '', expiry: '12/34', cvc: '123' })).to.deep.equal({ error: 'missing_card' });
    expect(paymentFromFields({ number: '42', expiry: '12/34', cvc: '123' })).to.deep.equal({ error: 'invalid_card_number' });
    expect(paymentFromFields({ number: '4242424242424242', expiry: '1234x', cvc: '123' })).to.deep.equal({ error: 'invalid_expiry' });
  });

  it('resolves locales by language and falls back to English per string', async () => {
    await loadLocale('fr');
    expect(resolveLocale('fr-CA')).to.equal('fr');
    expect(resolveLocale('ja')).to.equal('en');
    expect(translate('fr', 'attempts', { attempt: 2, max: 3 })).to.equal('Tentative 2 sur 3');
    expect(translate('ja', 'msg.timeout')).to.equal(translate('en', 'msg.timeout'));
    expect(translate('fr', 'no.such.key')).to.equal('no.such.key');
  });
});
