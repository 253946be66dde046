/**
 * Who is calling. Session holder: the session's client secret as `Authorization: Bearer …` (or `?client_secret=` on
 * `/events` only: EventSource cannot send headers). Admin: `Bearer ADMIN_TOKEN`, read-only on sessions. Merchant:
 * `Bearer MERCHANT_API_KEY` on create, and read-only on every session (`GET /session/:id`, `/summary`, `/sessions?orderId=`).
 * The admin token and the merchant key count only in the Authorization header. Every secret is compared in constant time.
 * A wrong secret answers exactly like a missing session, so nothing tells one session's existence to another's holder.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';
import { secretsEqual } from '../../ids.js';
import type { Sessions } from '../../domain/sessions.js';
import type { SessionRow } from '../../domain/model.js';

export type Caller = { kind: 'holder' } | { kind: 'admin' } | { kind: 'merchant' } | { kind: 'public' };

declare module 'hono' {
  interface ContextVariableMap {
    session: SessionRow;
    caller: Caller;
  }
}

export function bearerToken(c: Context): string | null {
  const h = c.req.header('Authorization');
  if (!h) return null;
  const m = /^Bearer\s+(\S{1,512})$/i.exec(h.trim());
  return m ? m[1] : null;
}

/**
 * For `/session/:sessionId/...`: sets `session` and `caller`, or answers 404 `session_not_found`. On reads the admin
 * token (and, when given, the merchant key, from the Authorization header only) open any session.
 */
export function sessionHolder(sessions: Sessions, adminToken: string, merchantKey?: string): MiddlewareHandler {
  return async function sessionHolderAuth(c, next) {
    const id = c.req.param('sessionId') ?? '';
    const readOnly = c.req.method === 'GET' || c.req.method === 'HEAD';
    const header = bearerToken(c);
    // A secret in a URL ends up in logs and histories: only where a browser API cannot send a header.
    const secret = header ?? (readOnly && c.req.path.endsWith('/events') ? (c.req.query('client_secret') ?? null) : null);
    const reader = readOnly && header ? readerOf(header, adminToken, merchantKey) : null;
    if (reader) {
      c.set('caller', reader);
      c.set(
        'session',
        await sessions.get(id).catch(() => {
          throw new AppError('session_not_found');
        }),
      );
      return next();
    }
    c.set('session', await sessions.authorize(id, secret));
    c.set('caller', { kind: 'holder' });
    return next();
  };
}

function readerOf(token: string, adminToken: string, merchantKey: string | undefined): Caller | null {
  // Both compared, always: which one matched (or that neither did) takes the same time.
  const admin = secretsEqual(token, adminToken);
  const merchant = merchantKey !== undefined && secretsEqual(token, merchantKey);
  return admin ? { kind: 'admin' } : merchant ? { kind: 'merchant' } : null;
}

/** Merchant reads across sessions (`GET /sessions?orderId=`): the merchant key, or the admin token; else 401. */
export function merchantOrAdmin(merchantKey: string | undefined, adminToken: string): MiddlewareHandler {
  return async function merchantReadAuth(c, next) {
    const token = bearerToken(c);
    const caller = token ? readerOf(token, adminToken, merchantKey) : null;
    if (!caller) throw new AppError('unauthorized', 'This route needs the merchant API key (Authorization: Bearer MERCHANT_API_KEY).');
    c.set('caller', caller);
    return next();
  };
}

export function adminOnly(adminToken: string): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const token = bearerToken(c);
    if (!token || !secretsEqual(token, adminToken)) throw new AppError('unauthorized', 'This route needs the admin token.');
    c.set('caller', { kind: 'admin' });
    return next();
  };
}

/** Create: a merchant backend proves itself with its key; anyone else is a shopper's browser. A wrong key is 401. */
export function merchantOrPublic(merchantKey: string | undefined): MiddlewareHandler {
  return async function merchantAuth(c, next) {
    const token = bearerToken(c);
    if (token === null) {
      c.set('caller', { kind: 'public' });
      return next();
    }
    if (!merchantKey || !secretsEqual(token, merchantKey)) throw new AppError('unauthorized', 'Invalid merchant API key.');
    c.set('caller', { kind: 'merchant' });
    return next();
  };
}
