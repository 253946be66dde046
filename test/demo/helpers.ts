/** Browser helpers for the demo suites: one Chromium, screenshots at 1280 and 360 px, an axe check, the widget's card form. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.js';
import { ROOT } from '../support/server.js';

export const SCREENSHOTS = join(ROOT, 'test/screenshots');
export const WIDTHS = [1280, 360] as const;
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A fresh context (own storage) whose pages report uncaught errors into `errors`. */
export async function openPage(browser: Browser, baseURL: string, errors: string[] = []): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, colorScheme: 'light', reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

/**
 * Screenshots of the current state at 1280 and 360 px wide, as test/screenshots/<name>-<width>.png (full page unless
 * `fullPage: false`, for a modal dialog that sits in the viewport).
 * The viewport goes back to 1280 afterwards.
 */
export async function shoot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 360 ? 780 : 900 });
    // Two frames: layout and the charts' ResizeObserver settle before the picture.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: opts.fullPage ?? true, animations: 'disabled' });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** One screenshot of the current state in dark mode (prefers-color-scheme: dark), as test/screenshots/<name>-dark-1280.png. */
export async function shootDark(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-dark-1280.png`), fullPage: true, animations: 'disabled' });
  await page.emulateMedia({ colorScheme: 'light' });
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core on the page as it is now (open shadow roots included) and returns its violations, readably. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the pages' CSP (rightly) refuses an inline script without its hash.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe.run(document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `   at ${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`).join('\n')}`);
}

export const widget = (page: Page) => page.locator('payment-checkout');
export const part = (page: Page, name: string) => page.locator(`payment-checkout [part~="${name}"]`);

/** Waits until the widget reflects `status` (lower case, widget/README.md). */
export async function waitForStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`payment-checkout[status="${status}"]`, { timeout });
}

/** Types a card into the widget's own fields and presses Pay. */
export async function payWith(page: Page, number: string): Promise<void> {
  await part(page, 'card-number').fill(number);
  await part(page, 'card-expiry').fill('12/34');
  await part(page, 'card-cvc').fill('123');
  await part(page, 'pay-button').click();
}

export const CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
} as const;
