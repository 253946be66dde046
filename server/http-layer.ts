/**
 * The Node HTTP server under the Hono app, and the answers for requests that never reach Hono: what Node's parser rejects
 * (malformed request line, chunk or header; headers over its limit), what @hono/node-server cannot turn into a web Request
 * (a backslash in the path, an invalid or missing `Host`, `OPTIONS *`), and an `Expect` other than `100-continue`.
 * Each answers in the contract's error shape, closes the connection, and is a client error, never a server one.
 */
import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from './log.js';

type Fetch = Parameters<typeof getRequestListener>[0];

const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/** A complete HTTP/1.1 error answer written on a raw socket (used where Node gives us no response object). */
function rawAnswer(status: string, code: string, message: string): string {
  const body = errorBody(code, message);
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

export function createHttpServer(fetch: Fetch, log: Logger): Server {
  const listener = getRequestListener(fetch, {
    // The request line or Host could not make a URL: 400 in the contract's shape (the default is an empty 400).
    errorHandler: () =>
      new Response(errorBody('bad_request', 'The request URL or Host header is not valid.'), {
        status: 400,
        headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close' },
      }),
  });
  // Node's own check for a missing Host answers an empty 400: let the listener answer it in the contract's shape.
  const server = createServer({ requireHostHeader: false }, listener);

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug({ code: err.code }, 'client error: malformed HTTP');
    if (!socket.writable || (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      return socket.destroy();
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    socket.end(
      tooLarge
        ? rawAnswer('431 Request Header Fields Too Large', 'headers_too_large', 'The request line or headers are too large.')
        : rawAnswer('400 Bad Request', 'bad_request', 'The request is not valid HTTP.'),
    );
  });

  // Node answers an unknown `Expect` with an empty 417 unless someone listens.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = errorBody('expectation_failed', 'Only `Expect: 100-continue` is supported.');
    res.writeHead(417, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', Connection: 'close' });
    res.end(body);
  });
  return server;
}

/** True when the request body failed at the client's end (a malformed chunk, a connection cut mid-body): a client error. */
export function bodyFailedAtClient(incoming: unknown): boolean {
  const req = incoming as IncomingMessage | undefined;
  if (!req || typeof req !== 'object' || !('complete' in req)) return false;
  return !req.complete && (req.destroyed || req.errored != null || (req as { aborted?: boolean }).aborted === true);
}
