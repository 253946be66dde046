/**
 * The webhook deliveries panel of /admin against the real server process and a real receiver: delivered, pending and
 * failing deliveries with their attempts and last answer, the Redeliver button (the receiver gets the same webhook-id
 * again), screenshots at 1280 and 360 px, and axe.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver, waitForReceived, type Receiver } from '../server/helpers/receiver.js';
import { axeViolations, demoSuite, shoot } from './helpers.js';
import { seedSessions } from './api.js';

let receiver: Receiver;

const run = demoSuite(async () => {
  // The receiver refuses cancellations (so one delivery keeps failing) and takes everything else.
  receiver = await startReceiver((_n, req) => (JSON.parse(req.body).type === 'checkout.session.cancelled' ? { status: 500 } : { status: 200 }));
  return {
    env: { WEBHOOK_URL: `${receiver.url}/hooks/payments`, WEBHOOK_SECRET: 'whsec_' + Buffer.alloc(32, 1).toString('base64'), WEBHOOK_RETRY_BASE_MS: '60000' },
  };
});

afterAll(() => receiver?.close());

describe('admin: webhook deliveries', () => {
  it('lists deliveries with status, attempts and last answer, and redelivers one (screenshots, axe)', async () => {
    await seedSessions(run.server.url);
    await waitForReceived(receiver, (g) => g.length >= 4);
    const { page } = await run.open();
    await page.goto('/admin');
    await page.getByLabel('Admin token').fill(run.server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const panel = page.locator('webhook-deliveries');
    await panel.locator('tr[data-status="delivered"]').first().waitFor();
    const pending = panel.locator('tr[data-status="pending"]');
    await pending.first().waitFor();
    expect(await pending.first().locator('td[data-label="Last answer"]').textContent()).toContain('HTTP 500');
    expect(await pending.first().locator('td[data-label="Next try"]').textContent()).toMatch(/in (\d+m )?\d+s/);
    expect(await panel.locator('tr[data-status="delivered"] td[data-label="Last answer"]').first().textContent()).toContain('HTTP 200');
    expect(await axeViolations(page)).toEqual([]);
    await panel.scrollIntoViewIfNeeded();
    await shoot(page, 'admin-webhooks');

    const row = panel.locator('tr[data-status="delivered"]').first();
    const id = await row.getAttribute('data-delivery-id');
    const before = receiver.received.length;
    await row.getByRole('button', { name: /Redeliver/ }).click();
    const got = await waitForReceived(receiver, (g) => g.length > before);
    const ids = new Set(receiver.received.slice(0, before).map((g) => g.headers['webhook-id']));
    expect(ids.has(got.at(-1)!.headers['webhook-id'])).toBe(true); // the same webhook-id as before
    await panel.locator(`tr[data-delivery-id="${id}"] td[data-label="Attempts"]:text-is("2")`).waitFor({ timeout: 10_000 });
    expect(run.pageErrors).toEqual([]);
  });
});
