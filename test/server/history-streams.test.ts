/**
 * Issue 14 item 1: a session's history and its event streams are bounded. Interrupt → resume costs no attempt before a
 * payment, so a client can repeat it without end: the lists keep the latest 50 with full counts on /summary; streams are
 * capped per session and per client address (429 `too_many_streams` before the stream opens); a stream sends the
 * bounded session and nothing when nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createSession, expectError, getSession, post } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';
import { openEvents, type EventStream } from './helpers/sse.js';

const PER_SESSION = 3;
const PER_CLIENT = 5;
let srv: InProcessServer;
let base: string;
const streams: EventStream[] = [];

beforeAll(async () => {
  srv = await startInProcess({ SSE_MAX_PER_SESSION: String(PER_SESSION), SSE_MAX_PER_CLIENT: String(PER_CLIENT) });
  base = srv.url;
});
afterAll(async () => {
  for (const s of streams) s.close();
  await srv?.stop();
});

async function open(s: { sessionId: string; clientSecret: string }) {
  const ev = await openEvents(base, s.sessionId, { secret: s.clientSecret });
  if (ev.status === 200) streams.push(ev);
  return ev;
}

/** Opens a stream once a place is free (a closed stream gives its place back when the server sees the disconnect). */
async function openWhenFree(s: { sessionId: string; clientSecret: string }) {
  for (let i = 0; ; i++) {
    const ev = await open(s);
    if (ev.status === 200 || i === 100) return ev;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function cycle(s: { sessionId: string; clientSecret: string }, n: number) {
  for (let i = 0; i < n; i++) {
    expect((await post(base, s, 'interrupt', { reason: `r${i}` })).status).toBe(200);
    expect((await post(base, s, 'resume')).status).toBe(200);
  }
}

describe('history growth', () => {
  it('keeps the latest 50 interruptions and retries; /summary counts them all', async () => {
    const s = await createSession(base);
    const ev = await open(s);
    await ev.next();
    await cycle(s, 60);

    const got = await getSession(base, s);
    expect(got.metadata.interruptions).toHaveLength(50);
    expect(got.metadata.retries).toHaveLength(50);
    // The latest ones are kept, in order.
    expect(got.metadata.interruptions.at(-1).reason).toBe('r59');
    expect(got.metadata.interruptions[0].reason).toBe('r10');

    const sum = await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: s.clientSecret });
    expect(sum.status).toBe(200);
    expect(sum.body).toMatchObject({ interruptionCount: 60, retryCount: 60 });
    expect(sum.body.interruptions).toHaveLength(50);

    // What a stream sends per change is the bounded session: measured, not grown with the cycles.
    let last: any;
    for (;;) {
      last = await ev.next();
      if (last.metadata.retries.length === 50 && last.status === 'RESUMED' && last.metadata.interruptions.at(-1).reason === 'r59') break;
    }
    ev.close();
    const frame = JSON.stringify(last).length;
    expect(frame).toBeLessThan(12 * 1024);
    await cycle(s, 20);
    expect(JSON.stringify(await getSession(base, s)).length).toBeLessThanOrEqual(frame + 200);
  });
});

describe('event stream caps', () => {
  it(`refuses stream ${PER_SESSION + 1} of one session with 429 too_many_streams, and takes one again once a stream closes`, async () => {
    const s = await createSession(base);
    const open3 = [];
    for (let i = 0; i < PER_SESSION; i++) open3.push(await open(s));
    for (const ev of open3) expect(ev.status).toBe(200);
    const refused = await call(base, 'GET', `/session/${s.sessionId}/events`, { auth: s.clientSecret });
    expectError(refused, 429, 'too_many_streams');
    expect(refused.body.error.details).toEqual({ limit: 'session' });

    open3[0]!.close();
    const again = await openWhenFree(s);
    expect(again.status).toBe(200);
    for (const ev of [...open3, again]) ev.close();
  });

  it(`refuses stream ${PER_CLIENT + 1} from one client address across sessions`, async () => {
    const sessions = await Promise.all([createSession(base), createSession(base)]);
    const opened: EventStream[] = [];
    for (let i = 0; i < PER_CLIENT; i++) opened.push(await openWhenFree(sessions[i % 2]!));
    for (const ev of opened) expect(ev.status).toBe(200);
    const third = await createSession(base);
    const refused = await call(base, 'GET', `/session/${third.sessionId}/events`, { auth: third.clientSecret });
    expectError(refused, 429, 'too_many_streams');
    expect(refused.body.error.details).toEqual({ limit: 'client' });
    for (const ev of opened) ev.close();
  });

  it('sends nothing when nothing changed (reads and refused changes send no status)', async () => {
    const s = await createSession(base);
    const ev = await openWhenFree(s);
    expect((await ev.next()).status).toBe('INITIATED');
    for (let i = 0; i < 5; i++) await getSession(base, s);
    expect((await post(base, s, 'resume')).status).toBe(409); // INITIATED cannot resume
    await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: s.clientSecret });
    await post(base, s, 'interrupt', { reason: 'network' });
    expect((await ev.next()).status).toBe('INTERRUPTED');
    await post(base, s, 'interrupt', { reason: 'network' }); // already interrupted: no change
    await post(base, s, 'cancel');
    expect((await ev.next()).status).toBe('CANCELLED');
    expect(ev.raw().match(/^event: status$/gm)).toHaveLength(3);
    ev.close();
  });
});
