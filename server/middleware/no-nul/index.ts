/**
 * Refuses text with a NUL character (U+0000) in a request's query or JSON body: 400 `validation_error`. (A path
 * segment is an id that its route checks against its pattern: a bad session id stays 404 `session_not_found`.)
 * SQLite stores such a string, PostgreSQL cannot (its text and jsonb types reject U+0000: errors 22021 / 22P05, which
 * would surface as a 500), so the API refuses it at the edge, alike on both engines. No id, token, reason or metadata
 * value of this API has a use for it.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';

const refuse = (where: string) => new AppError('validation_error', `The ${where} must not contain a NUL character (U+0000).`, { reason: 'nul_character' });

export function noNulCharacters(): MiddlewareHandler {
  return async function noNul(c, next) {
    const url = c.req.url;
    const q = url.indexOf('?');
    if (q >= 0 && (url.includes('%00', q) || url.includes('\u0000', q))) throw refuse('query');
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      // A raw NUL is not valid JSON anyway (invalid_json follows); an escaped one is found in the parsed value.
      const text = await c.req.text();
      if (text.includes('\\u0000') && hasNul(safeParse(text))) throw refuse('request body');
    }
    return next();
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the route answers invalid_json
  }
}

function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (depth > 64 || v === null || typeof v !== 'object') return false;
  for (const [k, x] of Object.entries(v)) if (k.includes('\u0000') || hasNul(x, depth + 1)) return true;
  return false;
}
