/**
 * The admin dashboard (/admin) against the real server process: sign-in, the live sessions table (a session made in
 * another page appears and changes status without a reload), the detail dialog, a rotated token, screenshots and axe.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CARDS, payWith, waitForStatus } from '../e2e/support.js';
import { axeViolations, demoSuite, shoot, shootDark } from './helpers.js';
import { createOrder, seedSessions, sessionFlow } from './api.js';

const run = demoSuite();

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/admin');
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('admin dashboard', () => {
  it('refuses a wrong token with a clear message and shows nothing of the data', async () => {
    const { page } = await run.open();
    await signIn(page, 'not-the-admin-token-000000');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('That admin token was not accepted');
    expect(await page.locator('admin-dashboard, table.sessions, .count-tiles').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('demo.adminToken'))).toBeNull();
    expect(page.url()).not.toContain('not-the-admin-token');
    expect(await axeViolations(page)).toEqual([]);
    await shoot(page, 'admin-signin-error');
  });

  it('shows a session created in another page, then its status change, without a reload', async () => {
    const admin = await run.open();
    await signIn(admin.page, run.server.adminToken);
    await admin.page.locator('table.sessions, .table-empty').first().waitFor();
    expect(await admin.page.evaluate(() => sessionStorage.getItem('demo.adminToken'))).toBe(run.server.adminToken);
    expect(admin.page.url()).not.toContain(run.server.adminToken);
    // Marks this document: if the page reloaded, the mark would be gone.
    await admin.page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    const order = await createOrder(run.server.url);
    const shopper = await run.open();
    await shopper.page.goto(`/checkout/${order.orderId}`);
    await waitForStatus(shopper.page, 'initiated');

    const row = admin.page.locator(`tr:has(button:text-is("${order.orderId}"))`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-status')).toBe('INITIATED');

    await payWith(shopper.page, CARDS.declined);
    await waitForStatus(shopper.page, 'interrupted');
    await admin.page.locator(`tr[data-status="INTERRUPTED"]:has(button:text-is("${order.orderId}"))`).waitFor({ timeout: 10_000 });
    expect(await row.locator('td[data-label="Last interruption"]').textContent()).toMatch(/decline/);
    expect(await admin.page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  });

  it('filters by status, pages with the cursor, opens a session with its processor charges (screenshots, axe)', async () => {
    await seedSessions(run.server.url);
    const { page } = await run.open();
    await signIn(page, run.server.adminToken);
    await page.locator('table.sessions').waitFor();
    await page.locator('.chart-bar').first().waitFor();
    await shoot(page, 'admin');
    await shootDark(page, 'admin');
    expect(await axeViolations(page)).toEqual([]);

    // Filter: only the sessions that hit the maximum of attempts.
    await page.locator('#status-filter').selectOption('FAILED_MAX_RETRIES');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.sessions tbody tr')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-status') === 'FAILED_MAX_RETRIES');
    });

    // Detail: the summary and the processor's charges for that session.
    await page.locator('table.sessions .row-open').first().focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog.detail');
    await dialog.locator('.detail-grid').waitFor();
    await dialog.locator('.mini-table tbody tr').nth(2).waitFor();
    expect(await dialog.locator('.mini-table tbody tr').count()).toBe(3);
    expect(await dialog.locator('.timeline li').count()).toBeGreaterThanOrEqual(3);
    await shoot(page, 'admin-detail', { fullPage: false });
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // Focus goes back to the row that opened the dialog.
    expect(await page.evaluate(() => document.activeElement?.classList.contains('row-open'))).toBe(true);

    // Cursor paging: 20 a page; more sessions than that, so Next follows nextCursor and Previous comes back.
    for (let i = 0; i < 14; i++) await sessionFlow(run.server.url, []);
    await page.locator('#status-filter').selectOption('all');
    const range = page.locator('.pager [role=status]');
    await range.filter({ hasText: /^1–20 of \d+$/ }).waitFor();
    const total = Number(/of (\d+)/.exec((await range.textContent()) ?? '')![1]);
    expect(total).toBeGreaterThan(20);
    const firstPage = await page.locator('table.sessions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id')));
    await page.getByRole('button', { name: 'Next' }).click();
    await range.filter({ hasText: `21–${Math.min(40, total)} of ${total}` }).waitFor();
    const secondPage = await page.locator('table.sessions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id')));
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    await page.getByRole('button', { name: 'Previous' }).click();
    await range.filter({ hasText: /^1–20 of/ }).waitFor();
  });

  it('goes back to sign-in when the admin token is rotated on the server', async () => {
    const { page } = await run.open();
    await signIn(page, run.server.adminToken);
    await page.locator('table.sessions, .table-empty').first().waitFor();

    await run.restart({ ADMIN_TOKEN: 'rotated-admin-token-9876543210' });

    const alert = page.locator('.signin [role=alert]');
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toMatch(/no longer valid/);
    expect(await page.locator('table.sessions').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('demo.adminToken'))).toBeNull();

    await page.getByLabel('Admin token').fill('rotated-admin-token-9876543210');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('table.sessions, .table-empty').first().waitFor();
  });

  it('threw no uncaught errors in any page', () => {
    expect(run.pageErrors).toEqual([]);
  });
});
