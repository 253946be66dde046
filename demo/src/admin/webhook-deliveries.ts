import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { LightElement } from '../shared/light-element.js';
import { fetchJson } from '../shared/api.js';
import { ago, formatDuration } from './format.js';
import { LiveList } from './live-list.js';

export interface Delivery {
  deliveryId: string;
  webhookId: string;
  type: string;
  sessionId: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError?: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}
interface DeliveryPage {
  deliveries: Delivery[];
  nextCursor: string | null;
}

const PAGE_SIZE = 10;
const BADGE = { delivered: 's-completed', pending: 's-processing', failed: 's-failed_max_retries' } as const;
const LABEL = { delivered: 'Delivered', pending: 'Pending', failed: 'Failed' } as const;

/**
 * The webhook deliveries panel of `/admin`: status, attempts, the last answer, when the next try is, and a Redeliver
 * button per delivery (`POST /webhooks/deliveries/:id/redeliver`). Read again every 2 s (LiveList); fires `admin-unauthorized` on a 401.
 */
export class WebhookDeliveries extends LightElement {
  static override properties = {
    token: {},
    _page: { state: true },
    _filter: { state: true },
    _problem: { state: true },
    _notice: { state: true },
  };

  declare token: string;
  declare _page: DeliveryPage | undefined;
  declare _filter: string;
  declare _problem: string;
  declare _notice: string;
  #list = new LiveList(
    this,
    (cursor) => this.#read(cursor),
    (e) => (this._problem = `Deliveries not updated: ${e.message}`),
  );

  constructor() {
    super();
    this.token = '';
    this._page = undefined;
    this._filter = '';
    this._problem = '';
    this._notice = '';
  }

  #auth() {
    return { Authorization: `Bearer ${this.token}` };
  }

  async #read(cursor: string | null): Promise<() => void> {
    const p = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this._filter) p.set('status', this._filter);
    if (cursor) p.set('cursor', cursor);
    const page = await fetchJson<DeliveryPage>(`/api/payments/webhooks/deliveries?${p}`, { headers: this.#auth(), cache: 'no-store' });
    return () => {
      this._page = page;
      this._problem = '';
    };
  }

  async #redeliver(d: Delivery): Promise<void> {
    try {
      await fetchJson(`/api/payments/webhooks/deliveries/${encodeURIComponent(d.deliveryId)}/redeliver`, { method: 'POST', headers: this.#auth(), body: '{}' });
      this._notice = `${d.type} for ${d.sessionId} queued for redelivery.`;
      void this.#list.refresh();
    } catch (e) {
      if (!this.#list.unauthorized(e)) this._notice = `Could not redeliver: ${(e as Error).message}`;
    }
  }

  #setFilter(value: string): void {
    this._filter = value;
    this._page = undefined;
    this.#list.reset();
  }

  override render() {
    const page = this._page;
    const now = Date.now();
    return html`<section class="card table-card" aria-labelledby="deliveries-title">
      <div class="table-head">
        <h2 id="deliveries-title">Webhook deliveries</h2>
        <div class="field inline">
          <label for="delivery-filter">Delivery status</label>
          <select id="delivery-filter" class="input" .value=${this._filter} @change=${(e: Event) => this.#setFilter((e.target as HTMLSelectElement).value)}>
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="delivered">Delivered</option>
            <option value="failed">Failed</option>
          </select>
        </div>
      </div>
      ${this._problem ? html`<div class="notice error" role="alert">${this._problem}</div>` : nothing}
      <p class="visually-hidden" role="status">${this._notice}</p>
      ${
        !page
          ? html`<div class="skeleton" style="height:120px" aria-busy="true"></div>`
          : page.deliveries.length === 0
            ? html`<p class="table-empty">No ${this._filter || ''} webhook deliveries${this._filter ? '' : ' yet (set WEBHOOK_URL to send events)'}.</p>`
            : html`<table class="sessions deliveries">
              <thead>
                <tr><th scope="col">Status</th><th scope="col">Event</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Next try</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
              </thead>
              <tbody>
                ${repeat(
                  page.deliveries,
                  (d) => d.deliveryId,
                  (d) => this.#row(d, now),
                )}
              </tbody>
            </table>`
      }
      ${
        page && (page.nextCursor || this.#list.pageNumber > 1)
          ? html`<nav class="pager" aria-label="Delivery pages">
            <span class="muted">Page ${this.#list.pageNumber}</span>
            <span class="pager-buttons">
              <button class="btn small secondary" ?disabled=${this.#list.pageNumber < 2} @click=${() => this.#list.previous()}>Previous</button>
              <button class="btn small secondary" ?disabled=${!page.nextCursor} @click=${() => this.#list.next(page.nextCursor)}>Next</button>
            </span>
          </nav>`
          : nothing
      }
    </section>`;
  }

  #row(d: Delivery, now: number) {
    const answer = d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? '—');
    const next = d.nextAttemptAt ? (Date.parse(d.nextAttemptAt) <= now ? 'due now' : `in ${formatDuration(Date.parse(d.nextAttemptAt) - now)}`) : '—';
    return html`<tr data-delivery-id=${d.deliveryId} data-status=${d.status}>
      <td data-label="Status"><span class="badge ${BADGE[d.status]}">${LABEL[d.status]}</span></td>
      <td data-label="Event">
        <span class="mono">${d.type}</span>
        <span class="session-id mono">${d.sessionId} · ${ago(d.createdAt, now)}</span>
        <span class="session-id mono">${d.url}</span>
      </td>
      <td data-label="Attempts" class="num">${d.attempts}</td>
      <td data-label="Last answer" class="num" title=${d.lastError ?? ''}>${answer}</td>
      <td data-label="Next try" class="num">${next}</td>
      <td data-label="Actions"><button class="btn small secondary redeliver" @click=${() => this.#redeliver(d)} aria-label="Redeliver ${d.type} for ${d.sessionId}">Redeliver</button></td>
    </tr>`;
  }
}
customElements.define('webhook-deliveries', WebhookDeliveries);
