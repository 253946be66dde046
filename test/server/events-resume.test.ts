/**
 * Resuming an event stream (docs/API.md "Event stream"): the stream tells EventSource how long to wait before it
 * reconnects (`retry:`), names every status event by the session's version (`id:`), and a reconnect's `Last-Event-ID`
 * equal to the current version sends nothing until the next change, while an older one gets the current state at once.
 * Real server, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, post } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';
import { openEvents, type EventStream } from './helpers/sse.js';

let srv: InProcessServer;
const streams: EventStream[] = [];

beforeAll(async () => {
  srv = await startInProcess();
});
afterAll(async () => {
  for (const s of streams) s.close();
  await srv?.stop();
});

async function open(...args: Parameters<typeof openEvents>) {
  const s = await openEvents(...args);
  streams.push(s);
  return s;
}

/** The `id:` of every status event received so far. */
const ids = (s: EventStream) => [...s.raw().matchAll(/^id: ?(\d+)$/gm)].map((m) => Number(m[1]));

describe('event stream ids and reconnects', () => {
  it('starts with a retry field and names each status event by the session version', async () => {
    const s = await createSession(srv.url);
    const es = await open(srv.url, s.sessionId, { auth: s.clientSecret });
    expect((await es.next()).status).toBe('INITIATED');
    expect(es.raw()).toMatch(/^retry: 3000\n\n/);
    await post(srv.url, s, 'interrupt', { reason: 'network' });
    expect((await es.next()).status).toBe('INTERRUPTED');
    const [first, second] = ids(es);
    expect(second).toBeGreaterThan(first!);
  });

  it('does not resend an unchanged session to a reconnect with the current Last-Event-ID', async () => {
    const s = await createSession(srv.url);
    const es = await open(srv.url, s.sessionId, { auth: s.clientSecret });
    await es.next();
    const current = ids(es)[0]!;
    es.close();

    const again = await open(srv.url, s.sessionId, { auth: s.clientSecret, lastEventId: String(current) });
    expect(again.status).toBe(200);
    await post(srv.url, s, 'interrupt', { reason: 'network' });
    // The first event after the reconnect is the change, not the state it already had.
    expect((await again.next()).status).toBe('INTERRUPTED');
    expect(ids(again)).toEqual([expect.any(Number)]);
    expect(ids(again)[0]).toBeGreaterThan(current);
  });

  it('sends the current state at once to a reconnect with an older (or unusable) Last-Event-ID', async () => {
    const s = await createSession(srv.url);
    const es = await open(srv.url, s.sessionId, { auth: s.clientSecret });
    await es.next();
    const old = ids(es)[0]!;
    es.close();
    await post(srv.url, s, 'interrupt', { reason: 'network' });

    const behind = await open(srv.url, s.sessionId, { auth: s.clientSecret, lastEventId: String(old) });
    expect((await behind.next()).status).toBe('INTERRUPTED');
    const garbage = await open(srv.url, s.sessionId, { auth: s.clientSecret, lastEventId: 'not-a-version' });
    expect((await garbage.next()).status).toBe('INTERRUPTED');
  });
});
