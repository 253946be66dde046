/**
 * What the repositories share: the few conversions CamelCasePlugin leaves to us (a session's and an order's JSON
 * columns are text), and the slots and shape names of compiled queries (compiled-queries.ts). Numbers need none: both
 * engines return bigint columns and counts as JS numbers (pg-pool.ts's int8 parser; SQLite's integers).
 */
import type { SessionRow } from '../domain/model.js';
import type { SlotOf } from './compiled-queries.js';
import type { SessionsTable } from './schema.js';
import type { SessionPatch } from './types.js';

/** Thrown inside a transaction to roll it back while answering `result`. */
export class Refused extends Error {
  constructor(readonly result: unknown) {
    super('refused');
  }
}

/** The row with a slot in place of each value; undefined values are left out, as Kysely leaves them out of a query. */
export function slotsFor<T extends object>(row: T, slot: SlotOf<T>): T {
  return Object.fromEntries(definedKeys(row).map((k) => [k, slot(k as keyof T & string)])) as T;
}

/** A query shape's name for a row of values: the columns it carries are part of the shape. */
export function shapeFor(name: string, row: object): string {
  return `${name}:${definedKeys(row).join(',')}`;
}

function definedKeys(row: object): string[] {
  return Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);
}

const json = (v: unknown) => (v ? JSON.stringify(v) : null);

/** The row's `columns`, in that order (a query's shape), and nothing else the object may carry. */
export function pick<T extends object, K extends keyof T & string>(row: T, columns: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of columns) out[k] = row[k];
  return out;
}

const SESSION_COLUMNS = [
  'id',
  'orderId',
  'userId',
  'status',
  'amount',
  'currency',
  'attempts',
  'maxAttempts',
  'chargedAttempt',
  'createdAt',
  'updatedAt',
  'expiresAt',
  'finalAt',
  'paymentId',
  'lastError',
  'metadata',
  'merchantMetadata',
  'secretHash',
  'version',
] as const;

export function sessionToDb(r: SessionRow): SessionsTable {
  return { ...pick(r, SESSION_COLUMNS), lastError: json(r.lastError), metadata: JSON.stringify(r.metadata), merchantMetadata: json(r.merchantMetadata) };
}

export function sessionFromDb(r: SessionsTable): SessionRow {
  return {
    ...r,
    lastError: r.lastError ? JSON.parse(r.lastError) : null,
    metadata: JSON.parse(r.metadata),
    merchantMetadata: r.merchantMetadata ? JSON.parse(r.merchantMetadata) : null,
  };
}

/** The columns a patch may set as they are (anything else in it is ignored, as it always was; the JSON ones are encoded). */
const PATCHABLE = new Set<string>(SESSION_COLUMNS.filter((c) => !['id', 'lastError', 'metadata', 'merchantMetadata', 'version'].includes(c)));

export function sessionPatchToDb(patch: SessionPatch): Partial<SessionsTable> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'lastError' || k === 'merchantMetadata') out[k] = json(v);
    else if (k === 'metadata') out.metadata = JSON.stringify(v);
    else if (PATCHABLE.has(k)) out[k] = v;
  }
  return out as Partial<SessionsTable>;
}
