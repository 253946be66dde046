import { describe, expect, it } from 'vitest';
import { LocalSessionEvents } from './events.js';
import { SessionFeeds, type Snapshot } from './streams.js';
import { watch } from './watch.js';

/** A session whose version moves when `change()` is called; the feed reads it as the store would. */
function session() {
  const events = new LocalSessionEvents();
  let version = 1;
  const feeds = new SessionFeeds({ events, read: async () => ({ version, data: `v${version}` }), durable: async () => {} });
  return {
    feeds,
    change: () => {
      version++;
      events.publish('cs_1');
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('watch', () => {
  it('should give the session now, then each change', async () => {
    const s = session();
    const states = watch(s.feeds, 'cs_1');
    expect((await states.next()).value).toEqual({ version: 1, data: 'v1' });
    s.change();
    expect((await states.next()).value).toEqual({ version: 2, data: 'v2' });
    states.close();
    expect((await states.next()).done).toBe(true);
    expect(s.feeds.size).toBe(0);
  });

  it('should keep only the newest state while the consumer is busy', async () => {
    const s = session();
    const states = watch(s.feeds, 'cs_1');
    await states.next();
    for (let i = 0; i < 5; i++) {
      s.change();
      await tick();
    }
    expect((await states.next()).value).toEqual({ version: 6, data: 'v6' });
    states.close();
  });

  it('should not give again the version the consumer has (Last-Event-ID), only the next one', async () => {
    const s = session();
    const states = watch(s.feeds, 'cs_1', 1);
    const first = states.next();
    await tick();
    s.change();
    expect((await first).value).toEqual({ version: 2, data: 'v2' });
    states.close();
  });

  it('should end a for-await loop on close, and stop following when the loop is left', async () => {
    const s = session();
    const seen: Snapshot[] = [];
    const states = watch(s.feeds, 'cs_1');
    const loop = (async () => {
      for await (const state of states) seen.push(state);
    })();
    await tick();
    states.close();
    await loop;
    expect(seen.map((x) => x.version)).toEqual([1]);

    const again = watch(s.feeds, 'cs_1');
    for await (const _ of again) break;
    expect(s.feeds.size).toBe(0);
  });
});
