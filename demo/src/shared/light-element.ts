import { LitElement } from 'lit';

/**
 * The demo's page components render into the light DOM so the one shared stylesheet (theme.css + page CSS) styles them,
 * exactly as it styles the self-contained checkout page that has no components of its own.
 */
export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}
