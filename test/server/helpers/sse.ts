/** Reads a session's `/events` stream frame by frame (fetch + a tiny SSE parser), so tests can await each `status` event. */
export interface EventStream {
  status: number;
  contentType: string | null;
  /** The next `status` event's data (parsed), or an error after timeoutMs. */
  next(timeoutMs?: number): Promise<any>;
  /** Raw text received so far. */
  raw(): string;
  close(): void;
}

export async function openEvents(base: string, sessionId: string, opts: { secret?: string; auth?: string; lastEventId?: string } = {}): Promise<EventStream> {
  const ac = new AbortController();
  const q = opts.secret ? `?client_secret=${encodeURIComponent(opts.secret)}` : '';
  const res = await fetch(`${base}/api/payments/session/${sessionId}/events${q}`, {
    headers: { ...(opts.auth ? { authorization: `Bearer ${opts.auth}` } : {}), ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}) },
    signal: ac.signal,
  });
  let raw = '';
  let buf = '';
  const queue: any[] = [];
  let waiter = null as (() => void) | null;
  let ended = false;
  if (res.body && res.status === 200) {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += value;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = /^data: ?(.*)$/m.exec(frame)?.[1];
            if (/^event: ?status$/m.test(frame) && data !== undefined) queue.push(JSON.parse(data));
            waiter?.();
          }
        }
      } catch {
        /* aborted */
      } finally {
        ended = true;
        waiter?.();
      }
    })();
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    raw: () => raw,
    async next(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (ended) throw new Error(`event stream ended; got:\n${raw}`);
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no status event within ${timeoutMs} ms; got:\n${raw}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiter = () => {
            clearTimeout(t);
            r();
          };
        });
        waiter = null;
      }
      return queue.shift();
    },
    close: () => ac.abort(),
  };
}
