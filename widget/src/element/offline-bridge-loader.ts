/**
 * The offline bridge as the controller sees it (`OfflineBridge`), available at once while the service worker module
 * (`../offline/sw-bridge.js`, with workbox-window) is loaded and registered in the background. Until then, and when
 * service workers are unavailable, it is inert: the widget works online only.
 */
import type { OfflineBridge, QueuedRequest, ReplayedAnswer } from '../offline/bridge.js';

export class DeferredOfflineBridge implements OfflineBridge {
  readonly #results = new Set<(a: ReplayedAnswer) => void>();
  readonly #queue = new Set<(queued: readonly QueuedRequest[]) => void>();
  #bridge: OfflineBridge | null = null;
  #processing = false;
  #disposed = false;

  async register(swUrl: string): Promise<void> {
    try {
      const { createOfflineBridge } = await import('../offline/sw-bridge.js');
      if (this.#disposed) return;
      const bridge = createOfflineBridge();
      this.#bridge = bridge;
      bridge.onResult((answer) => this.#results.forEach((cb) => cb(answer)));
      bridge.onQueueChange((queued) => this.#queue.forEach((cb) => cb(queued)));
      bridge.setProcessing(this.#processing);
      await bridge.register(swUrl);
    } catch {
      // No worker: the widget still pays online; network errors then show as such instead of being queued.
    }
  }

  onResult(cb: (answer: ReplayedAnswer) => void): () => void {
    this.#results.add(cb);
    return () => this.#results.delete(cb);
  }

  onQueueChange(cb: (queued: readonly QueuedRequest[]) => void): () => void {
    this.#queue.add(cb);
    return () => this.#queue.delete(cb);
  }

  requestReplay(): void {
    this.#bridge?.requestReplay();
  }

  nudgeReplay(): void {
    this.#bridge?.nudgeReplay();
  }

  setProcessing(processing: boolean): void {
    this.#processing = processing;
    this.#bridge?.setProcessing(processing);
  }

  dispose(): void {
    this.#disposed = true;
    this.#results.clear();
    this.#queue.clear();
    this.#bridge?.dispose();
    this.#bridge = null;
  }
}
