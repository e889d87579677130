import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '../../src/core';
import { loadDemo } from '../../src/demo';
import { type RequestContext, systemActor } from '../../src/modules/tenancy';
import { loadIotRecords } from '../../src/modules/vulnerabilities/domain/iot-digest.test-support';
import { createServices, type Services } from '../../src/server/services';
import type { Store } from '../../src/store';
import { freshStore } from '../support/harness';
import { sharedData } from '../support/shared-data';

const kevPath = sharedData('vuln/kev.json');
const iotPath = sharedData('vuln/iot-cves.json');
const kevDateAdded = (cveId: string): string =>
  (JSON.parse(readFileSync(kevPath!, 'utf8')).vulnerabilities as { cveID: string; dateAdded: string }[]).find(
    (v) => v.cveID === cveId,
  )!.dateAdded;

/**
 * The demo organisations assessed against the real KEV catalogue and the real (messy) IoT CVE
 * records, on PGlite and on PostgreSQL.
 */
for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(!kevPath || !iotPath)(`findings on the demo organisations (${kind})`, () => {
    let store: Store;
    let s: Services;
    let clock: ManualClock;
    let acme: RequestContext;
    let clinic: RequestContext;

    const deviceOf = async (ctx: RequestContext, product: string) => {
      const all = await s.inventory.allDevices(ctx.scope);
      const d = all.find((x) => x.product === product);
      if (!d) throw new Error(`no ${product} in the demo fleet`);
      return d;
    };
    const findingOf = async (
      ctx: RequestContext,
      deviceId: string,
      cveId: string,
      state: 'open' | 'all' = 'all',
    ) => (await s.findings.deviceFindings(ctx, deviceId, state)).find((f) => f.ref === cveId);

    beforeAll(async () => {
      store = await freshStore(kind);
      clock = new ManualClock('2026-11-02T08:00:00Z');
      s = createServices(store, clock, silentLogger());
      const demo = await loadDemo(s, { password: 'demo password 123', seed: 7 });
      const [acmeId, clinicId] = demo.insuredIds!;
      acme = await s.tenancy.context(systemActor(acmeId, 'insured'));
      clinic = await s.tenancy.context(systemActor(clinicId, 'insured'));
    }, 120_000);
    afterAll(async () => {
      await store?.close();
    });

    it('imports the full KEV catalogue and the IoT CVE records, and assesses every organisation', async () => {
      const kev = await s.feeds.importKev('cli', readFileSync(kevPath!));
      expect(kev.imported).toBe(1404);
      expect(kev.version).toBe(JSON.parse(readFileSync(kevPath!, 'utf8')).catalogVersion);
      const { records } = loadIotRecords(readFileSync(iotPath!, 'utf8'));
      const cve = await s.feeds.importCveRecords('cli', records, 'iot-cves.json');
      expect(cve.imported).toBe(records.length);
      const status = Object.fromEntries((await s.feeds.status()).map((f) => [f.kind, f]));
      expect(status.kev.records).toBe(1404);
      expect(status.cve.records).toBe(records.length);
      expect(status.cve.lastImport?.importedBy).toBe('cli');
      // The import re-assessed both insured organisations.
      expect((await s.findings.list(acme, {}, { limit: 1, offset: 0 })).total).toBeGreaterThan(0);
      expect((await s.findings.list(clinic, {}, { limit: 1, offset: 0 })).total).toBeGreaterThan(0);
    }, 120_000);

    it('a Hikvision camera gets CVE-2021-36260 as needs_review: the record names only "n/a"', async () => {
      const cam = await deviceOf(acme, 'DS-2CD2143G0-I');
      const f = await findingOf(acme, cam.id, 'CVE-2021-36260');
      expect(f?.status).toBe('needs_review');
      // The record's vendor and product are "n/a"; the reason says so instead of missing silently.
      expect(f?.reason).toMatch(/no usable vendor\/product/);
      expect(f?.source).toBe('kev');
      expect(f?.kev?.dateAdded).toBe(kevDateAdded('CVE-2021-36260'));
      expect(f?.firstSeen).toBe('2026-11-02T08:00:00.000Z');
      expect(f?.fixedAt).toBeNull();
    });

    it('PTZOptics PT30X-NDI at 6.3.34 is affected by CVE-2024-8956; patched to 6.3.40 the finding is fixed', async () => {
      const cam = await deviceOf(acme, 'PT30X-NDI');
      await s.inventory.updateDevice(acme, cam.id, { firmwareVersion: '6.3.34' });
      const before = await findingOf(acme, cam.id, 'CVE-2024-8956');
      expect(before?.status).toBe('affected');
      expect(before?.matchedRange).toBeTruthy();
      expect(before?.fixedAt).toBeNull();
      expect(before?.cvss?.baseScore).toBeGreaterThan(9);
      expect(before?.severity).toBe('critical');

      clock.advance(3_600_000);
      await s.inventory.updateDevice(acme, cam.id, { firmwareVersion: '6.3.40' });
      const after = await findingOf(acme, cam.id, 'CVE-2024-8956');
      expect(after?.id).toBe(before?.id);
      expect(after?.fixedAt).toBe('2026-11-02T09:00:00.000Z');
      expect(after?.firstSeen).toBe(before?.firstSeen);
      expect(await findingOf(acme, cam.id, 'CVE-2024-8956', 'open')).toBeUndefined();
      const fixed = await s.findings.list(
        acme,
        { state: 'fixed', deviceId: cam.id },
        { limit: 50, offset: 0 },
      );
      expect(fixed.items.map((x) => x.ref)).toContain('CVE-2024-8956');
    });

    it('the Zyxel USG FLEX 100(W) at "5.21 Patch 1": CVE-2022-30525 affected from its free text, CVE-2024-11667 affected', async () => {
      const fw = await deviceOf(acme, 'USG FLEX 100(W) firmware');
      await s.inventory.updateDevice(acme, fw.id, { firmwareVersion: '5.21 Patch 1' });
      const f = await findingOf(acme, fw.id, 'CVE-2022-30525', 'open');
      // The CNA wrote the range as free text ("5.00 through 5.21 Patch 1"): one range with parseable
      // bounds, and the firmware is its upper bound as spelled, so the matcher decides it.
      expect(f?.status).toBe('affected');
      expect(f?.matchedRange).toContain('read from the free text "5.00 through 5.21 Patch 1"');
      expect(f?.kev?.dateAdded).toBe(kevDateAdded('CVE-2022-30525'));
      const adp = await findingOf(acme, fw.id, 'CVE-2024-11667', 'open');
      expect(adp?.status).toBe('affected');
      expect(adp?.matchedRange).toContain('5.38');
      // Past both ranges: neither the ADP range nor the CNA text ("versions V5.00 through V5.38")
      // covers 5.40, and the record's defaultStatus is "unaffected": the same row is marked fixed.
      await s.inventory.updateDevice(acme, fw.id, { firmwareVersion: '5.40' });
      expect(await findingOf(acme, fw.id, 'CVE-2024-11667', 'open')).toBeUndefined();
      const later = await findingOf(acme, fw.id, 'CVE-2024-11667', 'all');
      expect(later?.id).toBe(adp?.id);
      expect(later?.fixedAt).not.toBeNull();
      expect(later?.firstSeen).toBe(adp?.firstSeen);
      // Outside the text range, and the record gives no defaultStatus: a person looks.
      const past = await findingOf(acme, fw.id, 'CVE-2022-30525', 'open');
      expect(past?.status).toBe('needs_review');
      expect(past?.reason).toContain('outside every listed version; no defaultStatus');
    });

    it('a fixed finding reopens as the same row when the firmware goes back', async () => {
      const cam = await deviceOf(acme, 'PT30X-NDI');
      const fixed = await findingOf(acme, cam.id, 'CVE-2024-8956');
      expect(fixed?.fixedAt).not.toBeNull();
      await s.inventory.updateDevice(acme, cam.id, { firmwareVersion: '6.3.34' });
      const again = await findingOf(acme, cam.id, 'CVE-2024-8956');
      expect(again?.id).toBe(fixed?.id);
      expect(again?.fixedAt).toBeNull();
      expect(again?.firstSeen).toBe(fixed?.firstSeen);
    });

    it('configuration findings name the deciding fact', async () => {
      const cam = await deviceOf(acme, 'PT30X-NDI');
      const cfg = (await s.findings.deviceFindings(acme, cam.id)).filter((f) => f.kind === 'config');
      const ids = cfg.map((f) => f.ref);
      expect(ids).toContain('CFG-DEFAULT-CREDENTIALS');
      expect(ids).toContain('CFG-TELNET-OPEN');
      expect(cfg.find((f) => f.ref === 'CFG-DEFAULT-CREDENTIALS')?.reason).toMatch(
        /credentialState = "default"/,
      );
    });

    it('filters: KEV only, severity, kind, paging', async () => {
      const kevOnly = await s.findings.list(acme, { kev: true }, { limit: 500, offset: 0 });
      expect(kevOnly.items.length).toBeGreaterThan(0);
      expect(kevOnly.items.every((f) => f.kev !== null && f.kind === 'vuln')).toBe(true);
      const crit = await s.findings.list(acme, { severity: 'critical' }, { limit: 500, offset: 0 });
      expect(crit.items.every((f) => f.severity === 'critical')).toBe(true);
      const page1 = await s.findings.list(acme, {}, { limit: 5, offset: 0 });
      const page2 = await s.findings.list(acme, {}, { limit: 5, offset: 5 });
      expect(page1.items).toHaveLength(5);
      expect(page1.items.map((f) => f.id)).not.toEqual(expect.arrayContaining(page2.items.map((f) => f.id)));
      expect(page1.total).toBe(page2.total);
    });

    it('another organisation never sees these findings', async () => {
      const cam = await deviceOf(acme, 'PT30X-NDI');
      await expect(s.findings.deviceFindings(clinic, cam.id, 'all')).rejects.toMatchObject({
        kind: 'not_found',
      });
      const leaked = await s.findings.list(
        clinic,
        { deviceId: cam.id, state: 'all' },
        { limit: 50, offset: 0 },
      );
      expect(leaked.total).toBe(0);
      const clinicIds = new Set((await s.inventory.allDevices(clinic.scope)).map((d) => d.id));
      const all = await s.findings.list(clinic, { state: 'all' }, { limit: 500, offset: 0 });
      expect(all.items.every((f) => clinicIds.has(f.deviceId))).toBe(true);
    });

    it('each assessment stores risk scores; the organisation score has factors and recommendations', async () => {
      clock.advance(86_400_000);
      await s.findings.assessOrganisation(acme.scope);
      const history = await s.risk.history(acme);
      expect(history.length).toBeGreaterThanOrEqual(2);
      expect(history.at(-1)?.at).toBe(clock.now().toISOString());
      const risk = await s.risk.organisationRisk(acme);
      expect(risk.score).toBeGreaterThan(0);
      expect(risk.score).toBeCloseTo(history.at(-1)!.score, 6);
      expect(risk.factors.length).toBeGreaterThan(0);
      expect(risk.topDevices[0].score).toBeGreaterThanOrEqual(risk.topDevices.at(-1)!.score);
      expect(risk.recommendations.length).toBeGreaterThan(0);
      expect(risk.recommendations[0].reduction).toBeGreaterThan(0);
      const dev = await s.risk.deviceRisk(acme, risk.topDevices[0].deviceId);
      expect(dev.factors.some((f) => f.group === 'likelihood')).toBe(true);
      expect(dev.history.length).toBeGreaterThan(0);
    });

    it('a baseline evaluation decides each requirement per device, with the deciding fact', async () => {
      const ev = await s.baselines.evaluation(acme, 'uk-psti');
      const devices = (await s.inventory.allDevices(acme.scope)).filter((d) => d.status !== 'retired');
      expect(ev.deviceCount).toBe(devices.length);
      const total = ev.totals.met + ev.totals.not_met + ev.totals.unknown;
      expect(total).toBe(devices.length * ev.requirements.length);
      const cam = await deviceOf(acme, 'PT30X-NDI');
      const camEval = ev.devices.find((d) => d.deviceId === cam.id)!;
      const failing = camEval.results.filter((r) => r.result === 'not_met');
      expect(failing.length).toBeGreaterThan(0);
      expect(failing.every((r) => r.decidedBy.length > 0 && r.explanation.length > 0)).toBe(true);
      const html = await s.baselines.report(acme, 'uk-psti');
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain(acme.org.name);
      await expect(s.baselines.evaluation(acme, 'no-such-baseline')).rejects.toMatchObject({
        kind: 'not_found',
      });
    });
  });
}
