/** The admin listing's query: which statuses, and where a page starts (a keyset cursor over createdAt and id). */
import { AppError } from '../errors.js';
import { FINAL_STATUSES, LIVE_STATUSES, type SessionStatus } from './model.js';

/** `status` query: absent = the active (non-final) ones; `all`; or a comma list of statuses. */
export function parseStatuses(raw: string | undefined): readonly SessionStatus[] | null {
  if (!raw) return LIVE_STATUSES;
  if (raw.toLowerCase() === 'all') return null;
  const list = raw.split(',').map((s) => s.trim().toUpperCase());
  const valid = [...LIVE_STATUSES, ...FINAL_STATUSES];
  const bad = list.filter((s) => !valid.includes(s as SessionStatus));
  if (bad.length) throw new AppError('validation_error', `Unknown status: ${bad.join(', ')}.`, { allowed: valid });
  return list as SessionStatus[];
}

export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,15})\.(cs_[0-9A-Za-z]{24})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new AppError('invalid_cursor');
  return { createdAt: Number(m[1]), id: m[2] };
}
