/**
 * payment-sw.js — the service worker of contract §5.
 *
 * - precaches the widget and the checkout page shell (offline reload shows the checkout);
 * - keeps session POSTs that fail for lack of network in an IndexedDB outbox, and replays them with their original
 *   Idempotency-Key on `sync`, when a page asks, when the worker starts, and on a backoff timer while entries remain;
 * - tells every open page of the widget (BroadcastChannel 'payment-checkout') what happened;
 * - activates an update only when no page is processing a payment.
 */
/// <reference lib="webworker" />
import type { PageToWorkerMessage } from '../../widget/src/shared/protocol.js';
import { activateWhenIdle, isWaiting } from './activation.js';
import { AnswerArchive } from './answers.js';
import { log } from './log.js';
import { Outbox } from './outbox/outbox.js';
import { ReplayScheduler } from './outbox/replay-scheduler.js';
import { IdbOutboxStore } from './outbox/store.js';
import { PageChannel } from './pages.js';
import { checkoutNavigation, isCheckoutNavigation, setUpPrecache } from './precache.js';
import { isQueueable, queuedResponse } from './session-requests.js';

declare const self: ServiceWorkerGlobalScope & { registration: ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } } };

/** The Background Sync tag; Chromium fires `sync` with it when it thinks the network is back (often minutes later). */
const SYNC_TAG = 'payment-checkout-outbox';
const LOCK_NAME = 'payment-checkout-outbox';

const pages = new PageChannel();
const answers = new AnswerArchive();
const outbox = new Outbox({
  store: new IdbOutboxStore(),
  fetch: (request, init) => fetch(request, init),
  notify: (notice) => pages.post(notice),
  keepAnswer: (item, answer) => answers.keep(item, answer),
  // Old and new worker may both be alive during an update: one replay pass at a time (the key makes a double send harmless anyway).
  exclusive: <T>(fn: () => Promise<T>) => (self.navigator.locks ? (self.navigator.locks.request(LOCK_NAME, fn) as Promise<T>) : fn()),
  log,
});
const scheduler = new ReplayScheduler({
  replay: () => outbox.replay(),
  isAttended: async () => (await self.clients.matchAll({ type: 'window' })).length > 0,
  onPass: (_report, nextReplayAt) => void broadcastState(nextReplayAt),
});

async function broadcastState(nextReplayAt = scheduler.nextReplayAt): Promise<void> {
  try {
    const [items, kept] = await Promise.all([outbox.items(), answers.recent()]);
    pages.post({ type: 'outbox-state', items, nextReplayAt, answers: kept });
  } catch (err) {
    log.warn('could not read the outbox state', err);
  }
}

function replay(trigger: string, fresh = true): Promise<void> {
  return scheduler.replayNow(fresh).then(
    (r) => {
      if (r.delivered || r.dropped) log.info(`replay (${trigger}): ${r.delivered} delivered, ${r.dropped} dropped, ${r.remaining} waiting`);
    },
    (err: unknown) => log.warn(`replay (${trigger}) failed`, err),
  );
}

setUpPrecache();

self.addEventListener('activate', (event) => {
  // Take control of pages opened before the first install, so their first payment can already be queued.
  event.waitUntil(Promise.all([self.clients.claim(), replay('activate')]));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (isQueueable(request)) event.respondWith(sendOrQueue(event));
  else if (isCheckoutNavigation(request)) event.respondWith(checkoutNavigation(request));
});

async function sendOrQueue(event: FetchEvent): Promise<Response> {
  const request = event.request;
  const spare = request.clone(); // fetch() consumes the body
  try {
    const response = await fetch(request);
    // The server is reachable: whatever still waits in the outbox can go now.
    event.waitUntil(outbox.items().then((items) => (items.length ? replay('server reachable') : undefined)));
    return response;
  } catch (err) {
    // The page gave up on this request itself (its own timeout): it decides what happens next, not the outbox.
    if (request.signal.aborted) throw err;
    const stored = await outbox.enqueue(spare, err instanceof Error ? err.message : String(err)).catch((e: unknown) => {
      log.error('could not store the request in the outbox', e);
      return null;
    });
    if (stored === null || typeof stored === 'string') {
      if (typeof stored === 'string') log.warn(`not queued (${stored}): ${request.method} ${request.url}`);
      throw err;
    }
    event.waitUntil(afterQueued());
    return queuedResponse(stored);
  }
}

async function afterQueued(): Promise<void> {
  await self.registration.sync?.register(SYNC_TAG).catch((err: unknown) => log.info('background sync unavailable', String(err)));
  // Not `fresh`: the request just failed, so the first retry waits a backoff step.
  await scheduler.replayNow(false).catch(() => {});
}

self.addEventListener('sync', ((event: Event & { tag: string; lastChance: boolean; waitUntil(p: Promise<unknown>): void }) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    scheduler.replayNow(true).then((report) => {
      // Rejecting asks the browser to fire `sync` again later; on its last chance the timer and the pages carry on.
      if (report.remaining > 0 && !event.lastChance) throw new Error(`${report.remaining} requests still waiting`);
    }),
  );
}) as EventListener);

self.addEventListener('message', (event) => {
  const data = event.data as PageToWorkerMessage | undefined;
  const work = handlePageMessage(data, 'message');
  if (work) event.waitUntil(work);
});

// A page without a controller (first visit, hard reload) can only reach the worker on the channel. Only the active
// worker answers there, so a waiting update does not send everything twice.
pages.onMessage((message) => {
  if (self.serviceWorker?.state === 'activated') void handlePageMessage(message, 'channel');
});

function handlePageMessage(message: PageToWorkerMessage | undefined, via: string): Promise<unknown> | null {
  switch (message?.type) {
    case 'replay-outbox':
      if (isWaiting()) return null;
      return message.nudge ? scheduler.nudge().catch((err: unknown) => log.warn('replay (page nudge) failed', err)) : replay(`page asked via ${via}`);
    case 'outbox-status':
      return isWaiting() ? null : broadcastState();
    case 'payment-state':
      return isWaiting() ? activateWhenIdle(log) : null;
    default:
      return null;
  }
}

// The worker (re)starts whenever the browser needs it: whatever waits in the outbox is tried at once.
void replay('worker start');
