import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/modules/tenancy';
import {
  type BrowserSession,
  browserUnavailable,
  ensureWebBuilt,
  launchBrowser,
  screenshot,
  visibleText,
} from '../support/browser';
import {
  DEMO_PASSWORD,
  type DetectionServer,
  type Simulator,
  startDetectionServer,
} from './detection-server';

/** Live detection takes seconds to close a window; generous for a loaded machine. */
const poll = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 250 });

const skip = browserUnavailable();
if (skip) console.warn(`skipping browser tests: ${skip}`);

// The infected camera's telnet sweep (test/detection/live.test.ts: named a horizontal scan).
const SCAN = /port scan horizontal/;

describe.skipIf(!!skip)('dashboard: live alerts from the demo fleet, triage, device traffic', () => {
  let server: DetectionServer;
  let browser: BrowserSession;
  let page: Page;
  let sim: Simulator;
  let reloads = 0;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startDetectionServer();
    browser = await launchBrowser();
    page = browser.page;
    page.on('load', () => {
      reloads++;
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens Alerts (first in the navigation) before anything is detected, with the live stream on', async () => {
    await page.goto(`${server.base}/alerts`);
    await page.fill('input[name=email]', 'admin@acme.example');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Alerts' }).waitFor();
    const nav = await page.locator('nav .nav-item').allInnerTexts();
    expect(nav[0]).toBe('Alerts');
    await page.locator('[data-testid=no-alerts]').waitFor();
    await poll(() => visibleText(page.locator('[data-testid=live-indicator]'))).toBe('live');
    expect(await visibleText(page.locator('[data-testid=tile-open]'))).toBe('0');
    await screenshot(page, 'e2e-alerts-empty-live');
  });

  it('shows the infected camera scanning telnet as it happens, without a reload', async () => {
    const loadsBefore = reloads;
    sim = await server.simulate();
    const victim = sim.victims.find((v) => v.org === 'acme');
    expect(victim).toBeDefined();
    // The flow detector closes an alert window when the behaviour pauses (alertGapSeconds), so let the
    // camera scan until its traffic is counted, then stop the fleet: the alert is stored by the next
    // tick of LiveDetection and pushed over the stream to the page that is already open.
    const acme = await server.services.tenancy.organisationBySlug('acme');
    const ctx = await server.services.tenancy.context(systemActor(acme.id, 'insured'));
    const camera = (await server.services.inventory.allDevices(ctx.scope)).find(
      (d) => d.name === victim!.device,
    )!;
    const flows = async () =>
      (await server.services.alerts.deviceTraffic(ctx, camera.id, 1)).points.reduce((n, p) => n + p.flows, 0);
    await poll(flows, 120_000).toBeGreaterThan(2000);
    await sim.stop();
    const stopped = Date.now();
    const row = page.locator('[data-testid=alert-row]', { hasText: SCAN });
    await poll(() => row.count(), 60_000).toBeGreaterThan(0);
    console.log(
      `scan alert on the page ${((Date.now() - stopped) / 1000).toFixed(1)} s after the scan stopped`,
    );
    expect(reloads).toBe(loadsBefore);
    const text = await visibleText(row.first());
    expect(text).toContain(victim!.device);
    expect(text).toMatch(/T1046/);
    // Pushed rows are highlighted, the tiles follow the stored alerts.
    expect(await row.first().getAttribute('class')).toContain('row-fresh');
    await poll(() => visibleText(page.locator('[data-testid=tile-open]')).then(Number)).toBeGreaterThan(0);
    expect(await visibleText(page.locator('[data-testid=tile-devices]'))).toBe('1');
    const technique = row.first().locator('a[href^="https://attack.mitre.org/techniques/T"]');
    expect(await technique.getAttribute('href')).toMatch(
      /^https:\/\/attack\.mitre\.org\/techniques\/T1046\/$/,
    );
    await screenshot(page, 'e2e-alerts-live');
  }, 300_000);

  it('filters by behaviour, and an empty filter says so', async () => {
    await page.selectOption('[data-testid=filter-behaviour]', 'arp_rebind');
    await page.locator('[data-testid=no-alerts]').waitFor();
    expect(new URL(page.url()).searchParams.get('behaviour')).toBe('arp_rebind');
    await page.goBack();
    await poll(() => page.locator('[data-testid=alert-row]', { hasText: SCAN }).count()).toBeGreaterThan(0);
  });

  it('opens the alert with its evidence and acknowledges it, visible in the audit trail', async () => {
    await server.live.drain();
    await page
      .locator('[data-testid=alert-row]', { hasText: SCAN })
      .first()
      .locator('td:nth-child(2) a')
      .click();
    await page.locator('[data-testid=alert-title]').waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const acme = await server.services.tenancy.organisationBySlug('acme');
    const ctx = await server.services.tenancy.context(systemActor(acme.id, 'insured'));
    const stored = await server.services.alerts.get(ctx, id);

    expect(await visibleText(page.locator('[data-testid=alert-technique]'))).toBe(
      `${stored.technique.id} ${stored.technique.name}`,
    );
    expect(await visibleText(page.locator('[data-testid=alert-summary]'))).toBe(stored.summary);
    const recordIds = page.locator('[data-testid=evidence-recordIds] li');
    const ids = stored.evidence.recordIds as string[];
    await poll(() => recordIds.count()).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
    expect(await recordIds.first().textContent()).toBe(ids[0]);
    // Telnet is the port the infected camera scans (src/demo/simulator.ts).
    expect(await visibleText(page.locator('[data-testid=evidence-ports]'))).toContain('23');
    await screenshot(page, 'e2e-alert-evidence');

    await page.fill('[data-testid=triage-note]', 'camera isolated, reimaging');
    await page.click('[data-testid=triage-acknowledged]');
    await poll(() => visibleText(page.locator('[data-testid=triage-result]'))).toMatch(
      /Status changed from open to acknowledged/,
    );
    await poll(() => visibleText(page.locator('[data-testid=alert-status]'))).toBe('acknowledged');
    const entry = page.locator('[data-testid=triage-entry]');
    await poll(() => entry.count()).toBe(1);
    expect(await visibleText(entry)).toMatch(
      /you \(admin@acme\.example\)\s+open → acknowledged\s+camera isolated/,
    );
    expect((await server.services.alerts.get(ctx, id)).status).toBe('acknowledged');
    // The response is evidence: logged in the ledger and verified in this browser against a checkpoint.
    const triageEvidence = page.locator('[data-testid=ledger-evidence]', {
      has: page.locator('h2', { hasText: 'Ledger evidence of the triage' }),
    });
    const triageEntry = triageEvidence.locator('[data-testid=ledger-entry]');
    await poll(() => triageEntry.locator('.ledger-ok').count()).toBe(1);
    expect(await visibleText(triageEntry)).toMatch(/open → acknowledged: camera isolated, reimaging \(user:/);
    expect(await visibleText(triageEntry)).toMatch(/Verified against checkpoint \d+/);
    // The sticky top bar would be drawn mid-page in a full-page capture taken scrolled down.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'e2e-alert-acknowledged');
  });

  it("shows the camera's traffic chart with its alerting minutes and its alerts", async () => {
    await page.locator('a', { hasText: 'device facts and traffic' }).click();
    await page.locator('[data-testid=device-name]').waitFor();
    const chart = page.locator('[data-testid=traffic-chart]');
    await chart.waitFor();
    // One bar per minute with flows; the infected minutes are drawn in the alerting colour.
    await poll(() => chart.locator('.recharts-bar-rectangle path').count()).toBeGreaterThan(0);
    expect(await visibleText(chart.locator('.traffic-legend'))).toMatch(
      /minutes with alerting flows \([1-9]\d*\)/,
    );
    const alertRows = page.locator('[data-testid=alert-row]');
    await poll(() => alertRows.count()).toBeGreaterThan(0);
    expect(await visibleText(alertRows.filter({ hasText: SCAN }).first())).toContain('acknowledged');
    await screenshot(page, 'e2e-device-traffic');
  });
});
