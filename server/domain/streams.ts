/**
 * Event streams of sessions, bounded (docs/hardening.md). `StreamLimits` counts open streams per session, per client
 * address and in all, so one client can hold only so many sockets open on them. `SessionFeeds` reads a session once per
 * change, however many streams follow it, and hands each stream only the newest state it has not sent yet: a slow
 * reader never queues more than one status, and a stream sends nothing when nothing changed.
 */
import type { SessionEvents } from './events.js';

export type StreamLimit = 'session' | 'client' | 'server';

export interface StreamLimitsOptions {
  perSession: number;
  perClient: number;
  total: number;
}

export class StreamLimits {
  readonly #opts: StreamLimitsOptions;
  readonly #bySession = new Map<string, number>();
  readonly #byClient = new Map<string, number>();
  #total = 0;

  constructor(opts: StreamLimitsOptions) {
    this.#opts = opts;
  }

  get open(): number {
    return this.#total;
  }

  /** Takes a place for a stream, or names the limit it would cross. The release function is safe to call twice. */
  acquire(sessionId: string, client: string): { release: () => void } | { limit: StreamLimit } {
    if ((this.#bySession.get(sessionId) ?? 0) >= this.#opts.perSession) return { limit: 'session' };
    if ((this.#byClient.get(client) ?? 0) >= this.#opts.perClient) return { limit: 'client' };
    if (this.#total >= this.#opts.total) return { limit: 'server' };
    bump(this.#bySession, sessionId, 1);
    bump(this.#byClient, client, 1);
    this.#total++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        bump(this.#bySession, sessionId, -1);
        bump(this.#byClient, client, -1);
        this.#total--;
      },
    };
  }
}

function bump(map: Map<string, number>, key: string, by: number) {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

export interface Snapshot {
  version: number;
  data: string;
}

export interface FeedDeps {
  events: SessionEvents;
  /** The session as a stream shows it (already bounded: see history.ts). */
  read: (sessionId: string) => Promise<Snapshot>;
  /** Resolves once what was read can no longer be undone by a crash. */
  durable: () => Promise<void>;
  onError?: (err: unknown) => void;
  /** After a failed read, how long until the feed tries again (default 1 s). */
  retryMs?: number;
}

interface Watcher {
  version: number;
  send: (s: Snapshot) => void;
}

interface Feed {
  watchers: Set<Watcher>;
  latest: Snapshot | null;
  reading: boolean;
  dirty: boolean;
  unsubscribe: () => void;
}

export class SessionFeeds {
  readonly #d: FeedDeps;
  readonly #feeds = new Map<string, Feed>();

  constructor(deps: FeedDeps) {
    this.#d = deps;
  }

  /**
   * Calls `send` with the session now and after every change; returns the function that stops it. `since`: the version
   * the watcher already has (an SSE reconnect's `Last-Event-ID`): that state is not sent again, only a different one.
   */
  watch(sessionId: string, send: (s: Snapshot) => void, since = -1): () => void {
    let feed = this.#feeds.get(sessionId);
    if (!feed) {
      const f: Feed = { watchers: new Set(), latest: null, reading: false, dirty: false, unsubscribe: () => {} };
      f.unsubscribe = this.#d.events.subscribe(sessionId, () => void this.#refresh(sessionId, f));
      this.#feeds.set(sessionId, f);
      feed = f;
    }
    const w: Watcher = { version: since, send };
    feed.watchers.add(w);
    if (feed.latest && !feed.reading && !feed.dirty) this.#deliver(w, feed.latest);
    else void this.#refresh(sessionId, feed);
    const f = feed;
    return () => {
      if (!f.watchers.delete(w) || f.watchers.size > 0) return;
      f.unsubscribe();
      if (this.#feeds.get(sessionId) === f) this.#feeds.delete(sessionId);
    };
  }

  /** Sessions with at least one watcher (for tests and metrics). */
  get size(): number {
    return this.#feeds.size;
  }

  #deliver(w: Watcher, s: Snapshot) {
    if (w.version === s.version) return;
    w.version = s.version;
    w.send(s);
  }

  async #refresh(sessionId: string, feed: Feed): Promise<void> {
    if (feed.reading) {
      feed.dirty = true;
      return;
    }
    feed.reading = true;
    try {
      do {
        feed.dirty = false;
        const snap = await this.#d.read(sessionId);
        await this.#d.durable(); // never show a change that a crash could still undo
        feed.latest = snap;
        for (const w of feed.watchers) this.#deliver(w, snap);
      } while (feed.dirty && feed.watchers.size > 0);
    } catch (err) {
      this.#d.onError?.(err);
      feed.latest = null;
      const retry = setTimeout(() => feed.watchers.size > 0 && void this.#refresh(sessionId, feed), this.#d.retryMs ?? 1_000);
      retry.unref();
    } finally {
      feed.reading = false;
    }
  }
}
