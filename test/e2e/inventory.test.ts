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

const rows = (page: Page) => page.locator('[data-testid=device-row]');
const rowNames = (page: Page) => page.locator('[data-testid=device-row] td:first-child a').allInnerTexts();
const total = async (page: Page) =>
  Number((await visibleText(page.locator('[data-testid=device-total]'))).replace(/\D/g, ''));

async function signInAs(page: Page, base: string, email: string, password = PASSWORD) {
  await page.goto(`${base}/inventory`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

describe.skipIf(!!skip)('dashboard: inventory journeys of an insured admin', () => {
  let server: E2EServer;
  let browser: BrowserSession;
  let page: Page;

  // Opening PGlite and hashing the seeded passwords takes long on a loaded machine.
  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses a wrong password with the API message, and rate-limits repeated failures', async () => {
    await signInAs(page, server.base, server.world.users['acme-viewer'].email, 'not the password');
    const error = page.locator('[data-testid=signin-error]');
    await poll(() => visibleText(error)).toBe('e-mail or password is wrong');
    await screenshot(page, 'e2e-signin-wrong-password');
    // The server allows 5 failures per e-mail in its window; the 6th is refused before checking.
    for (let i = 0; i < 5; i++) {
      await page.click('button[type=submit]');
      await page.locator('button[type=submit]:not([disabled])').waitFor();
    }
    await poll(() => visibleText(error)).toMatch(/too many failed sign-in attempts; try again in \d+ s/);
    await screenshot(page, 'e2e-signin-rate-limited');
  });

  it('signs in with the right password and lands on the inventory', async () => {
    await page.goto(`${server.base}/`);
    await page.fill('input[name=email]', server.world.users['acme-admin'].email);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Devices' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/inventory');
    await poll(() => rows(page).count()).toBe(server.acmeDevices.size);
    expect(await total(page)).toBe(server.acmeDevices.size);
    // Only pages that exist are in the navigation; an admin may import.
    const nav = await page.locator('nav .nav-item').allInnerTexts();
    expect(nav).toEqual(expect.arrayContaining(['Alerts', 'Devices', 'Import']));
    // Fleet counts come from the server, whatever the list shows; one bar per site with devices.
    const tiles = page.locator('[data-testid=fleet-summary] button.tile');
    await poll(() => tiles.allInnerTexts()).toEqual([
      `DEVICES\n${server.acmeDevices.size}`,
      'INTERNET-EXPOSED\n2',
      'CRITICAL\n1',
      'QUARANTINED\n0',
    ]);
    expect(await page.locator('[data-testid=site-chart] .recharts-bar-rectangle').count()).toBe(1);
    expect(await visibleText(page.locator('[data-testid=site-chart]'))).toContain('Plant A');
    await screenshot(page, 'e2e-inventory');
  });

  it('filters by kind, by free text and by exposure, and sorts by criticality', async () => {
    await page.selectOption('[data-testid=filter-kind]', 'camera');
    await poll(() => rowNames(page)).toEqual(['lobby-cam-01', 'lobby-cam-02', 'yard-cam-03']);
    expect(new URL(page.url()).searchParams.get('kind')).toBe('camera');

    await page.fill('[data-testid=filter-q]', 'axis');
    await poll(() => rowNames(page)).toEqual(['yard-cam-03']);
    await screenshot(page, 'e2e-inventory-filtered');

    // Filters live in the URL: back and forward move between them, and the search box follows.
    await page.goBack();
    await poll(() => rows(page).count()).toBe(server.acmeDevices.size);
    expect(await page.inputValue('[data-testid=filter-q]')).toBe('');
    await page.goForward();
    await poll(() => rowNames(page)).toEqual(['yard-cam-03']);
    expect(await page.inputValue('[data-testid=filter-q]')).toBe('axis');

    // Free text covers IP addresses too, across kinds once the kind filter is cleared.
    await page.selectOption('[data-testid=filter-kind]', '');
    await page.fill('[data-testid=filter-q]', '10.20.0.');
    await poll(async () => (await rowNames(page)).sort()).toEqual([
      'line-hmi',
      'paint-shop-plc',
      'press-line-plc',
    ]);

    await page.fill('[data-testid=filter-q]', '');
    await page.selectOption('[data-testid=filter-exposed]', 'true');
    await poll(async () => (await rowNames(page)).sort()).toEqual(['edge-router', 'lobby-cam-01']);

    await page.click('button:has-text("Clear filters")');
    await poll(() => rows(page).count()).toBe(server.acmeDevices.size);
    await page.click('[data-testid=fleet-summary] button:has-text("Critical")');
    await poll(() => rowNames(page)).toEqual(['press-line-plc']);
    expect(new URL(page.url()).searchParams.get('criticality')).toBe('critical');
    await page.click('button:has-text("Clear filters")');
    await poll(() => rows(page).count()).toBe(server.acmeDevices.size);
    await page.click('th button:has-text("Criticality")');
    await poll(async () => (await rowNames(page))[0]).toBe('press-line-plc');
    await poll(async () => (await rowNames(page)).at(-1)).toBe('lobby-cam-02');
  });

  it('pages through the list with limit and offset', async () => {
    await page.goto(`${server.base}/inventory?limit=3&sort=name`);
    await poll(() => rows(page).count()).toBe(3);
    const first = await rowNames(page);
    await poll(() => visibleText(page.locator('[data-testid=pager-range]'))).toBe(
      `1–3 of ${server.acmeDevices.size}`,
    );
    await page.click('[data-testid=next-page]');
    await poll(() => visibleText(page.locator('[data-testid=pager-range]'))).toBe(
      `4–6 of ${server.acmeDevices.size}`,
    );
    const second = await rowNames(page);
    expect(second).toHaveLength(3);
    expect(second.filter((n) => first.includes(n))).toEqual([]);
    expect([...first, ...second]).toEqual([...first, ...second].sort());
  });

  it('opens a device page with its facts and history, and changes its status', async () => {
    await page.goto(`${server.base}/inventory?q=press`);
    await page.click('[data-testid=device-row] a:has-text("press-line-plc")');
    await page.locator('[data-testid=device-name]', { hasText: 'press-line-plc' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(
      `/inventory/devices/${server.acmeDevices.get('press-line-plc')}`,
    );
    const facts = await page.locator('dl.facts').allInnerTexts();
    const text = facts.join('\n');
    for (const fact of [
      'Siemens',
      'SIMATIC S7-1200',
      'CPU 1214C',
      '4.5.2',
      'S7-0001',
      '10.20.0.5',
      '00:1b:1b:aa:bb:01',
      'ot-cell-1',
      'Plant A',
      '2025-06-30',
      '2026-11-01 08:30 UTC',
    ])
      expect(text).toContain(fact);
    expect(await page.locator('[data-testid=open-services] tbody tr').count()).toBe(2);
    // The firmware reported over telemetry is in the history with where it came from.
    const history = page.locator('[data-testid=device-history] tbody tr');
    await poll(() => history.count()).toBe(1);
    expect(await visibleText(history.first())).toMatch(/firmware version\s+4\.4\.0\s+4\.5\.2\s+mqtt:gw-1/);
    await screenshot(page, 'e2e-device');

    await page.selectOption('[data-testid=status-select]', 'quarantined');
    await page.click('[data-testid=status-save]');
    await poll(() => visibleText(page.locator('.page-header .badges'))).toContain('quarantined');
    await poll(() => visibleText(history.first())).toMatch(/status\s+active\s+quarantined/);
    // Changing the status must change nothing else: one new history row, the other facts kept.
    await screenshot(page, 'e2e-device-quarantined');
    expect(await history.allInnerTexts(), 'a status change recorded changes to other fields').toHaveLength(2);
    expect(await page.locator('[data-testid=open-services] tbody tr').count()).toBe(2);
    expect((await page.locator('dl.facts').allInnerTexts()).join('\n')).toContain('10.20.0.5');
  });

  it('refuses a CSV with one bad row, naming its line and field, and imports nothing', async () => {
    await page.goto(`${server.base}/inventory`);
    await poll(() => total(page)).toBe(server.acmeDevices.size);
    const before = await total(page);

    await page.click('nav a:has-text("Import")');
    await page.locator('h1', { hasText: 'Import devices' }).waitFor();
    const csv = [
      'name,kind,vendor,product,site,ipAddresses',
      'dock-cam-01,camera,Axis,M3106-L,Plant B,10.3.0.1',
      'dock-toaster,toaster,Acme,T-1000,Plant B,10.3.0.2',
      'dock-cam-02,camera,Axis,M3106-L,Plant B,10.3.0.300',
    ].join('\n');
    await page.setInputFiles('[data-testid=import-file]', {
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.click('[data-testid=import-submit]');
    const details = page.locator('[data-testid=error-details] tbody tr');
    await poll(() => details.count()).toBe(2);
    const cells = async (i: number) => details.nth(i).locator('td').allInnerTexts();
    expect((await cells(0)).slice(0, 2)).toEqual(['3', 'kind']);
    expect((await cells(1)).slice(0, 2)).toEqual(['4', 'ipAddresses.0']);
    expect(await visibleText(page.locator('.alert-error').first())).toContain('nothing was imported');
    await screenshot(page, 'e2e-import-error');

    await page.click('nav a:has-text("Devices")');
    await poll(() => rows(page).count()).toBe(before);
    expect(await total(page)).toBe(before);
    const sites = await page.locator('[data-testid=filter-site] option').allInnerTexts();
    expect(sites.some((s) => s.startsWith('Plant B'))).toBe(false);
  });

  it('imports a good CSV and the inventory grows by its rows', async () => {
    const before = await total(page);
    await page.click('nav a:has-text("Import")');
    const csv = [
      'name,kind,vendor,product,site,ipAddresses,internetExposed,criticality,openServices',
      'dock-cam-01,camera,Axis,M3106-L,Plant B,10.3.0.1,false,low,80/tcp:http',
      'dock-nvr,nvr,Hikvision,DS-7608NI,Plant B,10.3.0.2,true,high,23/tcp:telnet;554/tcp:rtsp',
      'front-door,door_controller,HID,VertX V1000,Plant A,10.3.0.3,false,high,',
    ].join('\n');
    await page.setInputFiles('[data-testid=import-file]', {
      name: 'good.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.click('[data-testid=import-submit]');
    const result = page.locator('[data-testid=import-result]');
    await poll(() => visibleText(result)).toContain('Imported 3 devices from good.csv');
    expect(await visibleText(result)).toContain('1 new site: Plant B.');
    await screenshot(page, 'e2e-import-ok');

    await page.click('nav a:has-text("Devices")');
    await poll(() => total(page)).toBe(before + 3);
    const siteId = await page
      .locator('[data-testid=filter-site] option', { hasText: 'Plant B' })
      .getAttribute('value');
    await page.selectOption('[data-testid=filter-site]', siteId!);
    await poll(async () => (await rowNames(page)).sort()).toEqual(['dock-cam-01', 'dock-nvr']);
  });

  it('exports the inventory as CSV', async () => {
    await page.goto(`${server.base}/inventory`);
    await page.locator('[data-testid=device-row]').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export CSV")'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^devices-acme-manufacturing.*\.csv$/);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0].startsWith('name,kind,vendor,product')).toBe(true);
    expect(lines.length - 1).toBe(await total(page));
  });
});
