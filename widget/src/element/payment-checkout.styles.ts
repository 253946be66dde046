import { css } from 'lit';

/** Every themeable value is a `--checkout-*` custom property with its default here (documented in the element's JSDoc). */
export const styles = css`
  :host {
    display: block;
    box-sizing: border-box;
    font: var(--checkout-font, inherit);
    color: var(--checkout-color, #1f2328);
    --_accent: var(--checkout-accent, #1d4ed8);
    --_radius: var(--checkout-radius, 8px);
    --_border: var(--checkout-border-color, #8c959f);
    --_gap: var(--checkout-spacing, 0.75rem);
    --_focus: var(--checkout-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 45%, transparent));
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
    background: var(--checkout-background, #fff);
    border: 1px solid var(--checkout-border-color, #d0d7de);
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
    color: var(--checkout-muted-color, #57606a);
  }
  .fields {
    display: grid;
    grid-template-columns: 1fr 1fr;
    gap: var(--_gap);
  }
  .field {
    display: grid;
    gap: 0.25rem;
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
    min-height: 2.5rem;
    padding: 0.5rem 0.75rem;
    color: inherit;
    background: var(--checkout-input-background, #fff);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.75);
  }
  input:disabled {
    opacity: 0.6;
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
    color: var(--checkout-error-color, #b42318);
    font-weight: 600;
  }
  [part~='message'].success {
    color: var(--checkout-success-color, #116329);
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
  [part~='pay-button'],
  [part~='retry-button'],
  [part~='resume-button'] {
    background: var(--_accent);
    color: var(--checkout-accent-contrast, #fff);
  }
  [part~='cancel-button'] {
    background: transparent;
    color: var(--checkout-color, #1f2328);
    border-color: var(--_border);
  }
  [part~='session-id'] {
    font-size: 0.75rem;
    color: var(--checkout-muted-color, #57606a);
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
