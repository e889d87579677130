import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/modules/tenancy';
import { loadIotRecords } from '../../src/modules/vulnerabilities/domain/iot-digest.test-support';
import {
  type BrowserSession,
  browserUnavailable,
  ensureWebBuilt,
  launchBrowser,
  screenshot,
  visibleText,
} from '../support/browser';
import { PASSWORD } from '../support/harness';
import { sharedData } from '../support/shared-data';
import { type E2EServer, startServer } from './server';

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const skip = browserUnavailable();
if (skip) console.warn(`skipping browser tests: ${skip}`);
const kevPath = sharedData('vuln/kev.json');
const iotPath = sharedData('vuln/iot-cves.json');

describe.skipIf(!!skip || !kevPath || !iotPath)(
  'dashboard: findings, risk and baselines of an insured',
  () => {
    let server: E2EServer;
    let browser: BrowserSession;
    let page: Page;

    beforeAll(async () => {
      await ensureWebBuilt();
      server = await startServer();
      const s = server.world.services;
      await s.feeds.importKev('cli', readFileSync(kevPath!));
      await s.feeds.importCveRecords('cli', loadIotRecords(readFileSync(iotPath!, 'utf8')).records, 'iot');
      // Each feed import re-assesses (two points); one more a day later makes three on the trend chart.
      server.world.clock.advance(86_400_000);
      const acme = await s.tenancy.context(systemActor(server.world.orgs.acme, 'insured'));
      await s.findings.assessOrganisation(acme.scope);
      browser = await launchBrowser({ width: 1400, height: 900 });
      page = browser.page;
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('Findings: the Hikvision cameras carry CVE-2021-36260 with a KEV badge; KEV filter', async () => {
      await page.goto(`${server.base}/findings`);
      await page.fill('input[name=email]', server.world.users['acme-admin'].email);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('h1', { hasText: 'Findings' }).waitFor();
      const rows = page.locator('[data-testid=finding-row]');
      await poll(() => rows.count()).toBeGreaterThan(0);
      const hik = rows.filter({ hasText: 'CVE-2021-36260' });
      await poll(() => hik.count()).toBe(2);
      expect(await visibleText(hik.first())).toMatch(/KEV/);
      expect(await visibleText(hik.first())).toMatch(/needs review/);
      expect(await visibleText(hik.first())).toMatch(/lobby-cam-0[12]/);
      await page.check('[data-testid=filter-kev]');
      await poll(() => new URL(page.url()).searchParams.get('kev')).toBe('true');
      await poll(async () => (await rows.allInnerTexts()).every((t) => t.includes('KEV'))).toBe(true);
      await screenshot(page, 'e2e-findings');
    });

    it('Risk: score, trend with one point per assessment, factors and recommendations', async () => {
      await page.goto(`${server.base}/risk`);
      const score = page.locator('[data-testid=risk-score]');
      await poll(async () => Number(await visibleText(score))).toBeGreaterThan(0);
      await poll(() => page.locator('[data-testid=risk-trend] .recharts-line-dot').count()).toBe(3);
      await poll(() => page.locator('[data-testid=risk-recommendations] li').count()).toBeGreaterThan(0);
      expect(await page.locator('[data-testid=risk-factors] tbody tr').count()).toBeGreaterThan(0);
      await screenshot(page, 'e2e-risk');
    });

    it('Baselines: per requirement results and the printable report', async () => {
      await page.goto(`${server.base}/baselines?baseline=uk-psti`);
      const reqs = page.locator('[data-testid=baseline-requirements] tbody tr');
      await poll(() => reqs.count()).toBe(3);
      expect(await visibleText(page.locator('[data-testid=baseline-totals]'))).toMatch(/NOT MET/i);
      await screenshot(page, 'e2e-baselines');
    });
  },
);
