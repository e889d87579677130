import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  browserUnavailable,
  ensureWebBuilt,
  launchBrowser,
  screenshot,
} from '../support/browser';
import { PASSWORD } from '../support/harness';
import { giveAcmeProfile } from '../support/policy';
import { type E2EServer, startServer } from './server';

const skip = browserUnavailable();
if (skip) console.warn(`skipping browser tests: ${skip}`);

async function signIn(page: Page, base: string, email: string) {
  await page.context().clearCookies();
  await page.goto(`${base}/inventory`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.locator('h1', { hasText: 'Devices' }).waitFor();
}

describe.skipIf(!!skip)('dashboard: quote, exceedance curve, bind, the insured policy page', () => {
  let server: E2EServer;
  let browser: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    const { world } = server;
    await giveAcmeProfile(world);
    browser = await launchBrowser();
    page = browser.page;
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the underwriter quotes acme and sees the worksheet and exceedance curve, then binds', async () => {
    const { world } = server;
    const { tenancy, quotes } = world.services;
    const uw = await tenancy.context(await tenancy.actorByEmail(world.users['insurer-underwriter'].email));
    const q = await quotes.createQuote(uw, world.orgs.acme, {
      aggregateLimit: { amount: 200_000_000, currency: 'USD' },
      retention: { amount: 2_500_000, currency: 'USD' },
      waitingPeriodHours: 12,
    });
    await signIn(page, server.base, world.users['insurer-underwriter'].email);
    await page.goto(`${server.base}/underwriting/submissions`);
    await page.locator('[data-testid=submissions] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=submissions] tbody tr').count()).toBe(1);

    await page.goto(`${server.base}/underwriting/quotes/${q.id}`);
    await page.locator('[data-testid=worksheet] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=worksheet] tbody tr').count()).toBe(q.quote.worksheet.length);
    await page.locator('[data-testid=exceedance-curve] svg path.recharts-curve').waitFor();
    const tiles = (await page.locator('[data-testid=quote-premiums]').textContent()) ?? '';
    expect(tiles).toMatch(/technical premium/i);
    console.log(`screenshot: ${await screenshot(page, 'insurance-quote')}`);

    await page.click('[data-testid=bind]');
    await page.locator('[data-testid=policy-sections] tbody tr').first().waitFor();
    expect(await page.locator('h1').textContent()).toMatch(/^Policy CW-/);

    // The underwriter endorses a higher retention from tomorrow (by the world's clock, which the server
    // runs on); the page shows the endorsement.
    const tomorrow = new Date(world.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    const form = page.locator('[data-testid=endorse-form]');
    await form.locator('input[name=effectiveDate]').fill(tomorrow);
    await form.locator('input[name=retention]').fill('50000');
    await form.locator('input[name=reason]').fill('insured takes a higher retention');
    await form.locator('input[name=approveReferrals]').check();
    await form.locator('button[type=submit]').click();
    await page.locator('[data-testid=endorsements] tbody tr').first().waitFor();
    const row = (await page.locator('[data-testid=endorsements] tbody tr').first().textContent()) ?? '';
    expect(row).toContain(tomorrow);
    expect(row).toMatch(/retention USD 25,000.00 -> USD 50,000.00/);
    expect(row).toMatch(/return /);
    // The evidence panel on the same page fetches again: the endorsement document is proven too.
    const proven = page.locator('[data-testid=ledger-evidence] [data-testid=ledger-entry]');
    await expect.poll(() => proven.count(), { timeout: 30_000 }).toBe(2);
    console.log(`screenshot: ${await screenshot(page, 'insurance-endorsement')}`);
  });

  it('the insured sees its policy: sections, limits, retentions, premium', async () => {
    await signIn(page, server.base, server.world.users['acme-viewer'].email);
    await page.goto(`${server.base}/policy`);
    await page.locator('[data-testid=policy-sections] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=policy-sections] tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('[data-testid=policy-summary]').textContent()).toMatch(/annual premium/i);
    // What would lower it: measured changes re-rated on the policy's filing, largest saving first.
    await page.locator('[data-testid=premium-reductions] tbody tr').first().waitFor();
    const first =
      (await page.locator('[data-testid=premium-reductions] tbody tr').first().textContent()) ?? '';
    expect(first).toMatch(/−.+\(−\d+\.\d %\)/);
    // The insured sees the endorsement but not the underwriter's form.
    expect(await page.locator('[data-testid=endorsements] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid=endorse-form]').count()).toBe(0);
    // Both policy documents are proven from the insurer's log: the declarations and the endorsement.
    const entries = page.locator('[data-testid=ledger-evidence] [data-testid=ledger-entry]');
    await expect.poll(() => entries.count(), { timeout: 30_000 }).toBe(2);
    const logged = (await entries.allTextContents()).join('\n');
    expect(logged).toMatch(/endorsement 1 SHA-256 [0-9a-f]{16}/);
    expect(logged).toMatch(/declarations SHA-256 [0-9a-f]{16}/);
    expect(await page.locator('[data-testid=ledger-entry][data-ok=false]').count()).toBe(0);
    console.log(`screenshot: ${await screenshot(page, 'insurance-policy')}`);
  });
});
