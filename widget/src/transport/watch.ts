/**
 * Live status as the controller's `watch`: `live-status.ts` (the event stream, then polling with `poller.ts`) is a
 * chunk of its own, loaded right after the first render (the worker precaches it too) and awaited by the first watch.
 * The stopper works at once; a failed load is tried again every few seconds while the watch lasts.
 */
import { lazy } from '../lazy.js';
import type { LiveStatusOptions } from './live-status.js';

export const liveStatus = lazy(() => import('./live-status.js'));

export function watchLive(options: LiveStatusOptions, retryMs = 3_000): { stop(): void } {
  let live: { stop(): void } | null = null;
  let stopped = false;
  const start = (): void =>
    void liveStatus().then(
      ({ LiveStatus }) => {
        if (stopped) return;
        const watcher = new LiveStatus(options);
        live = watcher;
        watcher.start();
      },
      () => !stopped && setTimeout(start, retryMs),
    );
  start();
  return {
    stop: () => {
      stopped = true;
      live?.stop();
    },
  };
}
