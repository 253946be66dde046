/**
 * A session's states as an async iterable (what GET /session/:id/events sends): the session now, then after every
 * change. While the consumer is busy with one state, a newer one replaces any still waiting, so a stalled reader costs
 * one state, never a queue. `since`: the version the consumer already has (an SSE reconnect's `Last-Event-ID`): that
 * state is not given again, only a different one. Ends when closed (or when the consumer leaves its loop).
 */
import type { SessionFeeds, Snapshot } from './streams.js';

export interface SessionWatch extends AsyncIterableIterator<Snapshot> {
  /** Stops following the session; a consumer waiting for the next state gets the end. Safe to call twice. */
  close(): void;
}

export function watch(feeds: SessionFeeds, sessionId: string, since = -1): SessionWatch {
  let waiting: Snapshot | null = null;
  let wake: (() => void) | null = null;
  let closed = false;
  const stop = feeds.watch(
    sessionId,
    (s) => {
      waiting = s;
      wake?.();
    },
    since,
  );
  const end = { done: true, value: undefined } as const;
  const close = () => {
    if (closed) return;
    closed = true;
    stop();
    wake?.();
  };
  return {
    close,
    async next() {
      while (!waiting && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (closed) return end;
      const value: Snapshot = waiting!;
      waiting = null;
      return { done: false, value };
    },
    async return() {
      close();
      return end;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
