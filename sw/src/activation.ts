/**
 * Updates never cut a payment short: a new worker waits while any page says a payment is processing
 * and calls `skipWaiting()` only when none does.
 *
 * The waiting worker asks every window client (`payment-state-query` with a reply port) instead of trusting what it was
 * told earlier: a page that was closed mid-payment cannot block updates forever, and a page that started paying a moment
 * ago is counted. Pages that do not answer in time (not a widget page) count as idle.
 */
import type { PaymentStateMessage } from '../../widget/src/shared/protocol.js';

declare const self: ServiceWorkerGlobalScope;

const QUERY_TIMEOUT_MS = 500;

export async function processingWindows(): Promise<{ windows: number; processing: number }> {
  const clients = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const states = await Promise.all(clients.map(askProcessing));
  return { windows: clients.length, processing: states.filter(Boolean).length };
}

function askProcessing(client: Client): Promise<boolean> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => finish(false), QUERY_TIMEOUT_MS);
    function finish(processing: boolean) {
      clearTimeout(timer);
      channel.port1.close();
      resolve(processing);
    }
    channel.port1.onmessage = (event: MessageEvent<PaymentStateMessage>) => finish(event.data?.type === 'payment-state' && event.data.processing === true);
    client.postMessage({ type: 'payment-state-query' }, [channel.port2]);
  });
}

/** Whether this worker is the installed one waiting behind an active worker. */
export function isWaiting(): boolean {
  return self.serviceWorker?.state === 'installed';
}

/** Activates this waiting worker when no page is processing a payment; returns whether it did. */
export async function activateWhenIdle(log: { info(message: string): void }): Promise<boolean> {
  if (!isWaiting()) return false;
  const { windows, processing } = await processingWindows();
  if (processing > 0) {
    log.info(`update waits: a payment is processing in ${processing} of ${windows} windows`);
    return false;
  }
  log.info(`no payment processing in ${windows} windows: activating the update`);
  await self.skipWaiting();
  return true;
}
