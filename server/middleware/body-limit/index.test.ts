import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../app.js';
import { AppError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { bodyLimit } from './index.js';

const LIMIT = 1024;

function app() {
  const a = new Hono();
  a.use(
    bodyLimit(LIMIT, () => {
      throw new AppError('payload_too_large');
    }),
  );
  a.post('/echo', async (c) => c.json({ bytes: (await c.req.text()).length }));
  a.get('/echo', (c) => c.json({ ok: true }));
  a.onError((err, c) => errorResponse(err, c, createLogger('silent')));
  return a;
}

/** A body sent without Content-Length (chunked): its size is known only as it arrives. */
function chunked(bytes: number): RequestInit {
  const chunk = new TextEncoder().encode('x'.repeat(256));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const n = Math.min(chunk.length, bytes - sent);
      controller.enqueue(chunk.subarray(0, n));
      sent += n;
    },
  });
  return { method: 'POST', body, duplex: 'half' } as RequestInit;
}

async function expectTooLarge(res: Response) {
  expect(res.status).toBe(413);
  expect(res.headers.get('Connection')).toBe('close'); // the rest of the body is not read
  expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: 'The request body is larger than 16 KiB.' } });
}

describe('bodyLimit', () => {
  describe('with Content-Length', () => {
    it('should pass a body of exactly the limit', async () => {
      const res = await app().request('/echo', { method: 'POST', body: 'x'.repeat(LIMIT), headers: { 'Content-Length': String(LIMIT) } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ bytes: LIMIT });
    });

    it('should return 413 payload_too_large for one byte more, from the header alone', async () => {
      await expectTooLarge(await app().request('/echo', { method: 'POST', body: 'x'.repeat(LIMIT + 1), headers: { 'Content-Length': String(LIMIT + 1) } }));
    });
  });

  describe('chunked (no Content-Length)', () => {
    it('should pass a body under the limit', async () => {
      const res = await app().request('/echo', chunked(LIMIT));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ bytes: LIMIT });
    });

    it('should return 413 payload_too_large once the bytes pass the limit', async () => {
      await expectTooLarge(await app().request('/echo', chunked(LIMIT * 4)));
    });
  });

  it('should not look at GET requests', async () => {
    const res = await app().request('/echo', { headers: { 'Content-Length': String(LIMIT * 10) } });
    expect(res.status).toBe(200);
  });
});
