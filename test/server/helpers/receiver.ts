/**
 * A real HTTP webhook receiver on 127.0.0.1 (a free port) for the webhook suites. Each request is answered by `behave`
 * (given the request's number, 1-based, per URL path): a status, a redirect, a connection reset, or a hang. It records every
 * request it read (headers, body, time) and the most requests it had in flight at once.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Behaviour = { status: number; body?: string; location?: string; delayMs?: number } | 'reset' | 'hang';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  maxInFlight: number;
  /** The most requests in flight at once carrying one `webhook-id` (an attempt sent twice at once would make it 2). */
  maxInFlightPerId: number;
  behave: (n: number, req: Received) => Behaviour;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

export async function startReceiver(behave: Receiver['behave'] = () => ({ status: 200 }), port = 0): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const counts = new Map<string, number>();
  let inFlight = 0;
  const perId = new Map<string, number>();
  const r: Receiver = { url: '', received: [], maxInFlight: 0, maxInFlightPerId: 0, behave, close: async () => {} };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    inFlight++;
    r.maxInFlight = Math.max(r.maxInFlight, inFlight);
    const id = String(req.headers['webhook-id'] ?? '');
    perId.set(id, (perId.get(id) ?? 0) + 1);
    r.maxInFlightPerId = Math.max(r.maxInFlightPerId, perId.get(id)!);
    let body = '';
    for await (const chunk of req) body += chunk;
    const rec: Received = { path: req.url ?? '/', headers: req.headers as Record<string, string>, body, at: Date.now() };
    r.received.push(rec);
    const n = (counts.get(rec.path) ?? 0) + 1;
    counts.set(rec.path, n);
    const b = r.behave(n, rec);
    const done = () => {
      inFlight--;
      perId.set(id, perId.get(id)! - 1);
    };
    if (b === 'reset') {
      done();
      req.socket.resetAndDestroy();
      return;
    }
    if (b === 'hang') {
      res.on('close', done);
      return;
    }
    if (b.delayMs) await new Promise((ok) => setTimeout(ok, b.delayMs));
    done();
    res.writeHead(b.status, { 'content-type': 'text/plain', ...(b.location ? { location: b.location } : {}) });
    res.end(b.body ?? 'ok');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () =>
    new Promise<void>((ok) => {
      for (const s of sockets) s.destroy();
      server.close(() => ok());
    });
  return r;
}

/** Waits until `pred` holds for what was received (polling). */
export async function waitForReceived(r: Receiver, pred: (got: Received[]) => boolean, timeoutMs = 15_000, what = 'webhooks'): Promise<Received[]> {
  const until = Date.now() + timeoutMs;
  while (!pred(r.received)) {
    if (Date.now() > until) throw new Error(`${what} not received in ${timeoutMs} ms; got ${r.received.length}: ${r.received.map((x) => x.path).join(', ')}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
  return r.received;
}
