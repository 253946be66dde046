/**
 * The worker on a merchant's origin (sw/src/origin.ts), without a browser: the payment server's origin read from the
 * stack trace formats of the engines, and the precache manifest resolved against it. The browser run is
 * test/e2e/merchant-example.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { originFromStack, precacheEntries } from '../../sw/src/origin.js';

const SHELL = '/demo/checkout.html';
const manifest = [
  { url: '/payment-checkout.js', revision: 'a' },
  { url: SHELL, revision: 'b' },
  { url: '/payment-checkout-sw-bridge.X1.js', revision: 'c' },
];

describe('originFromStack', () => {
  it('reads the first frame of Chromium, Firefox and Safari stacks', () => {
    expect(originFromStack('Error\n    at https://pay.example:8443/payment-sw.js:1:2345\n    at https://shop.example/payment-sw.js:1:1', 'x')).toBe(
      'https://pay.example:8443',
    );
    expect(originFromStack('Error\n    at scriptOrigin (http://127.0.0.1:8787/payment-sw.js:1:99)', 'x')).toBe('http://127.0.0.1:8787');
    expect(originFromStack('@https://pay.example/payment-sw.js:1:2345\n@https://shop.example/sw.js:1:1\n', 'x')).toBe('https://pay.example');
    expect(originFromStack('global code@https://pay.example/payment-sw.js:1:2345', 'x')).toBe('https://pay.example');
  });

  it("falls back to the worker's own origin when the stack names no script", () => {
    expect(originFromStack('', 'https://shop.example')).toBe('https://shop.example');
    expect(originFromStack('Error\n    at <anonymous>', 'https://shop.example')).toBe('https://shop.example');
  });
});

describe('precacheEntries', () => {
  it('on the payment server: everything, at its own origin', () => {
    expect(precacheEntries(manifest, 'http://127.0.0.1:8787', true, SHELL).map((e) => e.url)).toEqual([
      'http://127.0.0.1:8787/payment-checkout.js',
      'http://127.0.0.1:8787/demo/checkout.html',
      'http://127.0.0.1:8787/payment-checkout-sw-bridge.X1.js',
    ]);
  });

  it("in a merchant's shim: the widget and its chunk from the payment server, not the demo's page; revisions kept", () => {
    expect(precacheEntries(manifest, 'https://pay.example', false, SHELL)).toEqual([
      { url: 'https://pay.example/payment-checkout.js', revision: 'a' },
      { url: 'https://pay.example/payment-checkout-sw-bridge.X1.js', revision: 'c' },
    ]);
  });
});
