import { LitElement, type PropertyValues } from 'lit';
import { orderIdOfToken } from '../controller/answers.js';
import { CheckoutController, paymentAttempt, type ControllerEvent } from '../controller/checkout-controller.js';
import { INITIAL_STATE, fieldOf, isFinalPhase, isProcessing, type Action, type CheckoutState, type Phase } from '../controller/machine.js';
import { TabCoordinator } from '../coordination/tab-coordinator.js';
import { CheckoutCancelEvent } from '../events/checkout-cancel.js';
import { CheckoutCompleteEvent } from '../events/checkout-complete.js';
import { CheckoutErrorEvent } from '../events/checkout-error.js';
import { CheckoutReadyEvent } from '../events/checkout-ready.js';
import { CheckoutStatusEvent } from '../events/checkout-status.js';
import { FIRST, loadLocale, localeLoaded, prefetchLocale, resolveLocale, translate } from '../i18n/strings.js';
import { IdbSessionStore, checkoutKey } from '../storage/session-store.js';
import { ApiClient } from '../transport/api-client.js';
import { liveStatus, watchLive } from '../transport/watch.js';
import { cardFields, missingField, type CardBrand } from './card-input.js';
import { DeferredOfflineBridge } from './offline-bridge-loader.js';
import { styles } from './payment-checkout.styles.js';
import { renderCheckout } from './checkout-template.js';

const store = new IdbSessionStore();
/** Views that take Pay away and offer a way on (Retry, Try another card, Resume, Start a new checkout): the focus goes there. */
const WAY_ON_PHASES: readonly Phase[] = ['declined', 'timed_out', 'interrupted', 'max_retries', 'expired'];

/** The page's `<html lang>`, else the first of the browser's languages the widget speaks. */
function pageLang(): string {
  return (
    document.documentElement.lang ||
    (navigator.languages?.find((l) => resolveLocale(l) !== 'en' || l.toLowerCase().startsWith('en')) ?? navigator.language ?? 'en')
  );
}

// The words of the page's language are fetched now, in parallel with everything before the first render that needs them.
prefetchLocale(pageLang());
const EVENTS = {
  ready: CheckoutReadyEvent,
  status: CheckoutStatusEvent,
  complete: CheckoutCompleteEvent,
  cancel: CheckoutCancelEvent,
  error: CheckoutErrorEvent,
};

/**
 * A resumable, exactly-once card checkout for one order. Drop it into a page; it restores the order's session from
 * IndexedDB (or creates one), pays through the processor's token route, survives timeouts, network loss, reloads and
 * second tabs without a second charge, and reports everything as events.
 *
 * @summary Payment checkout for one order.
 * @tag payment-checkout
 *
 * @event {CheckoutReadyEvent} checkout-ready - `{sessionId, restored}`: a session is shown (restored from IndexedDB or created).
 * @event {CheckoutStatusEvent} checkout-status - `{status, attempt, maxAttempts}`: the status or attempt changed.
 * @event {CheckoutCompleteEvent} checkout-complete - `{sessionId, orderId, paymentId}`: the payment succeeded.
 * @event {CheckoutCancelEvent} checkout-cancel - `{sessionId, reason}`: the shopper cancelled.
 * @event {CheckoutErrorEvent} checkout-error - `{code, message, retryable}`: something failed (decline, timeout, network, refusal). Final views: `order_already_paid`, `max_retries_exceeded`, `session_expired`, `origin_not_allowed`, `invalid_order_token`, `order_token_expired` (`retryable: false`).
 *
 * @slot payment-method - Replaces the built-in card fields, e.g. a real gateway's field element. It must have a `tokenize()` method resolving to a processor token (or `{token}`).
 *
 * @csspart form - The form around everything.
 * @csspart card-number - The card number input (autocomplete `cc-number`).
 * @csspart card-expiry - The expiry input, MM/YY (autocomplete `cc-exp`).
 * @csspart card-cvc - The security code input (autocomplete `cc-csc`).
 * @csspart pay-button - Pays the current attempt; shown when the session can be paid.
 * @csspart retry-button - Continues after a decline or a timeout (asking the server first), or tries the server again now.
 * @csspart resume-button - Resumes an interrupted session for its next attempt.
 * @csspart cancel-button - Cancels the checkout.
 * @csspart restart-button - Starts a new checkout for the same order (after max retries or expiry, when the widget has `order-id` / `order-token`).
 * @csspart card-brand - The card brand told from the number as it is typed.
 * @csspart status - The status line (a polite live region).
 * @csspart attempts - "Attempt N of M".
 * @csspart message - What the shopper should know now (a polite live region); a card error is shown under its field instead.
 * @csspart session-id - The session id, small, for support.
 *
 * Colours have a light default and a dark one (used under `prefers-color-scheme: dark`); setting a property overrides both.
 *
 * @cssproperty [--checkout-font=inherit] - Font shorthand of the widget.
 * @cssproperty [--checkout-color=#1f2328 / dark #e6edf3] - Text color.
 * @cssproperty [--checkout-background=#fff / dark #161b22] - Background of the form.
 * @cssproperty [--checkout-border-color=#d0d7de / dark #30363d] - Border color of the form; when set, inputs use it too (else #8c959f / dark #8b949e).
 * @cssproperty [--checkout-radius=8px] - Corner radius of the form; inputs and buttons use 3/4 of it.
 * @cssproperty [--checkout-padding=1rem] - Padding of the form.
 * @cssproperty [--checkout-spacing=0.75rem] - Gap between rows and fields.
 * @cssproperty [--checkout-accent=#1d4ed8 / dark #4493f8] - Primary buttons and focus outline.
 * @cssproperty [--checkout-accent-contrast=#fff / dark #0d1117] - Text on primary buttons.
 * @cssproperty [--checkout-input-background=#fff / dark #0d1117] - Background of the inputs.
 * @cssproperty [--checkout-muted-color=#57606a / dark #9198a1] - Attempt counter, card brand and session id.
 * @cssproperty [--checkout-error-color=#b42318 / dark #ff7b72] - Error messages and the border of a field in error.
 * @cssproperty [--checkout-success-color=#116329 / dark #3fb950] - Success message.
 * @cssproperty --checkout-focus-ring - Extra box-shadow of focused controls.
 * @cssproperty [--checkout-mono-font=ui-monospace, monospace] - Font of the session id.
 */
export class PaymentCheckout extends LitElement {
  static override styles = styles;

  static override properties = {
    api: {},
    orderId: { attribute: 'order-id' },
    orderToken: { attribute: 'order-token' },
    sessionId: { attribute: 'session-id' },
    clientSecret: { attribute: 'client-secret' },
    timeout: { type: Number },
    sw: {},
    locale: {},
    status: { reflect: true },
    attempt: { type: Number, reflect: true },
    maxAttempts: { type: Number, reflect: true, attribute: 'max-attempts' },
    queued: { type: Boolean, reflect: true },
    offline: { type: Boolean, reflect: true },
    _view: { state: true },
    _brand: { state: true },
  };

  /** Base URL of the payment API. */
  declare api: string;
  /** The order to pay (sessions are created from the browser with it). */
  declare orderId: string | null;
  /** A signed order from the merchant's backend (a JWS): the session is created from it (`POST /session/create {orderToken}`). */
  declare orderToken: string | null;
  /** A session created by a merchant backend; use with `clientSecret`. */
  declare sessionId: string | null;
  declare clientSecret: string | null;
  /** Milliseconds to wait for the payment's answer before offering Retry. */
  declare timeout: number;
  /** URL of the service worker to register (offline outbox); none when absent. */
  declare sw: string | null;
  /** `en` or `fr`; by default the page's `<html lang>`, then the browser's languages (`navigator.languages`). */
  declare locale: string | null;
  /** Reflected: the session status in lower case, or `idle` before a session exists. */
  declare status: string;
  /** Reflected: the current attempt number (1-based). */
  declare attempt: number;
  /** Reflected: attempts allowed for the session. */
  declare maxAttempts: number;
  /** Reflected: a request waits in the service worker's outbox. */
  declare queued: boolean;
  /** Reflected: the payment server cannot be reached. */
  declare offline: boolean;
  /** Status polling when the event stream fails: interval in ms (2000) and number of polls (30). Properties only. */
  pollInterval = 2_000;
  maxPolls = 30;
  declare _view: CheckoutState;
  declare _brand: CardBrand;

  #controller: CheckoutController | null = null;
  #coordinator: TabCoordinator<CheckoutState> | null = null;
  #bridge: DeferredOfflineBridge | null = null;
  #bootedKey: string | null = null;
  /**
   * Moves the focus after the next render: to the field in error, to the card number for a new attempt, or (`action`) to
   * the view's first button.
   */
  #focus: 'number' | 'expiry' | 'cvc' | 'action' | null = null;
  /** The locale's words: asked for (not asked again until that ends), could not be loaded. */
  #wordsAsked = false;
  #unloaded = false;

  constructor() {
    super();
    this.api = '/api/payments';
    this.orderId = null;
    this.orderToken = null;
    this.sessionId = null;
    this.clientSecret = null;
    this.timeout = 30_000;
    this.sw = null;
    this.locale = null;
    this.status = 'idle';
    this.attempt = 0;
    this.maxAttempts = 0;
    this.queued = false;
    this.offline = false;
    this._view = { ...INITIAL_STATE };
    this._brand = null;
  }

  /** Pays with the entered card. */
  pay(): Promise<void> {
    return this.#controller?.pay() ?? Promise.resolve();
  }
  /** Continues after a decline or a timeout, or tries the server again now; never starts a second charge for an attempt whose outcome is unknown. */
  retry(): Promise<void> {
    return this.#controller?.retry() ?? Promise.resolve();
  }
  /** Resumes an interrupted session for its next attempt. */
  resume(): Promise<void> {
    return this.#controller?.resume() ?? Promise.resolve();
  }
  /** Cancels the checkout (`reason` defaults to `user`). */
  cancel(reason?: string): Promise<void> {
    return this.#controller?.cancel(reason) ?? Promise.resolve();
  }
  /** Starts a new checkout for the same order after max retries or expiry (only with `order-id` / `order-token`). */
  restart(): Promise<void> {
    return this.#controller?.restart() ?? Promise.resolve();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('pagehide', this.#onPageHide);
    document.addEventListener('visibilitychange', this.#onVisible);
    this.#boot();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('pagehide', this.#onPageHide);
    document.removeEventListener('visibilitychange', this.#onVisible);
    this.#shutdown();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.isConnected && ['api', 'orderId', 'orderToken', 'sessionId', 'clientSecret', 'sw'].some((p) => changed.has(p as keyof PaymentCheckout)))
      this.#boot();
  }

  #boot(): void {
    const tokenOrder = this.orderToken && !this.orderId ? `token:${orderIdOfToken(this.orderToken) ?? this.orderToken.slice(-24)}` : null;
    const key = checkoutKey(this.api, this.orderId ?? tokenOrder, this.sessionId);
    const signature = `${key}|${this.orderToken ?? ''}|${this.clientSecret ?? ''}|${this.sw ?? ''}`;
    if (this.#bootedKey === signature) return;
    this.#shutdown();
    this.#bootedKey = signature;
    const api = new ApiClient(this.api);
    if (this.sw) {
      this.#bridge = new DeferredOfflineBridge();
      void this.#bridge.register(this.sw);
    }
    const controller = new CheckoutController({
      api,
      store,
      key,
      apiBase: this.api,
      orderId: this.orderId,
      orderToken: this.sessionId ? null : this.orderToken,
      given: this.sessionId && this.clientSecret ? { sessionId: this.sessionId, clientSecret: this.clientSecret } : null,
      timeoutMs: this.timeout > 0 ? this.timeout : 30_000,
      readPayment: () => this.#readPayment(),
      watch: (id, secret, onSession, onError) =>
        watchLive({
          url: api.eventsUrl(id, secret),
          fetchSession: () => api.getSession(id, secret).then((a) => (a.status === 200 ? (a.body as never) : Promise.reject(a))),
          onSession,
          onError,
          pollIntervalMs: this.pollInterval,
          maxPolls: this.maxPolls,
        }),
      bridge: this.#bridge,
      onChange: (view) => this.#show(view),
      onEvent: (event) => this.#dispatch(event),
    });
    this.#controller = controller;
    // Shown while the tab lock is asked for: reading IndexedDB does not wait for it (the tab that leads reads again).
    void controller.preview();
    const coordinator = new TabCoordinator<CheckoutState>({
      key,
      onLead: () => void controller.start(),
      onMirror: (view) => controller.mirror(view),
      onHello: () => coordinator.publish(controller.view),
    });
    this.#coordinator = coordinator;
    void coordinator.start().then((role) => role === 'follower' && this.#controller === controller && controller.follow());
  }

  #shutdown(): void {
    this.#coordinator?.stop();
    this.#controller?.stop();
    this.#bridge?.dispose();
    this.#coordinator = this.#controller = this.#bridge = null;
    this.#bootedKey = null;
    window.removeEventListener('beforeunload', this.#onBeforeUnload);
  }

  #show(view: CheckoutState): void {
    const before = this._view;
    this._view = view;
    this.status = view.status;
    this.attempt = view.attempt;
    this.maxAttempts = view.maxAttempts;
    this.queued = view.queued;
    this.offline = view.link !== 'up' || view.queued;
    this.#coordinator?.publish(view);
    // Pay (or Retry, or "Start a new checkout") went away under the shopper's focus: it moves to the view's way on.
    const focusLost = document.activeElement === this || document.activeElement === document.body;
    if (view.role !== 'leader') this.#focus = null;
    else if (view.reason !== before.reason && fieldOf(view.reason)) this.#focus = this.#errorField(view);
    else if (view.status === 'resumed' && before.status !== 'resumed') {
      this.#focus = 'number';
      // After a card's decline, the next attempt is another card's: its fields start empty (a processor error keeps them).
      if (before.phase === 'declined' && before.reason !== 'processor_error') {
        for (const input of this.renderRoot?.querySelectorAll('input') ?? []) input.value = '';
        this._brand = null;
      }
    } else if (
      focusLost &&
      ((view.phase !== before.phase && (WAY_ON_PHASES.includes(view.phase) || (view.phase === 'preparing' && isFinalPhase(before.phase)))) ||
        // The payment under way cannot reach the server: Retry is the way on.
        (view.link === 'server_away' && before.link !== view.link && isProcessing(view)))
    )
      this.#focus = 'action';
    // The leave-page warning, only while a payment is processing.
    if (isProcessing(view)) window.addEventListener('beforeunload', this.#onBeforeUnload);
    else window.removeEventListener('beforeunload', this.#onBeforeUnload);
  }

  /** The field a card error belongs to; a missing card points at the first empty field. */
  #errorField(view: CheckoutState): 'number' | 'expiry' | 'cvc' | null {
    if (view.reason !== 'missing_card') return fieldOf(view.reason);
    return missingField({ number: this.#value('cc-number'), expiry: this.#value('cc-exp'), cvc: this.#value('cc-csc') });
  }

  #field(id: string): HTMLInputElement | null | undefined {
    return this.renderRoot?.querySelector<HTMLInputElement>(`#${id}`);
  }

  #value(id: string): string {
    return this.#field(id)?.value ?? '';
  }

  protected override firstUpdated(): void {
    // The origin diagnosis (`controller/diagnose.ts`, a chunk of its own) is needed only once a request gets no answer:
    // loaded now, off the first render's path, so it is here when it is needed (the worker precaches it too).
    import('../controller/diagnose.js').catch(() => {});
    // The card fields' formatting and checks, the live status and the payment attempt, likewise: here before they are
    // needed (awaited if not).
    cardFields().catch(() => {});
    liveStatus().catch(() => {});
    paymentAttempt().catch(() => {});
  }

  protected override updated(): void {
    if (!this.#focus) return;
    // Disabled while a request finishes: the focus waits for the update that enables it.
    const target =
      this.#focus === 'action'
        ? this.renderRoot.querySelector<HTMLButtonElement>('.actions button:not(:disabled)')
        : this.#field({ number: 'cc-number', expiry: 'cc-exp', cvc: 'cc-csc' }[this.#focus]);
    if (target && !target.disabled) {
      this.#focus = null;
      target.focus();
    }
  }

  #dispatch(e: ControllerEvent, waited = false): void {
    // Every controller event is its DOM event's detail as it is, but the error's message, said in the page's language:
    // its words first (waited for only when an error comes before they are here).
    const locale = resolveLocale(this.#lang());
    if (e.type === 'error' && !waited && !localeLoaded(locale)) return void loadLocale(locale).then(() => this.#dispatch(e, true));
    const { type, ...detail } = e;
    this.dispatchEvent(
      new EVENTS[type]((e.type === 'error' ? { code: e.code, message: this.#t(e.messageKey, e.params), retryable: e.retryable } : detail) as never),
    );
  }

  async #readPayment() {
    const { paymentFromFields, paymentFromSlotted } = await cardFields();
    const slotted = this.querySelector('[slot="payment-method"]');
    if (slotted) {
      const fromSlot = await paymentFromSlotted(slotted);
      if (fromSlot) return fromSlot;
    }
    return paymentFromFields({ number: this.#value('cc-number'), expiry: this.#value('cc-exp'), cvc: this.#value('cc-csc') });
  }

  /** `locale`, else the page's. */
  #lang(): string {
    return this.locale || pageLang();
  }

  #t(key: string, params?: Record<string, string | number>): string {
    return translate(resolveLocale(this.#lang()), key, params);
  }

  #amount(v: CheckoutState): string | null {
    if (v.amount === null || !v.currency) return null;
    try {
      return new Intl.NumberFormat(this.#lang(), { style: 'currency', currency: v.currency }).format(v.amount / 100);
    } catch {
      return null;
    }
  }

  /** Formats the number and expiry as typed; the brand follows the number. */
  readonly #onInput = (event: InputEvent) => {
    // Read now: once the event is dispatched, its target (inside the shadow root) is null.
    const input = event.target as HTMLInputElement;
    if (fieldOf(this._view.reason)) this.#controller?.fieldEdited(); // corrected: said again only by the next Pay
    void cardFields().then(
      ({ formatAsTyped }) => {
        const brand = formatAsTyped(input, event.inputType);
        if (brand !== undefined) this._brand = brand;
      },
      () => {},
    );
  };

  readonly #onOnline = () => void this.#controller?.networkBack();
  readonly #onOffline = () => this.#controller?.networkLost();
  readonly #onVisible = () => document.visibilityState === 'visible' && void this.#controller?.networkBack();
  /** Leaving mid-payment (the shopper went past the leave-page warning): the server records an `unload` interruption. */
  readonly #onPageHide = () => this.#controller?.leaving();
  readonly #onBeforeUnload = (event: BeforeUnloadEvent) => {
    event.preventDefault();
    event.returnValue = ''; // older Chromium shows the prompt only with returnValue set
  };
  readonly #onSubmit = (event: Event) => {
    event.preventDefault();
    void this.pay();
  };

  protected override render() {
    // Each locale's words are a small chunk of their own: until they are here (a few ms), the view stands if the words
    // the entry carries (`FIRST`) say all of it, else the preparing view does, with what needs no words: the session
    // id, on its own until its label is here.
    const locale = resolveLocale(this.#lang());
    const here = localeLoaded(locale);
    if (!here && !this.#wordsAsked && this.isConnected) {
      this.#wordsAsked = true;
      void loadLocale(locale).then(() => {
        // Not even English came (the connection lost, a page of another build, an entry self-hosted without its files):
        // the view says so, and they are asked for again every 5 s (a reload is not always needed).
        this.#unloaded = !localeLoaded(locale);
        const again = () => ((this.#wordsAsked = false), this.requestUpdate());
        if (this.#unloaded) setTimeout(again, 5e3);
        else again();
      });
    }
    let unsaid = false;
    const show = (view: CheckoutState) =>
      renderCheckout(view, {
        t: (key, params) => {
          const text = this.#t(key, params);
          // Before the locale's own table is here, only its `FIRST` words count (English ones may be loaded already).
          const missing = text === key || (!here && !(key in FIRST[locale]!));
          unsaid ||= missing;
          return missing && key === 'session' ? String(params!.id) : text;
        },
        amount: this.#amount(view),
        brand: this._brand,
        errorField: view.reason ? this.#errorField(view) : null,
        submit: this.#onSubmit,
        press: (action: Action) => void this[action](), // each action is the element's method of that name
        input: this.#onInput,
      });
    const shown = show(this._view);
    const { sessionId } = this._view;
    return here || !unsaid
      ? shown
      : show(this.#unloaded ? { ...INITIAL_STATE, phase: 'unavailable', reason: 'unloaded', sessionId } : { ...INITIAL_STATE, sessionId });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'payment-checkout': PaymentCheckout;
  }
}
