/**
 * The checkout as one explicit state machine: `reduce(state, event) → {state, effects}`. Pure: no I/O, no clock, no DOM.
 * The controller turns what happens (an answer, a timeout, the network, a press) into events, runs the effects, and
 * shows `present(state)`, the one table of what each state says and which buttons it offers (widget/README.md has it too).
 *
 * `phase` is where the shopper stands; `status` is the session status as the server last said it (reflected as the
 * element's `status` attribute). `link` is the connection to the payment server, on top of any phase.
 */
import type { SessionJson } from './types.js';

/** The phases by name (the machine itself writes their values, type-checked as `Phase`: fewer bytes in the entry). */
export const PHASES = {
  /** No session yet: restoring or creating it. */
  preparing: 'preparing',
  /** The current attempt can be paid: card fields and Pay. */
  ready: 'ready',
  /** The card is being tokenized or the payment request is on its way. */
  paying: 'paying',
  /** The server charges (202, PROCESSING, a request with our key in flight): the outcome follows by itself. */
  confirming: 'confirming',
  /** No answer in `timeout` ms: the charge may have gone through. Retry asks the server, never for a card. */
  timedOut: 'timed_out',
  /** The attempt failed without a charge (decline, processor error): Retry moves to the next attempt. */
  declined: 'declined',
  /** Interrupted without a failure (e.g. the page was left): Resume continues. */
  interrupted: 'interrupted',
  completed: 'completed',
  cancelled: 'cancelled',
  /** The order was paid through another session (another device or window). */
  paidElsewhere: 'paid_elsewhere',
  maxRetries: 'max_retries',
  expired: 'expired',
  /** The checkout cannot start or go on: unknown order, bad order token, origin refused… (the reason says which). */
  unavailable: 'unavailable',
} as const;
export type Phase = (typeof PHASES)[keyof typeof PHASES];

/** Where the payment server stands: answering, away (the browser online), or the browser offline. */
export type Link = 'up' | 'server_away' | 'offline';

export const ACTIONS = ['pay', 'retry', 'resume', 'cancel', 'restart'] as const;
export type Action = (typeof ACTIONS)[number];

/** Everything shown, and everything a mirroring tab receives. No card data, no client secret. */
export interface CheckoutState {
  phase: Phase;
  /** The session status in lower case, or `idle` before a session exists. */
  status: string;
  sessionId: string | null;
  orderId: string | null;
  attempt: number;
  maxAttempts: number;
  amount: number | null;
  currency: string | null;
  paymentId: string | null;
  /** The code behind the message: a decline, a card field error, why the checkout is unavailable. */
  reason: string | null;
  link: Link;
  /** A request of this checkout waits in the service worker's outbox. */
  queued: boolean;
  /** A request started by a press is on its way: buttons are disabled. */
  busy: boolean;
  /** The widget was given an order (`order-id` / `order-token`): a final unpaid session can give way to a new one. */
  restartable: boolean;
  role: 'leader' | 'follower';
  cancelReason: string | null;
}

export const INITIAL_STATE: CheckoutState = {
  phase: 'preparing',
  status: 'idle',
  sessionId: null,
  orderId: null,
  attempt: 0,
  maxAttempts: 0,
  amount: null,
  currency: null,
  paymentId: null,
  reason: null,
  link: 'up',
  queued: false,
  busy: false,
  restartable: false,
  role: 'leader',
  cancelReason: null,
};

export type MachineEvent =
  /** A session as the server has it (an answer, the event stream, a re-read). `pending`: our attempt awaits its answer. */
  | { type: 'session'; session: SessionJson; pending: boolean }
  /** The session remembered in IndexedDB, shown before the server answers (`amount`/`currency`: null in a record saved before they were kept). */
  | {
      type: 'restored';
      sessionId: string;
      orderId: string;
      status: string;
      attempt: number;
      maxAttempts: number;
      reason: string | null;
      amount?: number | null;
      currency?: string | null;
      pending?: boolean;
    }
  | { type: 'press'; action: Action }
  | { type: 'busy'; busy: boolean }
  /** The card is read and tokenized, or (`sent`) the attempt is sent: the server moves the session to PROCESSING as it starts the charge. */
  | { type: 'paying'; sent?: boolean }
  /** The server took the attempt and charges it; the outcome follows. */
  | { type: 'accepted' }
  | { type: 'completed'; paymentId: string | null }
  /** The attempt failed without a charge; `status` / `attempt` from the answer's details. */
  | { type: 'declined'; code: string; status: string; attempt: number | null }
  /** `status`: the session's as the timeout's interruption was answered; null when it did not reach the server (kept in the outbox). */
  | { type: 'timeout'; attempt: number | null; maxAttempts: number | null; status?: string | null }
  | { type: 'resumed'; attempt: number; maxAttempts: number }
  /** The card fields (or the token route) refused what was typed. */
  | { type: 'invalid_card'; code: string }
  /** The shopper edits a card field: a card field error is corrected, not said any longer. */
  | { type: 'edited' }
  | { type: 'unreachable'; offline: boolean }
  /** The browser said it went offline (no request failed). */
  | { type: 'offline' }
  | { type: 'reachable' }
  | { type: 'queued'; queued: boolean; offline?: boolean }
  /** A final refusal: the checkout cannot go on (unknown order, order token, origin, lost session). */
  | { type: 'refused'; code: string }
  | { type: 'paid_elsewhere' }
  /** Another session of this order is being charged: this one started nothing and is `status` still. */
  | { type: 'elsewhere'; status: string }
  | { type: 'cancelled'; reason: string }
  /** The session is gone locally: a new one is being created for the same order. */
  | { type: 'restarting' }
  | { type: 'follow' }
  /** This tab now drives the checkout (at once, or when the tab it mirrored went away). */
  | { type: 'lead' }
  | { type: 'mirror'; state: CheckoutState };

export type Effect =
  /** Run the flow of a press the state accepts. */
  | { type: 'run'; action: Action }
  /** Tell the host page (`checkout-error`). */
  | { type: 'error'; code: string; retryable: boolean }
  /** The server is away: try again by itself (backoff). */
  | { type: 'reconnect' }
  /** The session is final: stop watching it and forget the pending attempt. */
  | { type: 'settle' };

const FINAL_PHASES: readonly Phase[] = ['completed', 'cancelled', 'paid_elsewhere', 'max_retries', 'expired', 'unavailable'];

export function isFinalPhase(phase: Phase): boolean {
  return FINAL_PHASES.includes(phase);
}

/** The attempt is on its way or being charged (the leave-page warning's phases). */
const SENT: readonly Phase[] = ['paying', 'confirming'];

/** A payment of this page is under way: the leave-page warning applies. */
export function isProcessing(s: CheckoutState): boolean {
  return s.role === 'leader' && SENT.includes(s.phase);
}

const DECLINES = new Set(['card_declined', 'insufficient_funds', 'processor_error']);
/** Why the ready form says more than "enter your card", beyond a card field error or a decline. */
const NOT_SENT = 'payment_not_sent';
const IN_PROGRESS = 'order_payment_in_progress';
const READY_NOTES = new Set([...DECLINES, 'invalid_payment_method', NOT_SENT, IN_PROGRESS]);
const CARD_FIELD = { missing_card: 'number', invalid_card_number: 'number', invalid_expiry: 'expiry', expired_card: 'expiry', invalid_cvc: 'cvc' } as const;

/** The card field a card error belongs to, or null. */
export function fieldOf(code: string | null): 'number' | 'expiry' | 'cvc' | null {
  return (code && CARD_FIELD[code as keyof typeof CARD_FIELD]) || null;
}

export interface Presentation {
  status: string;
  message: string;
  kind: 'info' | 'error' | 'success';
  actions: readonly Action[];
}

type Row = { status: string; message: string; kind: Presentation['kind']; actions: readonly Action[] };

/** The one table: per phase, its status line, its message and the buttons shown (string keys of `i18n/strings.ts`). */
export const TABLE: Record<Phase, Row> = {
  preparing: { status: 'status.idle', message: 'msg.preparing', kind: 'info', actions: [] },
  ready: { status: 'status.initiated', message: 'msg.enterCard', kind: 'info', actions: ['pay', 'cancel'] },
  paying: { status: 'status.processing', message: 'msg.processing', kind: 'info', actions: [] },
  confirming: { status: 'status.processing', message: 'msg.awaiting', kind: 'info', actions: [] },
  timed_out: { status: 'status.checking', message: 'msg.timeout', kind: 'info', actions: ['retry'] },
  declined: { status: 'status.declined', message: 'msg.card_declined', kind: 'error', actions: ['retry', 'cancel'] },
  interrupted: { status: 'status.interrupted', message: 'msg.interrupted', kind: 'info', actions: ['resume', 'cancel'] },
  completed: { status: 'status.completed', message: 'msg.completed', kind: 'success', actions: [] },
  cancelled: { status: 'status.cancelled', message: 'msg.cancelled', kind: 'info', actions: [] },
  paid_elsewhere: { status: 'status.paid_elsewhere', message: 'msg.order_already_paid', kind: 'info', actions: [] },
  max_retries: { status: 'status.failed_max_retries', message: 'msg.maxRetries', kind: 'error', actions: ['cancel'] },
  expired: { status: 'status.expired', message: 'msg.expired', kind: 'error', actions: ['cancel'] },
  unavailable: { status: 'status.unavailable', message: 'msg.unexpected', kind: 'error', actions: [] },
};

/** Phases that wait on the server: while it is away they say so and offer to try again now. */
const NEEDS_SERVER: readonly Phase[] = ['preparing', 'paying', 'confirming', 'timed_out'];

/** What a state shows. Derived only from the state, so message, status line and buttons cannot drift apart. */
export function present(s: CheckoutState): Presentation {
  const row = TABLE[s.phase];
  let { status, message, kind } = row;
  let actions = row.actions;
  if (s.phase === 'ready') {
    if (s.status === 'resumed') status = 'status.resumed';
    if (s.reason) {
      message = fieldOf(s.reason) || READY_NOTES.has(s.reason) ? `msg.${s.reason}` : 'msg.enterCard';
      kind = s.reason === IN_PROGRESS ? 'info' : 'error'; // nothing failed here: a payment of the order runs elsewhere
    }
  }
  if (s.phase === 'declined' && s.reason) {
    if (DECLINES.has(s.reason)) message = `msg.${s.reason}`;
    if (s.reason === 'processor_error') status = 'status.processor_error'; // nothing was refused
  }
  if (s.phase === 'unavailable' && s.reason) message = `msg.${s.reason}`;
  if ((s.phase === 'max_retries' || s.phase === 'expired') && s.restartable) {
    message = s.phase === 'max_retries' ? 'msg.maxRetries.restart' : 'msg.expired.restart';
    actions = ['restart', 'cancel'];
  }
  if (s.phase === 'max_retries' && !s.restartable && s.reason === 'processor_error') message = 'msg.maxRetries.processor';
  const offline = s.link === 'offline';
  // The worker keeps a request that could not leave (offline, or online with the server away); or nothing reaches the
  // server: nothing is processed meanwhile, and the payment under way says what it waits for.
  if (s.queued ? !isFinalPhase(s.phase) : s.link !== 'up' && NEEDS_SERVER.includes(s.phase)) {
    if (SENT.includes(s.phase)) status = offline ? 'status.waiting' : 'status.waiting.server';
    message = s.queued ? (offline ? 'msg.queued' : 'msg.queued.server') : offline ? 'msg.offline' : 'msg.reconnecting';
    kind = 'info';
    // Offline, a Retry cannot work: `online` continues by itself; the worker keeps its own backoff.
    actions = s.queued || offline ? [] : ['retry'];
  } else if (s.link !== 'up' && s.phase === 'ready' && kind === 'info' && s.reason !== IN_PROGRESS) {
    message = offline ? 'msg.offline.ready' : 'msg.server.ready';
  }
  if (s.role === 'follower') {
    // No buttons here: short of a final view, the way on is the other window (the status line says where it stands).
    if (!isFinalPhase(s.phase)) [message, kind] = ['msg.otherTab', 'info'];
    actions = [];
  }
  return { status, message, kind, actions };
}

export interface Step {
  state: CheckoutState;
  effects: Effect[];
}

/** No change, nothing to do. */
const stay = (state: CheckoutState): Step => ({ state, effects: [] });
/** Tell the host page (`checkout-error`). */
const tell = (code: string, retryable: boolean): Effect => ({ type: 'error', code, retryable });

const PAID = 'order_already_paid';

const FROM_STATUS: Record<string, Phase> = {
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
  FAILED_MAX_RETRIES: 'max_retries',
  PROCESSING: 'confirming',
};

/** The phase a server session means, given where this page stands. */
function phaseOfSession(s: CheckoutState, session: SessionJson, pending: boolean): Phase {
  // The server closes (CANCELLED) a session whose order was paid through another one, and says why.
  if (session.lastError?.code === PAID && session.status !== 'COMPLETED') return 'paid_elsewhere';
  const final = FROM_STATUS[session.status];
  if (final) return final;
  const ours = s.phase === 'paying' || s.phase === 'confirming' || s.phase === 'timed_out';
  if (session.status === 'INTERRUPTED') {
    // Our attempt still awaits its answer: the charge may run although the session was interrupted (timeout, unload).
    if (pending && ours) return s.phase;
    if (pending) return 'timed_out';
    return session.lastError ? 'declined' : 'interrupted';
  }
  // INITIATED / RESUMED: the card may be being tokenized here.
  return s.phase === 'paying' ? 'paying' : 'ready';
}

function onSession(s: CheckoutState, session: SessionJson, pending: boolean): Step {
  // A final view of this session never changes (a final status is final on the server too); a new session replaces it.
  if (isFinalPhase(s.phase)) return stay(s);
  if (s.sessionId === session.sessionId && session.attempts < s.attempt) return stay(s); // an older snapshot
  const phase = phaseOfSession(s, session, pending);
  let reason = s.reason;
  if (phase === 'declined' || phase === 'max_retries' || phase === 'paid_elsewhere') reason = session.lastError?.code ?? s.reason;
  else if (phase !== 'ready' || s.phase !== 'ready') reason = null;
  const next: CheckoutState = {
    ...s,
    phase,
    status: session.status.toLowerCase(),
    sessionId: session.sessionId,
    orderId: session.orderId,
    attempt: session.attempts,
    maxAttempts: session.maxAttempts,
    amount: session.amount,
    currency: session.currency,
    paymentId: session.paymentId ?? s.paymentId,
    reason,
    link: 'up',
  };
  // A decline the live status brings before the answer to /complete is told here (that answer then changes nothing).
  const told: Effect[] = phase === 'declined' && reason && s.phase !== 'declined' && s.phase !== 'preparing' ? [tell(reason, true)] : [];
  return { state: next, effects: [...told, ...finalEffects(s, next)] };
}

function finalEffects(before: CheckoutState, after: CheckoutState): Effect[] {
  if (!isFinalPhase(after.phase) || before.phase === after.phase) return [];
  const effects: Effect[] = [{ type: 'settle' }];
  const code = { paid_elsewhere: 'order_already_paid', max_retries: 'max_retries_exceeded', expired: 'session_expired' }[after.phase as string];
  if (code) effects.push(tell(code, false));
  return effects;
}

/** Presses the state does not offer are ignored: a button shown is one that works, and only those. */
function onPress(s: CheckoutState, action: Action): Step {
  if (s.role !== 'leader' || s.busy || !present(s).actions.includes(action)) return stay(s);
  return { state: s, effects: [{ type: 'run', action }] };
}

const ATTEMPT: readonly Phase[] = [...SENT, 'timed_out'];

/** Events about the attempt only apply while there is one (anything else is a late answer and changes nothing). */
const ONLY_FROM: Partial<Record<MachineEvent['type'], readonly Phase[]>> = {
  restored: ['preparing'],
  paying: ['ready', ...ATTEMPT],
  accepted: ATTEMPT,
  completed: ATTEMPT,
  timeout: SENT,
  declined: ATTEMPT,
  invalid_card: ['ready', 'paying'],
  elsewhere: SENT,
  edited: ['ready'],
  resumed: ['ready', 'declined', 'interrupted', 'timed_out'],
};

export function reduce(s: CheckoutState, e: MachineEvent): Step {
  const to = (patch: Partial<CheckoutState>, effects: Effect[] = []): Step => {
    const next = { ...s, ...patch };
    return { state: next, effects: [...effects, ...finalEffects(s, next)] };
  };
  // A final view stays: only a new session (restart) or a mirrored leader changes it.
  if (isFinalPhase(s.phase) && !['restarting', 'mirror', 'follow', 'lead', 'busy', 'press', 'session', 'queued'].includes(e.type)) return stay(s);
  if (ONLY_FROM[e.type] && !ONLY_FROM[e.type]!.includes(s.phase)) return stay(s);
  switch (e.type) {
    case 'session':
      return onSession(s, e.session, e.pending);
    case 'restored': {
      const status = e.status.toLowerCase();
      const phase =
        e.reason === PAID
          ? 'paid_elsewhere'
          : e.pending
            ? 'confirming'
            : (FROM_STATUS[status.toUpperCase()] ?? (status === 'interrupted' ? (e.reason ? 'declined' : 'interrupted') : 'ready'));
      return to({
        phase,
        sessionId: e.sessionId,
        orderId: e.orderId || s.orderId,
        status,
        attempt: e.attempt,
        maxAttempts: e.maxAttempts,
        reason: e.reason,
        amount: e.amount ?? null,
        currency: e.currency ?? null,
      });
    }
    case 'press':
      return onPress(s, e.action);
    case 'busy':
      return { state: { ...s, busy: e.busy }, effects: [] };
    case 'paying':
      return to({ phase: 'paying', reason: null, ...(e.sent ? { status: 'processing' } : {}) });
    case 'accepted':
      return to({ phase: 'confirming', status: 'processing', link: 'up' });
    case 'completed':
      return to({ phase: 'completed', status: 'completed', paymentId: e.paymentId ?? s.paymentId, reason: null, link: 'up', queued: false });
    case 'declined': {
      const status = e.status.toLowerCase();
      const phase = status === 'failed_max_retries' ? 'max_retries' : status === 'expired' ? 'expired' : 'declined';
      return to({ phase, status, reason: e.code, attempt: e.attempt ?? s.attempt, link: 'up' }, [tell(e.code, phase === 'declined')]);
    }
    case 'timeout':
      return to(
        { phase: 'timed_out', status: e.status?.toLowerCase() ?? s.status, attempt: e.attempt ?? s.attempt, maxAttempts: e.maxAttempts ?? s.maxAttempts },
        [tell('timeout', true)],
      );
    case 'resumed':
      return to({ phase: 'ready', status: 'resumed', attempt: e.attempt, maxAttempts: e.maxAttempts, reason: null });
    case 'invalid_card':
      if (s.status !== 'initiated' && s.status !== 'resumed') return stay(s);
      return to({ phase: 'ready', reason: e.code }, [tell(e.code, false)]);
    case 'edited':
      return fieldOf(s.reason) ? to({ reason: null }) : stay(s);
    case 'unreachable': {
      const link = e.offline ? 'offline' : 'server_away';
      if (s.link === link) return { state: s, effects: [{ type: 'reconnect' }] };
      return to({ link }, [tell('network', true), { type: 'reconnect' }]);
    }
    case 'offline':
      // Ready, nothing was under way: the view says Pay is sent when the connection returns; no request failed, no error.
      if (s.phase === 'ready') return s.link === 'offline' ? stay(s) : to({ link: 'offline' }, [{ type: 'reconnect' }]);
      return reduce(s, { type: 'unreachable', offline: true });
    case 'reachable':
      return to({ link: 'up' });
    case 'queued': {
      // A request the worker kept could not leave: the browser is offline, or (online) the server is away.
      const link = e.queued && e.offline !== undefined ? (e.offline ? 'offline' : 'server_away') : s.link;
      return { state: { ...s, queued: e.queued, link }, effects: [] };
    }
    case 'refused':
      return to({ phase: 'unavailable', reason: e.code }, [tell(e.code, false)]);
    case 'paid_elsewhere':
      return to({ phase: 'paid_elsewhere', reason: PAID });
    case 'elsewhere':
      return to({ phase: 'ready', status: e.status.toLowerCase(), reason: IN_PROGRESS, link: 'up' }, [tell('payment_in_progress', true)]);
    case 'cancelled':
      return to({ phase: 'cancelled', status: 'cancelled', cancelReason: e.reason, reason: null });
    case 'restarting':
      return { state: { ...INITIAL_STATE, orderId: s.orderId, restartable: s.restartable, role: s.role }, effects: [] };
    case 'follow':
      return { state: { ...s, role: 'follower' }, effects: [] };
    case 'lead':
      return { state: { ...s, role: 'leader', busy: false }, effects: [] };
    case 'mirror':
      return { state: { ...e.state, role: 'follower', busy: false }, effects: [] };
  }
}
