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
import { PASSWORD } from '../support/harness';
import { type E2EServer, startServer } from './server';

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const skip = browserUnavailable();
if (skip) console.warn(`skipping browser tests: ${skip}`);

describe.skipIf(!!skip)('dashboard: attested controls on the Risk page', () => {
  let server: E2EServer;
  let browser: BrowserSession;
  let page: Page;

  const signInAs = async (key: string) => {
    await page.context().clearCookies();
    await page.goto(`${server.base}/risk`);
    await page.fill('input[name=email]', server.world.users[key].email);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Risk' }).waitFor();
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startServer();
    // One assessment so the trend has a first point (configuration findings from device facts).
    const s = server.world.services;
    const acme = await s.tenancy.context(systemActor(server.world.orgs.acme, 'insured'));
    await s.findings.assessOrganisation(acme.scope);
    browser = await launchBrowser({ width: 1400, height: 900 });
    page = browser.page;
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a viewer sees every control as not attested, without an attest button', async () => {
    await signInAs('acme-viewer');
    const rows = page.locator('[data-testid=controls] tbody tr');
    await poll(() => rows.count()).toBe(5);
    expect(await visibleText(page.locator('[data-testid=control-mfa_remote_access]'))).toMatch(/absent/);
    expect(await page.locator('[data-testid=controls] button', { hasText: 'Attest' }).count()).toBe(0);
  });

  it('an insured admin attests MFA with evidence; the control, the factors and the score update', async () => {
    await signInAs('acme-admin');
    const score = page.locator('[data-testid=risk-score]');
    await poll(async () => Number(await visibleText(score))).toBeGreaterThan(0);
    const before = Number(await visibleText(score));
    const factors = page.locator('[data-testid=risk-factors]');
    expect(await visibleText(factors)).not.toMatch(/MFA on remote access/);
    const dots = page.locator('[data-testid=risk-trend] .recharts-line-dot');
    const dotsBefore = await dots.count();

    // The attestation is made a minute after the assessment (history points are ordered by time).
    server.world.clock.advance(60_000);
    const row = page.locator('[data-testid=control-mfa_remote_access]');
    await row.locator('button', { hasText: 'Attest' }).click();
    const form = page.locator('[data-testid=attest-form]');
    // Without evidence the server refuses and names the field.
    await form.locator('button[type=submit]').click();
    await poll(() => visibleText(form.locator('[data-testid=error-details]'))).toMatch(/evidence/);
    await form
      .locator('textarea[name=evidence]')
      .fill('VPN policy export and Duo enrolment report, Oct 2026');
    await form.locator('input[name=expiresAt]').fill('2027-10-31');
    await form.locator('button[type=submit]').click();

    await poll(() => visibleText(row)).toMatch(/present/);
    expect(await visibleText(row)).toMatch(/VPN policy export/);
    expect(await visibleText(row)).toMatch(/attested/);
    await poll(() => visibleText(factors)).toMatch(/MFA on remote access/);
    await poll(async () => Number(await visibleText(score))).toBeLessThan(before);
    await poll(() => dots.count()).toBe(dotsBefore + 1);
    // The newest point of the trend is the lower score.
    const ys = await dots.evaluateAll((els) => els.map((e) => Number(e.getAttribute('cy'))));
    expect(ys.at(-1)).toBeGreaterThan(ys.at(-2) as number);
    await row.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0)); // a sticky top bar would be drawn mid-page
    await screenshot(page, 'e2e-controls');
  });
});
