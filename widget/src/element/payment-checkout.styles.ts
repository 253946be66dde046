import { css } from 'lit';

/**
 * Every themeable value is a `--checkout-*` custom property (documented in the element's JSDoc). The defaults are
 * private `--_d-*` values: light ones, and dark ones under `prefers-color-scheme: dark`; a `--checkout-*` property set by
 * the page overrides both. Each card field is three rows of the fields' grid (label, input, error: a subgrid), so inputs
 * side by side line up even when one label wraps onto two lines.
 */
export const styles = css`
  :host {
    display: block;
    box-sizing: border-box;
    color-scheme: light dark;
    --_d-color: #1f2328;
    --_d-background: #fff;
    --_d-border: #d0d7de;
    --_d-input-border: #8c959f;
    --_d-accent: #1d4ed8;
    --_d-accent-contrast: #fff;
    --_d-input-background: #fff;
    --_d-muted: #57606a;
    --_d-error: #b42318;
    --_d-success: #116329;
    font: var(--checkout-font, inherit);
    color: var(--checkout-color, var(--_d-color));
    --_accent: var(--checkout-accent, var(--_d-accent));
    --_radius: var(--checkout-radius, 8px);
    --_border: var(--checkout-border-color, var(--_d-input-border));
    --_gap: var(--checkout-spacing, 0.75rem);
    --_focus: var(--checkout-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 45%, transparent));
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_d-color: #e6edf3;
      --_d-background: #161b22;
      --_d-border: #30363d;
      --_d-input-border: #8b949e;
      --_d-accent: #4493f8;
      --_d-accent-contrast: #0d1117;
      --_d-input-background: #0d1117;
      --_d-muted: #9198a1;
      --_d-error: #ff7b72;
      --_d-success: #3fb950;
    }
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  form {
    display: grid;
    gap: var(--_gap);
    padding: var(--checkout-padding, 1rem);
    background: var(--checkout-background, var(--_d-background));
    border: 1px solid var(--checkout-border-color, var(--_d-border));
    border-radius: var(--_radius);
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 0.25rem 1rem;
    font-weight: 600;
  }
  [part~='attempts'] {
    font-weight: 400;
    color: var(--checkout-muted-color, var(--_d-muted));
  }
  .fields {
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
    column-gap: var(--_gap);
    row-gap: 0.25rem;
  }
  .field {
    display: grid;
    grid-row: span 3;
    grid-template-rows: subgrid;
    align-items: end;
  }
  .field + .field .label-row {
    margin-top: 0.25rem;
  }
  .field.wide {
    grid-column: 1 / -1;
  }
  label {
    font-size: 0.875rem;
    font-weight: 600;
  }
  input {
    font: inherit;
    min-width: 0;
    min-height: 2.5rem;
    padding: 0.5rem 0.75rem;
    color: inherit;
    background: var(--checkout-input-background, var(--_d-input-background));
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.75);
  }
  input:disabled {
    opacity: 0.6;
  }
  input[aria-invalid='true'] {
    border-color: var(--checkout-error-color, var(--_d-error));
    border-width: 2px;
  }
  .field-error {
    margin: 0;
    font-size: 0.875rem;
    color: var(--checkout-error-color, var(--_d-error));
    font-weight: 600;
  }
  .brand {
    font-size: 0.875rem;
    color: var(--checkout-muted-color, var(--_d-muted));
  }
  .label-row {
    display: flex;
    justify-content: space-between;
    gap: 0.5rem;
  }
  [hidden] {
    display: none !important;
  }
  input:focus-visible,
  button:focus-visible,
  [part~='message']:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
    box-shadow: var(--_focus);
  }
  [part~='message'] {
    margin: 0;
    min-height: 1.5em;
  }
  [part~='message'].error {
    color: var(--checkout-error-color, var(--_d-error));
    font-weight: 600;
  }
  [part~='message'].success {
    color: var(--checkout-success-color, var(--_d-success));
    font-weight: 600;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 2.5rem;
    padding: 0.5rem 1.25rem;
    border-radius: calc(var(--_radius) * 0.75);
    border: 1px solid var(--_accent);
    cursor: pointer;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.65;
  }
  .primary {
    background: var(--_accent);
    color: var(--checkout-accent-contrast, var(--_d-accent-contrast));
  }
  .secondary {
    background: transparent;
    color: var(--checkout-color, var(--_d-color));
    border-color: var(--_border);
  }
  [part~='session-id'] {
    font-size: 0.75rem;
    color: var(--checkout-muted-color, var(--_d-muted));
    font-family: var(--checkout-mono-font, ui-monospace, monospace);
    overflow-wrap: anywhere;
  }
  @media (max-width: 400px) {
    .fields {
      grid-template-columns: 1fr;
    }
  }
  @media (prefers-reduced-motion: no-preference) {
    button {
      transition: filter 0.15s;
    }
    button:hover:not(:disabled) {
      filter: brightness(1.1);
    }
  }
`;
