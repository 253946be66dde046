/**
 * One checkout from order to end, in one of several scenarios chosen at random, each injecting its own faults
 * (test cards, duplicate submits, aborts, interrupts, a second device, expiry). The kill -9 faults come from outside
 * (chaos.ts) and hit whatever is in flight.
 */
import { randomUUID } from 'node:crypto';
import type { Client, Recorder } from './http.js';
import { GaveUp, sleep } from './http.js';
import type { Rng } from './rng.js';
import { CARD_FAULT, ShopperSession, type Card, type Ledger, type PayOutcome } from './session.js';

export const SCENARIOS = {
  plain: 14,
  declined_then_paid: 8,
  insufficient_then_paid: 3,
  declined_to_max: 4,
  transient_then_paid: 8,
  slow: 8,
  lost: 8,
  duplicate_same_key: 8,
  duplicate_new_keys: 8,
  interrupt_resume: 6,
  interrupt_while_processing: 6,
  client_abort: 8,
  second_device: 5,
  cancel: 3,
  expire: 5,
} as const;
export type Scenario = keyof typeof SCENARIOS;

export interface CheckoutWorld {
  main: Client;
  /** The short-TTL cluster for sessions left to expire. */
  ttl: Client;
  ttlMs: number;
  ledger: Ledger;
  ttlLedger: Ledger;
  rec: Recorder;
  products: string[];
  ttlProducts: string[];
}

type FirstTry = 'normal' | 'same_key' | 'new_keys' | 'abort';

export async function runCheckout(w: CheckoutWorld, rng: Rng): Promise<void> {
  const scenario = rng.weighted(SCENARIOS);
  w.rec.fault(`scenario:${scenario}`);
  try {
    if (scenario === 'expire') return await leaveToExpire(w, rng);
    const orderId = await createOrder(w.main, rng.pick(w.products), rng.int(1, 3));
    const s = await ShopperSession.create(w.main, w.ledger, orderId);
    let end: string;
    switch (scenario) {
      case 'plain':
        end = await drive(w, s, ['ok'], rng);
        break;
      case 'declined_then_paid':
        end = await drive(w, s, ['declined', 'ok'], rng);
        break;
      case 'insufficient_then_paid':
        end = await drive(w, s, ['insufficient', 'ok'], rng);
        break;
      case 'declined_to_max':
        end = await drive(w, s, ['declined'], rng);
        if (end === 'COMPLETED') w.rec.violation('declined_card_paid', `${s.id} completed with only declined cards`);
        break;
      case 'transient_then_paid':
        end = await drive(w, s, ['transient', 'ok'], rng);
        break;
      case 'slow':
        end = await drive(w, s, ['slow'], rng);
        break;
      case 'lost':
        end = await drive(w, s, ['lost'], rng);
        break;
      case 'duplicate_same_key':
        end = await drive(w, s, [rng.pick(['ok', 'slow', 'lost', 'declined'] as const), 'ok'], rng, 'same_key');
        break;
      case 'duplicate_new_keys':
        end = await drive(w, s, [rng.pick(['ok', 'slow', 'lost'] as const)], rng, 'new_keys');
        break;
      case 'client_abort':
        end = await drive(w, s, [rng.pick(['ok', 'slow', 'lost', 'declined'] as const), 'ok'], rng, 'abort');
        break;
      case 'interrupt_resume':
        w.rec.fault('interrupt_resume');
        await s.interrupt(rng.pick(['network', 'user', 'unload', 'timeout']));
        if (rng.chance(0.5)) await s.interrupt('network'); // a second interrupt is a no-op
        await s.resume();
        end = await drive(w, s, ['ok'], rng);
        break;
      case 'interrupt_while_processing':
        end = await interruptWhileProcessing(w, s, rng);
        break;
      case 'second_device':
        end = await secondDevice(w, s, rng);
        break;
      case 'cancel':
        end = await cancelCheckout(w, s, rng);
        break;
      default:
        throw new Error(`unknown scenario ${scenario satisfies never}`);
    }
    w.ledger.end(end);
  } catch (err) {
    if (err instanceof GaveUp) {
      w.rec.violation('client_gave_up', `${scenario}: ${err.message}`);
      w.ledger.end('gave_up');
    } else {
      w.rec.violation('client_error', `${scenario}: ${(err as Error).message}`);
      w.ledger.end('error');
    }
  }
}

export async function createOrder(client: Client, productId: string, quantity: number): Promise<string> {
  const r = await client.send('POST', '/api/store/orders', { body: { items: [{ productId, quantity }] } });
  if (r.status !== 201) throw new Error(`create order: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.orderId;
}

/**
 * Pays attempt after attempt (card `plan[i]` for attempt i, the last card repeating) until the session completes,
 * runs out of attempts, or the order is paid elsewhere. `first` shapes the first payment request.
 * Returns how the checkout ended: a final status, or ORDER_PAID_ELSEWHERE.
 */
async function drive(w: CheckoutWorld, s: ShopperSession, plan: Card[], rng: Rng, first: FirstTry = 'normal'): Promise<string> {
  let attempt = 0;
  for (let round = 0; round < 10; round++) {
    const card = plan[Math.min(attempt, plan.length - 1)];
    const fault = CARD_FAULT[card];
    if (fault) w.rec.fault(fault);
    const outcome = await payOnce(w, s, card, round === 0 ? first : 'normal', rng);
    switch (outcome.kind) {
      case 'completed':
        return 'COMPLETED';
      case 'order_paid':
        return 'ORDER_PAID_ELSEWHERE';
      case 'final':
        return outcome.status;
      case 'open':
        continue;
      case 'declined':
        if (!outcome.canResume) return (await s.settled()).status;
      // falls through: resume and try the next attempt
      case 'interrupted':
        if (!(await s.resume())) return (await s.settled()).status;
        attempt++;
        continue;
    }
  }
  throw new GaveUp(`${s.id}: no end after 10 payment rounds`);
}

async function payOnce(w: CheckoutWorld, s: ShopperSession, card: Card, how: FirstTry, rng: Rng): Promise<PayOutcome> {
  if (how === 'normal') return s.pay(await s.tokenize(card), randomUUID());
  if (how === 'abort') {
    w.rec.fault('client_abort');
    return s.pay(await s.tokenize(card), randomUUID(), rng.int(0, 300));
  }
  if (how === 'same_key') {
    // Double click / two tabs replaying one outbox entry: the same key and body, concurrently.
    const n = rng.int(2, 4);
    w.rec.fault('duplicate_same_key', n - 1);
    const token = await s.tokenize(card);
    const key = randomUUID();
    const outcomes = await Promise.all(Array.from({ length: n }, () => s.pay(token, key)));
    const ids = new Set(outcomes.map((o) => (o.kind === 'completed' ? o.paymentId : o.kind)));
    if (ids.size > 1) w.rec.violation('replay_mismatch', `${s.id}: one key, different outcomes ${JSON.stringify(outcomes)}`);
    return outcomes[0];
  }
  // Two tabs paying at once, each with its own key and token.
  const n = rng.int(2, 3);
  w.rec.fault('duplicate_new_keys', n - 1);
  const cards: Card[] = [card, ...Array.from({ length: n - 1 }, () => rng.pick(['ok', 'slow', 'lost'] as const))];
  const tokens = await Promise.all(cards.map((c) => s.tokenize(c)));
  const outcomes = await Promise.all(tokens.map((t) => s.pay(t, randomUUID())));
  const paid = outcomes.filter((o): o is Extract<PayOutcome, { kind: 'completed' }> => o.kind === 'completed');
  if (new Set(paid.map((o) => o.paymentId)).size > 1) w.rec.violation('double_payment_seen', `${s.id}: ${JSON.stringify(outcomes)}`);
  return paid[0] ?? outcomes[0];
}

/** The slow card, a client that times out and says so, resumes, and pays again with a fresh key and card: still one charge. */
async function interruptWhileProcessing(w: CheckoutWorld, s: ShopperSession, rng: Rng): Promise<string> {
  w.rec.fault('interrupt_while_processing');
  w.rec.fault('card_6975');
  const token = await s.tokenize('slow');
  const key = randomUUID();
  // Fire the payment and give up on it after a moment, like the widget's timeout.
  const abandoned = s.client
    .send('POST', `${s.path}/complete`, { auth: s.secret, key, body: { paymentMethod: { token } }, abortFirstAfterMs: rng.int(50, 400), patienceMs: 0 })
    .catch(() => undefined);
  await sleep(rng.int(100, 500));
  await s.interrupt('timeout');
  await abandoned;
  const st = await s.get();
  if (st.status === 'INTERRUPTED' && !(await s.resume())) return (await s.settled()).status;
  return drive(w, s, ['ok'], rng);
}

/** The same order opened on a second device; both pay at once. The order must be paid once. */
async function secondDevice(w: CheckoutWorld, s: ShopperSession, rng: Rng): Promise<string> {
  w.rec.fault('second_device');
  const other = await ShopperSession.create(w.main, w.ledger, s.orderId);
  const [a, b] = await Promise.all([
    drive(w, s, [rng.pick(['ok', 'slow', 'lost'] as const)], rng),
    drive(w, other, [rng.pick(['ok', 'slow', 'lost', 'declined'] as const), 'ok'], rng),
  ]);
  if (a === 'COMPLETED' && b === 'COMPLETED') w.rec.violation('order_paid_twice_seen', `${s.orderId}: both ${s.id} and ${other.id} completed`);
  return a === 'COMPLETED' || b === 'COMPLETED' ? 'COMPLETED' : `${a}/${b}`;
}

async function cancelCheckout(w: CheckoutWorld, s: ShopperSession, rng: Rng): Promise<string> {
  if (rng.chance(0.5)) {
    w.rec.fault('card_0002');
    const o = await s.pay(await s.tokenize('declined'), randomUUID());
    if (o.kind === 'completed') w.rec.violation('declined_card_paid', s.id);
  }
  await s.cancel();
  // Paying a cancelled session must change nothing.
  const after = await s.pay(await s.tokenize('ok'), randomUUID());
  if (after.kind === 'completed') w.rec.violation('paid_after_cancel', s.id);
  return (await s.get()).status;
}

/** On the short-TTL server: start, maybe decline or interrupt, then walk away. */
async function leaveToExpire(w: CheckoutWorld, rng: Rng): Promise<void> {
  w.rec.fault('expire');
  const orderId = await createOrder(w.ttl, rng.pick(w.ttlProducts), 1);
  const s = await ShopperSession.create(w.ttl, w.ttlLedger, orderId);
  const how = rng.pick(['idle', 'interrupted', 'declined', 'resumed'] as const);
  if (how === 'interrupted') await s.interrupt('unload');
  if (how === 'declined' || how === 'resumed') {
    const o = await s.pay(await s.tokenize('declined'), randomUUID());
    if (o.kind === 'completed') w.rec.violation('declined_card_paid', s.id);
    if (how === 'resumed') await s.resume();
  }
  if (rng.chance(0.5)) {
    w.ttlLedger.leftToExpire.set(s.id, w.ttl.cluster.name); // the sweeper must expire it
    w.ttlLedger.end('LEFT_TO_EXPIRE');
    return;
  }
  // Come back after the TTL and try to pay: refused, nothing charged.
  await sleep(w.ttlMs + rng.int(200, 1_000));
  const o = await s.pay(await s.tokenize('ok'), randomUUID());
  if (o.kind === 'completed') w.rec.violation('paid_after_expiry', s.id);
  const st = (await s.get()).status;
  if (st !== 'EXPIRED') w.rec.violation('not_expired', `${s.id} is ${st} after its TTL`);
  w.ttlLedger.end(st);
}
