import { html, nothing } from 'lit';
import { LightElement } from '../shared/light-element.js';
import { ApiError } from '../shared/api.js';
import { AdminApi } from './admin-api.js';
import './admin-dashboard.js';

/** The token lives in sessionStorage only (gone with the tab), never in a URL. */
const TOKEN_KEY = 'demo.adminToken';

/** `/admin`: the sign-in form, or the dashboard once the server accepted the token. */
export class AdminApp extends LightElement {
  static override properties = {
    _token: { state: true },
    _message: { state: true },
    _busy: { state: true },
  };

  declare _token: string;
  declare _message: string;
  declare _busy: boolean;

  constructor() {
    super();
    this._token = sessionStorage.getItem(TOKEN_KEY) ?? '';
    this._message = '';
    this._busy = false;
  }

  async #signIn(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const input = this.querySelector<HTMLInputElement>('#admin-token')!;
    const token = input.value.trim();
    if (!token) {
      this._message = 'Enter the admin token.';
      input.focus();
      return;
    }
    this._busy = true;
    this._message = '';
    try {
      await new AdminApi(token).sessions({ limit: 1 });
      sessionStorage.setItem(TOKEN_KEY, token);
      this._token = token;
    } catch (err) {
      this._message =
        err instanceof ApiError && err.status === 401
          ? 'That admin token was not accepted. Check it and try again.'
          : `Could not sign in: ${(err as Error).message}`;
      input.select();
    } finally {
      this._busy = false;
    }
  }

  #signOut(message = ''): void {
    sessionStorage.removeItem(TOKEN_KEY);
    this._token = '';
    this._message = message;
  }

  override updated(): void {
    if (!this._token && this._message) this.querySelector<HTMLInputElement>('#admin-token')?.focus();
  }

  override render() {
    return html`
      <header class="site-header admin-header">
        <div class="container">
          <a class="brand" href="/admin">
            <svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false"><rect width="28" height="28" rx="8" style="fill: var(--accent)"/><path d="M8 19l6-10 6 10z" style="fill: var(--accent-contrast)"/></svg>
            <span class="brand-name">Harbor &amp; Pine</span><small>admin</small>
          </a>
          <nav class="site-nav" aria-label="Admin">
            <a class="nav-home" href="/">Storefront</a>
            ${this._token ? html`<button class="btn small secondary" @click=${() => this.#signOut()}>Sign out</button>` : nothing}
          </nav>
        </div>
      </header>
      <main id="main" class="container">
        ${
          this._token
            ? html`<admin-dashboard .token=${this._token}
              @admin-unauthorized=${() => this.#signOut('Your admin session has ended (the token is no longer valid). Sign in again.')}></admin-dashboard>`
            : this.#signInForm()
        }
      </main>
    `;
  }

  #signInForm() {
    return html`<div class="card signin">
      <h1>Sign in</h1>
      <p class="muted">Payments dashboard. Use the admin token the server printed when it started (or the one set in <span class="mono">ADMIN_TOKEN</span>).</p>
      ${this._message ? html`<div class="notice error" role="alert" id="signin-error">${this._message}</div>` : nothing}
      <form @submit=${(e: SubmitEvent) => this.#signIn(e)} novalidate>
        <div class="field">
          <label for="admin-token">Admin token</label>
          <input id="admin-token" class="input mono" type="password" autocomplete="current-password" spellcheck="false"
            aria-describedby=${this._message ? 'signin-error' : nothing} aria-invalid=${this._message ? 'true' : 'false'} />
        </div>
        <button class="btn block" type="submit" ?disabled=${this._busy}>${this._busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </div>`;
  }
}
customElements.define('admin-app', AdminApp);
