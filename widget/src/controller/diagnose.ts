/**
 * Why a request got no answer: the browser offline, the payment server away, or a server that answers but refuses this
 * page's origin (CORS), which no retry will fix. Needed only once a request has failed, so the widget loads it as a
 * chunk of its own (`payment-checkout-diagnose.<hash>.js`), started right after its first render.
 */
export type Diagnosis = 'offline' | 'server_away' | 'origin_refused' | 'reachable';

/**
 * Why a request got no answer. The browser offline says it all. Otherwise a `no-cors` probe of the API's origin: if it
 * fails, the server is away. If it resolves, the server is up: a plain CORS request tells whether it refuses us
 * (then a console error says so and names the fix).
 */
export async function diagnose(apiBase: string, fetchImpl: typeof fetch = (i, o) => fetch(i, o)): Promise<Diagnosis> {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return 'offline';
  const url = new URL(`${apiBase.replace(/\/+$/, '')}/openapi.json`, typeof location === 'undefined' ? undefined : location.href).href;
  const probe = (mode: RequestMode) =>
    fetchImpl(url, { method: 'HEAD', mode, credentials: 'omit', cache: 'no-store', signal: AbortSignal.timeout(10_000) }).then(
      () => true,
      () => false,
    );
  if (!(await probe('no-cors'))) return 'server_away';
  if (await probe('cors')) return 'reachable';
  // No retry fixes this one: the console names the fix, for whoever integrates the widget.
  console.error(
    `<payment-checkout>: the payment server at ${apiBase} refuses requests from ${location.origin} (CORS). Add ${location.origin} to ALLOWED_ORIGINS on the payment server.`,
  );
  return 'origin_refused';
}
