import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { cors } from './index.js';

const ALLOWED = 'https://shop.example';
const REFUSED = 'https://evil.example';
const EXPOSED = ['Idempotent-Replayed', 'Retry-After', 'X-Request-Id'];

function app() {
  const a = new Hono();
  a.use(
    '/api/*',
    cors({
      allowed: (origin) => origin === ALLOWED,
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      exposeHeaders: EXPOSED,
      maxAgeSeconds: 600,
    }),
  );
  a.post('/api/pay', (c) => c.json({ ok: true }));
  return a;
}

const preflight = (origin: string) =>
  app().request('/api/pay', {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,idempotency-key' },
  });

describe('cors', () => {
  describe('preflight', () => {
    it('should allow an allowed origin its methods and headers, cached for maxAge', async () => {
      const res = await preflight(ALLOWED);
      expect(res.status).toBe(204);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
      expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET,POST,OPTIONS');
      expect(res.headers.get('Access-Control-Allow-Headers')).toBe('Authorization,Content-Type,Idempotency-Key');
      expect(res.headers.get('Access-Control-Max-Age')).toBe('600');
      expect(res.headers.get('Vary')).toContain('Origin');
    });

    it('should give a refused origin no Access-Control-Allow-Origin (the browser then blocks the request)', async () => {
      const res = await preflight(REFUSED);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    });
  });

  describe('request', () => {
    it('should let an allowed origin read the answer and the exposed headers', async () => {
      const res = await app().request('/api/pay', { method: 'POST', headers: { Origin: ALLOWED } });
      expect(res.status).toBe(200);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
      expect(res.headers.get('Access-Control-Expose-Headers')).toBe(EXPOSED.join(','));
      expect(res.headers.get('Vary')).toBe('Origin');
      expect(await res.json()).toEqual({ ok: true });
    });

    it('should answer a refused origin without CORS headers, and say the answer varies by Origin', async () => {
      const res = await app().request('/api/pay', { method: 'POST', headers: { Origin: REFUSED } });
      expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
      expect(res.headers.get('Access-Control-Expose-Headers')).toBeNull();
      expect(res.headers.get('Vary')).toBe('Origin');
    });

    it('should add nothing but Vary for a same-origin request (no Origin header)', async () => {
      const res = await app().request('/api/pay', { method: 'POST' });
      expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
      expect(res.headers.get('Vary')).toBe('Origin');
    });
  });
});
