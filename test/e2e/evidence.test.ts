import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/modules/ledger';
import { systemActor } from '../../src/modules/tenancy';
import {
  type BrowserSession,
  browserUnavailable,
  ensureWebBuilt,
  launchBrowser,
  screenshot,
  visibleText,
} from '../support/browser';
import { PASSWORD } from '../support/harness';
import { bindAcmePolicy } from '../support/policy';
import { type E2EServer, startServer } from './server';

const skip = browserUnavailable();
if (skip) console.warn(`skipping browser tests: ${skip}`);

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

describe.skipIf(!!skip)('dashboard: ledger evidence verified in the browser, and a tampered entry', () => {
  let server: E2EServer;
  let browser: BrowserSession;
  let page: Page;
  let alertId: string;

  // Two windows of one scan a minute apart: the alert as raised, then merged (two logged versions).
  const scanWindow = (n: number) => {
    if (n > 0) server.world.clock.advance(60_000);
    return server.world.services.alerts.record(
      server.world.orgs.acme,
      {
        behaviour: 'port_scan_horizontal',
        subject: '10.1.0.11',
        technique: {
          id: 'T1046',
          name: 'Network Service Discovery',
          matrix: 'enterprise',
          tactic: 'discovery',
        },
        severity: 'high',
        score: 0.93,
        summary: 'lobby-cam-01 probes telnet on 254 hosts',
        firstSeen: 1_793_520_000 + 60 * n,
        lastSeen: 1_793_520_060 + 60 * n,
        count: 254,
        evidence: { recordIds: [`conn-${n}`], ports: [23] },
      },
      'flows',
    );
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    server.world.services.ledger.setDataDir(mkdtempSync(join(tmpdir(), 'cw-e2e-evidence-')));
    alertId = (await scanWindow(0)).id;
    await scanWindow(1);
    browser = await launchBrowser();
    page = browser.page;
    await page.goto(`${server.base}/alerts`);
    await page.fill('input[name=email]', server.world.users['acme-admin'].email);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Alerts' }).waitFor();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const panel = () => page.locator('[data-testid=ledger-evidence]');
  const entries = () => panel().locator('[data-testid=ledger-entry]');

  it('shows every version of an alert verified against a checkpoint, checked in the browser', async () => {
    await page.goto(`${server.base}/alerts/${alertId}`);
    await page.locator('[data-testid=alert-title]').waitFor();
    await poll(() => entries().count()).toBe(2);
    await poll(() => entries().locator('.ledger-ok').count()).toBe(2);
    const ctx = await server.world.services.tenancy.context(systemActor(server.world.orgs.acme, 'insured'));
    const size = await server.world.services.ledger.size(ctx.scope);
    const cp = await server.world.services.ledger.latestCheckpoint(ctx);
    expect(cp.size).toBe(size);
    for (const text of await entries().allInnerTexts())
      expect(text).toContain(
        `Verified against checkpoint ${size} (size ${size}, root ${cp.rootHash.slice(0, 12)}…`,
      );
    expect(await visibleText(entries().first())).toMatch(/open, 2 windows/);
    expect(await visibleText(panel().locator('[data-testid=evidence-mode]'))).toMatch(
      /checked in this browser \(WebCrypto\) · key coverwatch\.example\+[0-9a-f]{8}/,
    );
    expect(await visibleText(panel())).toContain('2 verified');
    await page.evaluate(() => window.scrollTo(0, 0)); // a sticky top bar would be drawn mid-page
    await screenshot(page, 'e2e-evidence-alert-verified');
  });

  it("shows the device's logged changes verified", async () => {
    const deviceId = server.acmeDevices.get('press-line-plc')!;
    const ctx = await server.world.services.tenancy.context(systemActor(server.world.orgs.acme, 'insured'));
    const logged = await server.world.services.ledger.list(
      ctx,
      { types: ['device_change'], ref: deviceId },
      { limit: 100, offset: 0 },
    );
    // The firmware change the PLC reported over MQTT (test/e2e/server.ts).
    expect(logged.total).toBeGreaterThan(0);
    await page.goto(`${server.base}/inventory/devices/${deviceId}`);
    await page.locator('[data-testid=device-name]').waitFor();
    await poll(() => entries().locator('.ledger-ok').count()).toBe(logged.total);
    expect(await visibleText(entries().first())).toContain('changed firmwareVersion (mqtt:gw-1)');
    await page.evaluate(() => window.scrollTo(0, 0)); // a sticky top bar would be drawn mid-page
    await screenshot(page, 'e2e-evidence-device');
  });

  it("shows the insured its policy's declarations verified in the insurer's log", async () => {
    const policy = await bindAcmePolicy(server.world);
    await page.goto(`${server.base}/policy`);
    await page.locator('[data-testid=policy-sections] tbody tr').first().waitFor();
    await poll(() => entries().locator('.ledger-ok').count()).toBe(1);
    const text = await visibleText(entries().first());
    expect(text).toContain(`declarations SHA-256 ${policy.declarationsHash.slice(0, 16)}`);
    expect(text).toMatch(/Verified against checkpoint \d+/);
    expect(await visibleText(panel().locator('[data-testid=evidence-mode]'))).toMatch(
      /log coverwatch\.example\/northwind-mutual-/,
    );
    await screenshot(page, 'e2e-evidence-policy');
  });

  it('shows in red what failed when a stored entry row was altered in the database', async () => {
    const res = await fetch(`${server.base}/api/v1/ledger/evidence?type=alert&ref=${alertId}`, {
      headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    const ev = (await res.json()) as Evidence;
    const older = ev.entries[1];
    // One byte of the leaf text: the time of the logged version moves by one millisecond.
    const altered = older.entry.replace(
      /\.(\d)(\d\d)Z"/,
      (_m, a: string, b: string) => `.${(Number(a) + 1) % 10}${b}Z"`,
    );
    expect(altered).not.toBe(older.entry);
    await server.world.services.store.db.execute(
      sql`update ledger_entries set entry = ${altered} where org_id = ${server.world.orgs.acme} and idx = ${older.index}`,
    );
    await page.goto(`${server.base}/alerts/${alertId}`);
    await page.locator('[data-testid=alert-title]').waitFor();
    const failed = entries().and(page.locator('[data-ok=false]'));
    await poll(() => failed.count()).toBe(1);
    expect(await visibleText(failed)).toContain(`#${older.index}`);
    expect(await visibleText(failed)).toContain('Verification failed (leaf hash, root mismatch)');
    const checks = await failed
      .locator('[data-testid=evidence-failure]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-check')));
    expect(checks).toEqual(['leaf_hash', 'root_mismatch']);
    expect(await visibleText(failed)).toMatch(/the stored entry was altered/);
    // The untouched newer version still verifies; the panel header counts the failure.
    expect(await entries().and(page.locator('[data-ok=true]')).count()).toBe(1);
    expect(await visibleText(panel())).toContain('1 failed');
    const colour = await failed.locator('.ledger-failed').evaluate((el) => getComputedStyle(el).color);
    expect(colour).toBe('rgb(185, 28, 28)');
    await page.evaluate(() => window.scrollTo(0, 0)); // a sticky top bar would be drawn mid-page
    await screenshot(page, 'e2e-evidence-alert-tampered');
  });
  it("falls back to the server's check, labelled as such, where the browser cannot verify", async () => {
    const plain = await browser.context.newPage();
    try {
      // What a page served over plain HTTP on a non-local host sees: no WebCrypto.
      await plain.addInitScript(() => Object.defineProperty(window.crypto, 'subtle', { value: undefined }));
      await plain.goto(`${server.base}/alerts/${alertId}`);
      const box = plain.locator('[data-testid=ledger-evidence]');
      await box.locator('[data-testid=evidence-mode]').waitFor();
      expect(await visibleText(box.locator('[data-testid=evidence-mode]'))).toMatch(
        /cannot verify the ledger: WebCrypto is unavailable.*not an independent verification/,
      );
      expect(await visibleText(box)).toContain('server-checked only');
      const lines = await box.locator('[data-testid=ledger-entry]').allInnerTexts();
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/server says: matches checkpoint \d+/);
      expect(lines[1]).toMatch(/server says: leaf hash failed/);
      expect(await box.locator('.ledger-ok').count()).toBe(0);
      await screenshot(plain, 'e2e-evidence-server-fallback');
    } finally {
      await plain.close();
    }
  });
});
