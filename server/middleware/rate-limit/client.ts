/**
 * Who the client is, behind the proxies we trust (`TRUST_PROXY`). Unset: the socket's peer address, and the scheme of
 * this socket (plain HTTP); `X-Forwarded-*` are ignored, since anyone can send them. A number N: the N proxies nearest
 * the server are trusted, so the address is the one N entries from the right of `X-Forwarded-For`. A comma list of
 * addresses or CIDRs (`10.0.0.0/8`, `::1`, or proxy-addr's `loopback`, `linklocal`, `uniquelocal`): entries from those
 * are skipped from the right, and the first other one is the client. `X-Forwarded-Proto` counts only when the socket's
 * peer is trusted. Parsing is proxy-addr's (Express's), not ours.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

type Trust = (addr: string, i: number) => boolean;

declare module 'hono' {
  interface ContextVariableMap {
    clientIp: string;
    /** The request reached us over https, directly or through a trusted proxy. */
    https: boolean;
  }
}

/** The TRUST_PROXY setting as proxy-addr's trust function (null: trust none); throws on an entry that is not an address or CIDR. */
export function parseTrustProxy(setting: string | undefined): Trust | null {
  const value = (setting ?? '').trim();
  if (value === '') return null;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_addr, i) => i < hops;
  }
  return proxyAddr.compile(
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** For config validation: the rule TRUST_PROXY must follow. */
export function isValidTrustProxy(setting: string): boolean {
  try {
    parseTrustProxy(setting);
    return true;
  } catch {
    return false;
  }
}

/** Sets `clientIp` and `https` for every request. */
export function clientInfo(trust: Trust | null): MiddlewareHandler {
  return async function clientInfoFromProxies(c, next) {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const peer = incoming?.socket?.remoteAddress;
    if (!incoming || !peer) {
      c.set('clientIp', 'unknown');
      c.set('https', new URL(c.req.url).protocol === 'https:');
      return next();
    }
    let https = (incoming.socket as { encrypted?: boolean }).encrypted === true;
    if (!trust) {
      c.set('clientIp', peer);
      c.set('https', https);
      return next();
    }
    c.set('clientIp', proxyAddr(incoming, trust));
    const proto = c.req.header('X-Forwarded-Proto');
    if (proto && trust(peer, 0)) https = proto.split(',')[0]!.trim().toLowerCase() === 'https';
    c.set('https', https);
    return next();
  };
}

export function clientAddress(c: Context): string {
  return c.get('clientIp') ?? 'unknown';
}
