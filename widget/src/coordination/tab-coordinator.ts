/**
 * One driver per order across tabs and elements (contract: "one charge"). The tab holding the Web Lock
 * `payment-checkout:<checkout key>` is the leader: it alone sends requests, and it publishes its view on a
 * BroadcastChannel of the same name. Every other tab is a follower that mirrors that view; when the leader goes
 * away (tab closed, element removed) the lock passes to a waiting follower, which takes over from IndexedDB.
 *
 * Without Web Locks (very old browsers) every tab leads; the server's idempotency keys and order lock still
 * keep it to one charge.
 */

type Message<V> = { type: 'state'; view: V } | { type: 'hello' };

/** `V`: the view a leading tab publishes and the others mirror (the checkout's state). */
export interface TabCoordinatorOptions<V> {
  /** The checkout key (api + order); tabs on different orders never interact. */
  key: string;
  /** This tab now leads (at once, or later when the previous leader left). */
  onLead: () => void;
  /** The leader published its view (followers only). */
  onMirror: (view: V) => void;
  /** A new follower asks for the current view (leader only). */
  onHello: () => void;
}

export class TabCoordinator<V> {
  readonly #o: TabCoordinatorOptions<V>;
  readonly #name: string;
  #channel: BroadcastChannel | null = null;
  #release: (() => void) | null = null;
  readonly #abort = new AbortController();
  role: 'leader' | 'follower' | 'stopped' = 'stopped';

  constructor(options: TabCoordinatorOptions<V>) {
    this.#o = options;
    this.#name = `payment-checkout:${options.key}`;
  }

  /** Resolves with the role this tab starts in; `onLead` is also called when it starts as leader. */
  async start(): Promise<'leader' | 'follower'> {
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(this.#name);
      this.#channel.addEventListener('message', this.#onMessage);
    }
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) return this.#lead();
    const held = new Promise<void>((resolve) => (this.#release = resolve));
    const got = await new Promise<boolean>((resolve) => {
      locks
        .request(this.#name, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          return lock ? held : undefined;
        })
        .catch(() => resolve(true));
    });
    if (this.#abort.signal.aborted) {
      this.#release?.();
      return 'follower';
    }
    if (got) return this.#lead();
    this.role = 'follower';
    this.#post({ type: 'hello' });
    locks
      .request(this.#name, { signal: this.#abort.signal }, () => {
        if (this.#abort.signal.aborted) return undefined;
        this.#lead();
        return held;
      })
      .catch(() => {}); // aborted by stop()
    return 'follower';
  }

  /** Leader: tells the followers what it shows now. */
  publish(view: V): void {
    if (this.role === 'leader') this.#post({ type: 'state', view });
  }

  stop(): void {
    this.role = 'stopped';
    this.#abort.abort();
    this.#release?.();
    this.#release = null;
    this.#channel?.removeEventListener('message', this.#onMessage);
    this.#channel?.close();
    this.#channel = null;
  }

  #lead(): 'leader' {
    this.role = 'leader';
    this.#o.onLead();
    return 'leader';
  }

  #post(message: Message<V>): void {
    this.#channel?.postMessage(message);
  }

  readonly #onMessage = (event: MessageEvent<Message<V>>): void => {
    const m = event.data;
    if (m?.type === 'state' && this.role === 'follower') this.#o.onMirror(m.view);
    else if (m?.type === 'hello' && this.role === 'leader') this.#o.onHello();
  };
}
