/**
 * What the demo suites add to the e2e set-up (test/e2e/suite.ts): pages as the screenshots want them, screenshots at 1280
 * and 360 px, an axe check.
 */
import type { Page } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type StartOptions } from '../support/server.js';
import { browserSuite, type Suite } from '../e2e/suite.js';

export const SCREENSHOTS = join(ROOT, 'test/screenshots');
export const WIDTHS = [1280, 360] as const;
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

/**
 * The file's server and Chromium (browserSuite), its pages 1280 × 900, light, without motion: as the screenshots are
 * looked at. The last test of each file expects no uncaught error in any of them (`run.pageErrors`).
 */
export function demoSuite(opts: StartOptions | (() => Promise<StartOptions>) = {}): Suite {
  return browserSuite(opts, { context: { viewport: { width: 1280, height: 900 }, colorScheme: 'light', reducedMotion: 'reduce' } });
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
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `   at ${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`).join('\n')}`,
  );
}
