/**
 * What `<payment-checkout>` shows for a view: the parts of CONTRACT §4, and only the buttons that apply.
 * Card inputs are uncontrolled (no value binding): what is typed stays in the input and is read only when paying.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { isFinal, type CheckoutView } from '../controller/types.js';

export interface TemplateContext {
  t: (key: string, params?: Record<string, string | number>) => string;
  /** The amount to pay, formatted for the locale (null when unknown). */
  amount: string | null;
  submit: (event: Event) => void;
  retry: () => void;
  resume: () => void;
  cancel: () => void;
}

export function renderCheckout(v: CheckoutView, { t, amount, submit, retry, resume, cancel }: TemplateContext): TemplateResult {
  const leader = v.role === 'leader';
  const payable = leader && (v.status === 'initiated' || v.status === 'resumed');
  const final = isFinal(v.status);
  const working = v.busy || v.processing;
  const message = v.message ? t(v.message.key, v.message.params) : '';
  return html`<form part="form" novalidate @submit=${submit} aria-busy=${working ? 'true' : 'false'}>
    <div class="head">
      <span part="status" role="status">${t(`status.${v.status}`)}</span>
      ${v.maxAttempts > 0 ? html`<span part="attempts">${t('attempts', { attempt: v.attempt, max: v.maxAttempts })}</span>` : nothing}
    </div>
    ${payable
      ? html`<slot name="payment-method"
          ><div class="fields">
            <div class="field wide">
              <label for="cc-number">${t('label.cardNumber')}</label>
              <input id="cc-number" part="card-number" name="cardnumber" autocomplete="cc-number" inputmode="numeric" spellcheck="false" ?disabled=${working} />
            </div>
            <div class="field">
              <label for="cc-exp">${t('label.expiry')}</label>
              <input id="cc-exp" part="card-expiry" name="cc-exp" autocomplete="cc-exp" inputmode="numeric" placeholder="MM/YY" ?disabled=${working} />
            </div>
            <div class="field">
              <label for="cc-csc">${t('label.cvc')}</label>
              <input id="cc-csc" part="card-cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" spellcheck="false" ?disabled=${working} />
            </div></div
        ></slot>`
      : nothing}
    <p part="message" class=${v.message?.kind ?? 'info'} tabindex="-1" aria-live="polite">${message}</p>
    <div class="actions">
      ${payable ? html`<button type="submit" part="pay-button" ?disabled=${working}>${working ? t('button.processing') : amount ? t('button.payAmount', { amount }) : t('button.pay')}</button>` : nothing}
      ${leader && v.canRetry && !final ? html`<button type="button" part="retry-button" ?disabled=${v.busy} @click=${retry}>${t('button.retry')}</button>` : nothing}
      ${leader && v.status === 'interrupted' && !v.canRetry ? html`<button type="button" part="resume-button" ?disabled=${v.busy} @click=${resume}>${t('button.resume')}</button>` : nothing}
      ${leader && v.status !== 'idle' && v.status !== 'completed' && v.status !== 'cancelled' ? html`<button type="button" part="cancel-button" ?disabled=${working && !final} @click=${cancel}>${t('button.cancel')}</button>` : nothing}
    </div>
    ${v.sessionId ? html`<small part="session-id">${t('session', { id: v.sessionId })}</small>` : nothing}
  </form>`;
}
