import { html, nothing } from 'lit';
import { LightElement } from '../shared/light-element.js';
import { formatMoney } from '../shared/money.js';
import { formatDateTime, formatDuration, formatTime, reasonLabel, statusLabel } from './format.js';
import type { ProcessorCharge, SessionSummary } from './admin-api.js';

/**
 * One session in a modal dialog: its summary (`GET /session/:id/summary` read with the admin token), a timeline of
 * interruptions and retries, and the processor's charges for it. The dashboard feeds it fresh data on every poll.
 */
export class SessionDetail extends LightElement {
  static override properties = {
    summary: { attribute: false },
    charges: { attribute: false },
    error: { attribute: false },
  };

  declare summary: SessionSummary | undefined;
  declare charges: ProcessorCharge[];
  declare error: string;

  constructor() {
    super();
    this.summary = undefined;
    this.charges = [];
    this.error = '';
  }

  get #dialog(): HTMLDialogElement {
    return this.querySelector('dialog')!;
  }

  async open(): Promise<void> {
    await this.updateComplete;
    if (!this.#dialog.open) this.#dialog.showModal();
  }

  close(): void {
    this.#dialog?.close();
  }

  override render() {
    const s = this.summary;
    return html`<dialog class="detail" aria-labelledby="detail-title" @close=${() => this.dispatchEvent(new Event('detail-close'))}>
      <div class="detail-head">
        <h2 id="detail-title">Session ${s ? html`<span class="badge s-${s.status.toLowerCase()}">${statusLabel(s.status)}</span>` : nothing}</h2>
        <button class="btn small secondary" @click=${() => this.close()} aria-label="Close session details">Close</button>
      </div>
      ${this.error ? html`<div class="notice error" role="alert">${this.error}</div>` : nothing}
      ${s ? this.#body(s) : this.error ? nothing : html`<div class="skeleton" style="height:200px" aria-busy="true"></div>`}
    </dialog>`;
  }

  #body(s: SessionSummary) {
    const events = [
      ...s.interruptions.map((i) => ({ at: i.at, text: `Interrupted (${reasonLabel(i.reason)})`, attempt: i.attempt, kind: 'interrupt' })),
      ...s.retries.map((r) => ({ at: r.at, text: 'Resumed for a retry', attempt: r.attempt, kind: 'retry' })),
    ].sort((a, b) => a.at.localeCompare(b.at));
    return html`
      <dl class="detail-grid">
        <div><dt>Session</dt><dd class="mono">${s.sessionId}</dd></div>
        <div><dt>Order</dt><dd class="mono">${s.orderId}</dd></div>
        ${s.amount !== undefined && s.currency ? html`<div><dt>Amount</dt><dd>${formatMoney(s.amount, s.currency)}</dd></div>` : nothing}
        <div><dt>Attempt</dt><dd>${s.attempts} of ${s.maxAttempts}</dd></div>
        <div><dt>Duration</dt><dd>${formatDuration(s.durationMs)}</dd></div>
        ${s.createdAt ? html`<div><dt>Created</dt><dd>${formatDateTime(s.createdAt)}</dd></div>` : nothing}
        ${s.paymentId ? html`<div><dt>Payment</dt><dd class="mono">${s.paymentId}</dd></div>` : nothing}
        ${s.lastError ? html`<div class="wide"><dt>Last error</dt><dd><span class="mono">${s.lastError.code}</span> — ${s.lastError.message}</dd></div>` : nothing}
      </dl>
      <h3>Timeline</h3>
      ${
        events.length === 0
          ? html`<p class="muted">No interruptions or retries.</p>`
          : html`<ol class="timeline">
            ${events.map((e) => html`<li class=${e.kind}><time datetime=${e.at}>${formatTime(e.at)}</time> ${e.text} <span class="muted">· attempt ${e.attempt}</span></li>`)}
          </ol>`
      }
      <h3>Processor charges</h3>
      ${
        this.charges.length === 0
          ? html`<p class="muted">No charge reached the processor.</p>`
          : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Processor charges">
            <table class="mini-table">
              <thead><tr><th scope="col">Charge</th><th scope="col">Status</th><th scope="col">Amount</th><th scope="col">Time</th><th scope="col">Idempotency key</th></tr></thead>
              <tbody>
                ${this.charges.map(
                  (c) => html`<tr>
                    <td class="mono">${c.chargeId}</td>
                    <td><span class="badge ${c.status === 'succeeded' ? 's-completed' : 's-failed_max_retries'}">${c.status}${c.failureCode ? ` · ${c.failureCode}` : ''}</span></td>
                    <td>${formatMoney(c.amount, c.currency)}</td>
                    <td>${formatTime(c.createdAt)}</td>
                    <td class="mono">${c.idempotencyKey}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
      }
    `;
  }
}
customElements.define('session-detail', SessionDetail);
