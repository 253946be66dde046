/**
 * The HTTP layer under Hono, over raw sockets: what Node's parser or @hono/node-server reject before the app runs still
 * answers in the contract's error shape and closes the connection; a malformed chunked body is a client error (400, logged
 * as one), not a storage outage; a 413 for an oversize chunked body says `Connection: close`.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';

let srv: StartedServer;

beforeAll(async () => {
  srv = await startServer({ env: { LOG_LEVEL: 'info' } });
});
afterAll(async () => {
  await srv?.stop();
  srv?.cleanup();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Writes `request` as is and reads until the server closes the connection (it must: every case here ends it). */
function raw(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(srv.port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open; received:\n${data}`));
    }, 10_000);
    socket.on('data', (d) => (data += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const [head, ...rest] = data.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      let body: unknown = rest.join('\r\n\r\n');
      try {
        body = JSON.parse(body as string);
      } catch {}
      resolve({ status: Number(lines[0].split(' ')[1]), headers, body });
    });
    socket.write(request);
  });
}

function expectShape(a: RawAnswer, status: number, code: string) {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toMatch(/application\/json/);
  expect(a.body?.error?.code).toBe(code);
  expect(typeof a.body.error.message).toBe('string');
  expect(a.headers.connection?.toLowerCase()).toBe('close');
}

const CREATE = 'POST /api/payments/session/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';

describe('requests rejected below the app answer in the contract shape', () => {
  it.each([
    ['a backslash in the path', 'GET /a\\b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a Host with a space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n'],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['no Host', 'GET /healthz HTTP/1.1\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
  ])('%s → 400 bad_request', async (_name, request) => {
    expectShape(await raw(request), 400, 'bad_request');
  });

  it('Expect: bogus → 417 expectation_failed', async () => {
    expectShape(await raw(`${CREATE}Expect: bogus\r\nContent-Length: 2\r\n\r\n{}`), 417, 'expectation_failed');
  });

  it('headers over the limit → 431 headers_too_large', async () => {
    expectShape(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'headers_too_large');
  });
});

describe('bodies', () => {
  it('a malformed chunked body is a 400 client error, not a storage outage', async () => {
    const before = srv.output().length;
    expectShape(await raw(`${CREATE}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`), 400, 'bad_request');
    await new Promise((r) => setTimeout(r, 300)); // the app's side of the same request logs a moment later
    const log = srv.output().slice(before);
    expect(log).not.toMatch(/storage unavailable|request failed|"status":5\d\d/);
    // The server still works.
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it('an oversize chunked body → 413 payload_too_large with Connection: close', async () => {
    const chunk = 'a'.repeat(0x5000);
    expectShape(await raw(`${CREATE}Transfer-Encoding: chunked\r\n\r\n5000\r\n${chunk}\r\n0\r\n\r\n`), 413, 'payload_too_large');
  });

  it('an oversize declared body → 413 with Connection: close', async () => {
    expectShape(await raw(`${CREATE}Content-Length: 20000\r\n\r\n${'a'.repeat(20_000)}`), 413, 'payload_too_large');
  });
});
