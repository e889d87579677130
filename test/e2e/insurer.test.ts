import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  browserUnavailable,
  ensureWebBuilt,
  launchBrowser,
  screenshot,
  visibleText,
} from '../support/browser';
import { PASSWORD } from '../support/harness';
import { type E2EServer, startServer } from './server';

/** Wait for the page to reach a state; generous, because CI machines and this one can be slow. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

const skip = browserUnavailable();
if (skip) console.warn(`skipping browser tests: ${skip}`);

const rowNames = (page: Page) => page.locator('[data-testid=device-row] td:first-child a').allInnerTexts();
const readOnly = (page: Page) => page.locator('[data-testid=read-only]');

async function signIn(page: Page, base: string, email: string) {
  await page.goto(`${base}/inventory`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.locator('h1', { hasText: 'Devices' }).waitFor();
}

describe.skipIf(!!skip)('dashboard: an insurer acting on an insured organisation', () => {
  let server: E2EServer;
  let browser: BrowserSession;
  let page: Page;
  let acmeName: string;
  let clinicName: string;

  // Opening PGlite and hashing the seeded passwords takes long on a loaded machine.
  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    const orgs = server.world.services.tenancy;
    acmeName = (await orgs.organisation(server.world.orgs.acme)).name;
    clinicName = (await orgs.organisation(server.world.orgs.clinic)).name;
    browser = await launchBrowser();
    page = browser.page;
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('offers the related insured organisation in the switcher, never the unrelated one', async () => {
    await signIn(page, server.base, server.world.users['insurer-underwriter'].email);
    // The insurer's own organisation holds no devices, and an underwriter may not import there.
    await page.locator('[data-testid=no-devices]').waitFor();
    // Read-only insurer access: the inventory is there, importing is not.
    const nav = await page.locator('nav .nav-item').allInnerTexts();
    expect(nav).toContain('Devices');
    expect(nav).not.toContain('Import');
    expect(await readOnly(page).count()).toBe(0);

    const options = await page.locator('[data-testid=org-switcher] option').allInnerTexts();
    expect(options).toHaveLength(2);
    expect(options.some((o) => o.startsWith(acmeName))).toBe(true);
    expect(options.some((o) => o.includes(clinicName))).toBe(false);
  });

  it('switches to the insured organisation and sees its devices read-only', async () => {
    await page.selectOption('[data-testid=org-switcher]', server.world.orgs.acme);
    await readOnly(page).waitFor();
    expect(await visibleText(readOnly(page))).toBe('read-only (insurer access)');
    await poll(async () => (await rowNames(page)).sort()).toEqual([...server.acmeDevices.keys()].sort());
    const names = await rowNames(page);
    for (const n of server.clinicDeviceNames) expect(names).not.toContain(n);
    await screenshot(page, 'e2e-insurer-acting-on-insured');

    // The choice survives a reload (kept in localStorage, sent as x-org-id).
    await page.reload();
    await readOnly(page).waitFor();
    await poll(() => rowNames(page).then((n) => n.length)).toBe(server.acmeDevices.size);
    expect(await page.locator('[data-testid=org-switcher]').inputValue()).toBe(server.world.orgs.acme);
  });

  it('shows a device without the status editor, and no import', async () => {
    await page.click('[data-testid=device-row] a:has-text("press-line-plc")');
    await page.locator('[data-testid=device-name]', { hasText: 'press-line-plc' }).waitFor();
    await page.locator('[data-testid=device-history]').waitFor();
    expect(await page.locator('[data-testid=status-select]').count()).toBe(0);
    await screenshot(page, 'e2e-insurer-device');

    await page.goto(`${server.base}/inventory/import`);
    await readOnly(page).waitFor();
    expect(await visibleText(page.locator('.alert-warn'))).toContain('read-only');
    expect(await page.locator('[data-testid=import-file]').count()).toBe(0);
  });

  it("exports the insured organisation's inventory, not the insurer's", async () => {
    await page.goto(`${server.base}/inventory`);
    await page.locator('[data-testid=device-row]').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export JSON")'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^devices-acme-manufacturing-.*\.json$/);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as { name: string }[];
    expect(exported.map((d) => d.name).sort()).toEqual([...server.acmeDevices.keys()].sort());
  });

  it('switches back to its own organisation', async () => {
    await page.selectOption('[data-testid=org-switcher]', server.world.users['insurer-underwriter'].orgId);
    await page.locator('[data-testid=no-devices]').waitFor();
    expect(await readOnly(page).count()).toBe(0);
  });

  it('an insured user of the other organisation sees only its own devices and no switcher', async () => {
    await page.click('[data-testid=user-menu]');
    await page.click('button:has-text("Sign out")');
    await page.locator('input[name=email]').waitFor();
    await signIn(page, server.base, server.world.users['clinic-analyst'].email);
    await poll(async () => (await rowNames(page)).sort()).toEqual([...server.clinicDeviceNames].sort());
    expect(await page.locator('[data-testid=org-switcher]').count()).toBe(0);
    expect(await visibleText(page.locator('.topbar'))).toContain(clinicName);
    await screenshot(page, 'e2e-insured-clinic');
  });
});
