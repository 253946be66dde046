/**
 * What `<payment-checkout>` shows for a state: the row of the state table (`present`, in `controller/machine.ts`) —
 * its status line, its message, its buttons — and the card inputs. The inputs stay in the DOM in every state (hidden
 * when they do not apply) so what the shopper typed is still there for the next attempt or a new checkout. They are
 * uncontrolled (no value binding): what is typed is read only when paying. A card error is said under its field only:
 * the message area is then not rendered (no empty live region, no gap).
 */
import { html, nothing, type TemplateResult } from 'lit';
import { fieldOf, present, type Action, type CheckoutState, type Phase } from '../controller/machine.js';
import { BRAND_NAMES, type CardBrand } from './card-input.js';

export interface TemplateContext {
  t: (key: string, params?: Record<string, string | number>) => string;
  /** The amount to pay, formatted for the locale (null when unknown). */
  amount: string | null;
  brand: CardBrand;
  /** The field a card error belongs to (for `missing_card`: the first empty one). */
  errorField: 'number' | 'expiry' | 'cvc' | null;
  submit: (event: Event) => void;
  press: (action: Action) => void;
  input: (event: InputEvent) => void;
}

/** Views where "Attempt N of M" explains nothing: the attempts are not what ended the checkout. */
const NO_ATTEMPTS: readonly Phase[] = ['completed', 'cancelled', 'paid_elsewhere', 'expired', 'unavailable'];

export function renderCheckout(s: CheckoutState, { t, amount, brand, errorField, submit, press, input }: TemplateContext): TemplateResult {
  const p = present(s);
  const payable = p.actions.includes('pay');
  const working = s.busy || s.phase === 'paying' || s.phase === 'confirming';
  const fieldError = payable && s.reason && fieldOf(s.reason) ? errorField : null;
  const message = t(p.message, { attempt: s.attempt, max: s.maxAttempts });
  // After a card's decline, Retry is another card's attempt (the fields are emptied for it); a processor error retries the same.
  const anotherCard = s.phase === 'declined' && s.reason !== 'processor_error';
  const field = (
    id: string,
    name: 'number' | 'expiry' | 'cvc',
    label: string,
    attrs: { part: string; autocomplete: string; name: string; placeholder?: string; wide?: boolean },
  ) => {
    const invalid = fieldError === name;
    return html`<div class="field ${attrs.wide ? 'wide' : ''}">
      <div class="label-row">
        <label for=${id}>${label}</label>
        ${name === 'number' && brand ? html`<span class="brand" part="card-brand">${t('card.brand', { brand: BRAND_NAMES[brand] })}</span>` : nothing}
      </div>
      <input
        id=${id}
        part=${attrs.part}
        name=${attrs.name}
        autocomplete=${attrs.autocomplete}
        inputmode="numeric"
        spellcheck="false"
        placeholder=${attrs.placeholder ?? nothing}
        aria-invalid=${invalid ? 'true' : 'false'}
        aria-describedby=${invalid ? 'field-error' : nothing}
        ?disabled=${working || !payable}
        @input=${input}
      />
      ${invalid ? html`<p id="field-error" class="field-error">${s.reason === 'missing_card' ? t(`msg.missing.${name}`) : message}</p>` : nothing}
    </div>`;
  };
  const primary = (action: Action) =>
    action === 'pay'
      ? html`<button type="submit" part="pay-button" class="primary" ?disabled=${working}>${working ? t('button.processing') : amount ? t('button.payAmount', { amount }) : t('button.pay')}</button>`
      : html`<button type="button" part="${action}-button" class=${action === 'cancel' ? 'secondary' : 'primary'} ?disabled=${s.busy} @click=${() => press(action)}>${t(action === 'retry' && anotherCard ? 'button.tryAnother' : `button.${action}`)}</button>`;
  return html`<form part="form" novalidate @submit=${submit} aria-busy=${working ? 'true' : 'false'}>
    <div class="head">
      <span part="status" role="status">${t(p.status)}</span>
      ${s.maxAttempts > 0 && s.attempt > 0 && !NO_ATTEMPTS.includes(s.phase) ? html`<span part="attempts">${t('attempts', { attempt: s.attempt, max: s.maxAttempts })}</span>` : nothing}
    </div>
    <slot name="payment-method" ?hidden=${!payable}
      ><div class="fields">
        ${field('cc-number', 'number', t('label.cardNumber'), { part: 'card-number', autocomplete: 'cc-number', name: 'cardnumber', wide: true })}
        ${field('cc-exp', 'expiry', t('label.expiry'), { part: 'card-expiry', autocomplete: 'cc-exp', name: 'cc-exp', placeholder: t('placeholder.expiry') })}
        ${field('cc-csc', 'cvc', t('label.cvc'), { part: 'card-cvc', autocomplete: 'cc-csc', name: 'cvc' })}
      </div></slot
    >
    ${fieldError ? nothing : html`<p part="message" class=${p.kind} aria-live="polite">${message}</p>`}
    <div class="actions">${p.actions.map(primary)}</div>
    ${s.sessionId ? html`<small part="session-id">${t('session', { id: s.sessionId })}</small>` : nothing}
  </form>`;
}
