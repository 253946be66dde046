/**
 * Paying a session (/complete): at most one charge at a time per session, and the answer for the request's key, which
 * follows the charge it waits on until that charge settles (idempotency.ts).
 */
import { AppError } from '../errors.js';
import type { SessionRow } from './model.js';
import { chargeAnswer } from './charge-answers.js';
import { requestOf } from './charges.js';
import { type ApiResult, type HeldKey, linkCharge } from './idempotency.js';
import type { SessionDeps } from './sessions.js';
import { isUnresolved } from './settlement.js';
import * as sm from './states.js';

/** Reads a session, expiring it first if it is past expiresAt (Sessions.get). */
type ReadSession = (id: string, justRead?: SessionRow) => Promise<SessionRow>;

/** What /complete answers, and what its key is still to store (null: the charge's settlement stored it already). */
export interface Completion {
  answer: ApiResult;
  toStore: ApiResult | null;
}

const PROCESSING: ApiResult = { status: 202, body: { status: 'PROCESSING' } };
const toStore = (answer: ApiResult): Completion => ({ answer, toStore: answer });

/**
 * Pays: resolves any earlier unresolved charge first, then starts at most one new charge. Returns the answer, and what
 * the request's key is still to store of it: nothing when the settlement of the charge this request started stored it.
 */
export async function complete(d: SessionDeps, get: ReadSession, id: string, token: string, idem: HeldKey, justRead?: SessionRow): Promise<Completion> {
  const { store, charges, processor, now } = d;
  let s = await get(id, justRead);

  // A retry of a request whose charge already completed the session gets that charge's answer.
  if (s.status === 'COMPLETED' && idem.chargeKey) {
    const c = await store.charges.get(idem.chargeKey);
    if (c?.status === 'succeeded') return toStore(chargeAnswer(c, s));
  }
  if (sm.isPaidElsewhere(s)) throw new AppError('order_already_paid');
  if (sm.isFinal(s.status)) throw new AppError('invalid_transition', `Cannot pay a session that is ${s.status}.`, { status: s.status });

  // Never start a charge while an earlier one of this session is unresolved: settle it first.
  if (s.chargedAttempt > 0) {
    for (const c of (await store.charges.list(id)).filter(isUnresolved)) {
      let after = await charges.resolve(c, true);
      if (isUnresolved(after)) {
        // The key follows the charge from here on: a settlement after the link writes the answer under it, one since
        // the look-up above did not. So read the charge again once linked (after any settlement of it still committing),
        // and answer with its outcome if it has one.
        await linkCharge(store, idem, c.chargeKey);
        after = (await store.charges.getCommitted(c.chargeKey))!;
        if (isUnresolved(after)) return toStore(PROCESSING);
        return toStore(chargeAnswer(after, await get(id)));
      }
      if (after.status === 'succeeded') return toStore(chargeAnswer(after, await get(id)));
    }
    s = await get(id);
    if (sm.isFinal(s.status)) throw new AppError('invalid_transition', `Cannot pay a session that is ${s.status}.`, { status: s.status });
  }
  const startPatch = sm.onChargeStart(s); // validates the state before anything is spent (a paid order is refused by lockOrder below)
  // A processor whose ledger is in the store has its token checked by the start itself (one statement on PostgreSQL).
  if (!processor.inStore && !(await processor.isTokenUsable(token))) throw new AppError('invalid_payment_method');

  const t = now();
  const charge = charges.draft(s, t);
  const started = { ...startPatch, updatedAt: t, metadata: { ...s.metadata, lastActivity: new Date(t).toISOString() } };
  // A processor whose ledger is in the store has its charge made in the start's commit (PostgreSQL).
  const ledgerCharge = processor.inStore?.request(requestOf(charge, token));
  // The session on its version, the order's lock, the charge, the key's link to it and maybe the processor's charge:
  // all or nothing (one statement on PostgreSQL).
  const start = await store.charges.start({
    sessionId: s.id,
    expectedVersion: s.version,
    orderId: s.orderId,
    patch: { status: 'PROCESSING', chargedAttempt: startPatch.chargedAttempt!, updatedAt: t, metadata: started.metadata },
    charge,
    idempotency: { scope: idem.scope, key: idem.key },
    ...(ledgerCharge ? { ledgerCharge, usableToken: { token, now: ledgerCharge.now } } : {}),
  });
  if (!start.ok) {
    if (start.reason === 'token') throw new AppError('invalid_payment_method');
    if (start.reason === 'version') throw new AppError('payment_in_progress');
    if (start.state === 'paid') throw new AppError('order_already_paid');
    // Not this session's charge: it stays as it was (its status says so), payable once that other charge fails.
    throw new AppError('payment_in_progress', 'This order is being paid in another session.', { inAnotherSession: true, status: s.status });
  }
  d.events.publish(s.id);

  const made = start.ledger !== undefined ? { ledger: start.ledger } : undefined;
  const after = await charges.run(charge, token, { ...s, ...started, version: s.version + 1 }, made);
  if (isUnresolved(after.charge)) return toStore(PROCESSING);
  // Settled: its settlement wrote the answer under every key linked to the charge, this request's key included.
  return { answer: chargeAnswer(after.charge, after.session ?? (await store.sessions.get(id))!), toStore: null };
}
