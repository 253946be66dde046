/** The worker's side of `BroadcastChannel('payment-checkout')`: how it reaches every open page of the widget. */
import { CHANNEL_NAME, isPageToWorkerMessage, type PageToWorkerMessage, type WorkerToPageMessage } from '../../widget/src/shared/protocol.js';

export class PageChannel {
  readonly #channel = new BroadcastChannel(CHANNEL_NAME);

  post(message: WorkerToPageMessage): void {
    this.#channel.postMessage(message);
  }

  /** Page messages sent on the channel (a page without a controller cannot `postMessage` to the worker). */
  onMessage(handler: (message: PageToWorkerMessage) => void): void {
    this.#channel.addEventListener('message', (event: MessageEvent) => {
      if (isPageToWorkerMessage(event.data)) handler(event.data);
    });
  }
}
