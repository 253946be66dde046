import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { LightElement } from '../shared/light-element.js';
import { formatMoney } from '../shared/money.js';
import {
  AdminApi,
  STATUSES,
  isUnauthorized,
  type AdminSession,
  type ProcessorCharge,
  type SessionPage,
  type SessionStats,
  type SessionSummary,
} from './admin-api.js';
import { ago, formatDuration, formatTime, reasonLabel, statusLabel } from './format.js';
import { successBuckets } from './charts.js';
import { LiveList } from './live-list.js';
import type { SessionDetail } from './session-detail.js';
import './charts.js';
import './session-detail.js';
import './webhook-deliveries.js';

const PAGE_SIZE = 20;

/**
 * The signed-in dashboard: counts by status, the two charts, the live sessions table (filter + cursor paging) and a
 * session's detail, read again every 2 s (LiveList). Fires `admin-unauthorized` when the server answers 401 (token wrong or rotated).
 */
export class AdminDashboard extends LightElement {
  static override properties = {
    token: {},
    _page: { state: true },
    _stats: { state: true },
    _charges: { state: true },
    _filter: { state: true },
    _updatedAt: { state: true },
    _problem: { state: true },
    _selected: { state: true },
    _summary: { state: true },
    _detailError: { state: true },
  };

  declare token: string;
  declare _page: SessionPage | undefined;
  declare _stats: SessionStats | undefined;
  declare _charges: ProcessorCharge[];
  /** '' = the active sessions (server default), 'all', or one status. */
  declare _filter: string;
  declare _updatedAt: number;
  declare _problem: string;
  declare _selected: string;
  declare _summary: SessionSummary | undefined;
  declare _detailError: string;
  /** The listing, the stats and the ledger, read together. */
  #list = new LiveList(
    this,
    (cursor) => this.#read(cursor),
    (e) => (this._problem = `Live updates paused: ${e.message} Retrying…`),
  );

  constructor() {
    super();
    this.token = '';
    this._page = undefined;
    this._stats = undefined;
    this._charges = [];
    this._filter = '';
    this._updatedAt = 0;
    this._problem = '';
    this._selected = '';
    this._summary = undefined;
    this._detailError = '';
  }

  get #api() {
    return new AdminApi(this.token);
  }

  async #read(cursor: string | null): Promise<() => void> {
    const api = this.#api;
    const [page, stats, charges, summary] = await Promise.all([
      api.sessions({ status: this._filter, limit: PAGE_SIZE, cursor }),
      api.stats(),
      api.charges(),
      this._selected ? api.summary(this._selected).catch((e) => (isUnauthorized(e) ? Promise.reject(e) : (e as Error))) : undefined,
    ]);
    return () => {
      this._page = page;
      this._stats = stats;
      this._charges = charges;
      if (summary instanceof Error) this._detailError = summary.message;
      else if (summary) {
        this._summary = summary;
        this._detailError = '';
      }
      this._updatedAt = Date.now();
      this._problem = '';
    };
  }

  #setFilter(value: string): void {
    this._filter = value;
    this._page = undefined;
    this.#list.reset();
  }

  async #openDetail(sessionId: string): Promise<void> {
    this._selected = sessionId;
    this._summary = undefined;
    this._detailError = '';
    await this.updateComplete;
    await this.querySelector<SessionDetail>('session-detail')!.open();
    void this.#list.refresh();
  }

  #closeDetail(): void {
    const id = this._selected;
    this._selected = '';
    this._summary = undefined;
    // Give the keyboard back to the row that opened the dialog.
    this.querySelector<HTMLElement>(`[data-session-id="${CSS.escape(id)}"] .row-open`)?.focus();
  }

  override render() {
    return html`
      <div class="page-head">
        <div>
          <h1>Payments</h1>
          <p>Live view of checkout sessions · <span class="updated">${this._updatedAt ? `updated ${formatTime(new Date(this._updatedAt).toISOString())}` : 'loading…'}</span></p>
        </div>
      </div>
      ${this._problem ? html`<div class="notice error" role="alert">${this._problem}</div>` : nothing}
      ${this.#counts()}
      <div class="chart-row">
        <section class="card chart-card" aria-labelledby="chart-interruptions">
          <h2 id="chart-interruptions">Interruptions by reason</h2>
          <interruptions-chart .data=${this._stats?.interruptionsByReason ?? {}}></interruptions-chart>
        </section>
        <section class="card chart-card" aria-labelledby="chart-success">
          <h2 id="chart-success">Payment success rate</h2>
          <success-rate-chart .buckets=${successBuckets(this._charges, this._updatedAt || Date.now())}></success-rate-chart>
        </section>
      </div>
      ${this.#table()}
      <webhook-deliveries .token=${this.token}></webhook-deliveries>
      <session-detail
        .summary=${this._summary}
        .charges=${this._charges.filter((c) => c.sessionId === this._selected)}
        .error=${this._detailError}
        @detail-close=${() => this.#closeDetail()}
      ></session-detail>
    `;
  }

  #counts() {
    const counts = this._stats?.counts ?? {};
    return html`<section aria-labelledby="counts-title">
      <h2 id="counts-title" class="visually-hidden">Sessions by status</h2>
      <ul class="count-tiles">
        ${STATUSES.map(
          (s) => html`<li>
            <button class="count-tile ${this._filter === s ? 'selected' : ''}" aria-pressed=${this._filter === s ? 'true' : 'false'} @click=${() => this.#setFilter(this._filter === s ? '' : s)} data-status=${s}>
              <span class="tile-label"><span class="dot s-${s.toLowerCase()}" aria-hidden="true"></span>${statusLabel(s, true)}</span>
              <span class="count" data-testid="count-${s}">${this._stats ? (counts[s] ?? 0) : '–'}</span>
            </button>
          </li>`,
        )}
      </ul>
    </section>`;
  }

  #table() {
    const page = this._page;
    const first = (this.#list.pageNumber - 1) * PAGE_SIZE;
    const now = this._updatedAt || Date.now();
    return html`<section class="card table-card" aria-labelledby="sessions-title">
      <div class="table-head">
        <h2 id="sessions-title">Sessions</h2>
        <div class="field inline">
          <label for="status-filter">Status</label>
          <select id="status-filter" class="input" .value=${this._filter} @change=${(e: Event) => this.#setFilter((e.target as HTMLSelectElement).value)}>
            <option value="">Active (not final)</option>
            <option value="all">All</option>
            ${STATUSES.map((s) => html`<option value=${s} ?selected=${this._filter === s}>${statusLabel(s)}</option>`)}
          </select>
        </div>
      </div>
      ${
        !page
          ? html`<div class="skeleton" style="height:160px" aria-busy="true"></div>`
          : page.sessions.length === 0
            ? html`<p class="table-empty">No ${this._filter ? statusLabel(this._filter).toLowerCase() : 'active'} sessions${this._filter === 'all' ? '' : ' right now'}.</p>`
            : html`<table class="sessions">
              <thead>
                <tr><th scope="col">Status</th><th scope="col">Order</th><th scope="col">Amount</th><th scope="col">Attempts</th><th scope="col">Age</th><th scope="col">Last interruption</th></tr>
              </thead>
              <tbody>
                ${repeat(
                  page.sessions,
                  (s) => s.sessionId,
                  (s) => this.#row(s, now),
                )}
              </tbody>
            </table>`
      }
      ${
        page
          ? html`<nav class="pager" aria-label="Sessions pages">
            <span class="muted" role="status">${page.total === 0 ? '0 sessions' : `${first + 1}–${first + page.sessions.length} of ${page.total}`}</span>
            <span class="pager-buttons">
              <button class="btn small secondary" ?disabled=${this.#list.pageNumber < 2} @click=${() => this.#list.previous()}>Previous</button>
              <button class="btn small secondary" ?disabled=${!page.nextCursor} @click=${() => this.#list.next(page.nextCursor)}>Next</button>
            </span>
          </nav>`
          : nothing
      }
    </section>`;
  }

  #row(s: AdminSession, now: number) {
    const last = s.metadata?.interruptions?.at(-1);
    return html`<tr data-session-id=${s.sessionId} data-status=${s.status}>
      <td data-label="Status"><span class="badge s-${s.status.toLowerCase()}">${statusLabel(s.status)}</span></td>
      <td data-label="Order">
        <button class="link-btn row-open mono" @click=${() => this.#openDetail(s.sessionId)} aria-label="Order ${s.orderId}: show session details">${s.orderId}</button>
        <span class="session-id mono">${s.sessionId}</span>
      </td>
      <td data-label="Amount" class="num">${formatMoney(s.amount, s.currency)}</td>
      <td data-label="Attempts" class="num">${s.attempts} / ${s.maxAttempts}</td>
      <td data-label="Age" class="num">${formatDuration(now - Date.parse(s.createdAt))}</td>
      <td data-label="Last interruption">${last ? html`${reasonLabel(last.reason)} <span class="muted">· ${ago(last.at, now)}</span>` : html`<span class="muted">—</span>`}</td>
    </tr>`;
  }
}
customElements.define('admin-dashboard', AdminDashboard);
