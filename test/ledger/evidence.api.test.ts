import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Evidence,
  leafHash,
  openCheckpoint,
  parseEntry,
  parseVerifierKey,
  payloadHashOf,
  verifyInclusion,
} from '../../src/modules/ledger';
import { systemActor } from '../../src/modules/tenancy';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';
import { bindAcmePolicy } from '../support/policy';

/** Checks evidence the way an outside verifier would: only the published key and the response. */
function verifyIndependently(ev: Evidence, verifierKey: string) {
  const opened = openCheckpoint(ev.checkpoint.checkpoint, parseVerifierKey(verifierKey));
  if (!opened.ok) return ev.entries.map(() => `signature: ${opened.message}`);
  return ev.entries.map((e) => {
    if (e.treeSize !== opened.checkpoint.size) return 'size';
    const r = verifyInclusion(
      e.index,
      e.treeSize,
      leafHash(Buffer.from(e.entry, 'utf8')),
      e.inclusionProof.map((h) => Buffer.from(h, 'base64')),
      opened.checkpoint.rootHash,
    );
    return r.ok ? 'ok' : r.check;
  });
}

describe('ledger evidence API', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  let admin: string;
  let underwriter: string;
  let clinicAdmin: string;
  let alertId: string;
  let publishedKey: string;

  const evidence = (cookie: string, query: string, org?: string) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/ledger/evidence?${query}`,
      headers: { cookie, ...(org ? { 'x-org-id': org } : {}) },
    });

  // A later window of the same behaviour, a minute on, merges into the open alert: a new version, logged
  // (versions are logged at most once a minute while an alert keeps merging windows).
  const scanWindow = (n: number) => {
    if (n > 0) world.clock.advance(60_000);
    return world.services.alerts.record(
      world.orgs.acme,
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
        score: 0.91,
        summary: 'lobby camera scans telnet across the subnet',
        firstSeen: 1_790_000_000 + 60 * n,
        lastSeen: 1_790_000_060 + 60 * n,
        count: 400 + n,
        evidence: { recordIds: [`flow-${n}`], ports: [23, 2323] },
      },
      'flows',
    );
  };

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    world.services.ledger.setDataDir(mkdtempSync(join(tmpdir(), 'cw-evidence-api-')));
    app = await testApp(world);
    admin = await signIn(app, world.users['acme-admin'].email);
    underwriter = await signIn(app, world.users['insurer-underwriter'].email);
    clinicAdmin = await signIn(app, world.users['clinic-admin'].email);
    publishedKey = (await app.inject({ method: 'GET', url: '/api/v1/ledger/key' })).json().verifierKey;
    const alert = await scanWindow(0);
    alertId = alert.id;
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('proves every version of an alert, signing a checkpoint on demand when none covers it', async () => {
    await scanWindow(1);
    const res = await evidence(admin, `type=alert&ref=${alertId}`);
    expect(res.statusCode, res.body).toBe(200);
    const ev = res.json() as Evidence;
    expect(ev.verifierKey).toBe(publishedKey);
    expect(ev.total).toBe(2);
    // Newest first: the merged version, then the alert as raised.
    expect(ev.entries.map((e) => (e.payload as { windows: number }).windows)).toEqual([2, 1]);
    expect(ev.entries[0].index).toBeGreaterThan(ev.entries[1].index);
    expect(ev.checkpoint.publishedNow).toBe(true);
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    expect(ev.checkpoint.size).toBe(await world.services.ledger.size(ctx.scope));
    for (const e of ev.entries) {
      const entry = parseEntry(JSON.parse(e.entry));
      expect(entry).toMatchObject({ type: 'alert', ref: alertId, org: world.orgs.acme, v: 1 });
      expect(entry.payloadHash).toBe(e.payloadHash);
      expect(payloadHashOf(e.payload)).toBe(entry.payloadHash);
      expect(e.leafHash).toBe(leafHash(Buffer.from(e.entry, 'utf8')).toString('hex'));
      expect(e.serverCheck).toEqual({ ok: true });
    }
    expect(verifyIndependently(ev, publishedKey)).toEqual(['ok', 'ok']);
  });

  it('reuses the latest checkpoint while it covers the record, signs a new one when the record grows', async () => {
    const first = (await evidence(admin, `type=alert&ref=${alertId}`)).json() as Evidence;
    expect(first.checkpoint.publishedNow).toBe(false);
    // Another record grows the log: the alert's entries are still covered by the old checkpoint.
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    await world.services.ledger.append(ctx.scope, {
      type: 'response_action',
      ref: 'act-1',
      payload: { n: 1 },
    });
    const same = (await evidence(admin, `type=alert&ref=${alertId}`)).json() as Evidence;
    expect(same.checkpoint.publishedNow).toBe(false);
    expect(same.checkpoint.size).toBe(first.checkpoint.size);
    await scanWindow(2);
    const grown = (await evidence(admin, `type=alert&ref=${alertId}`)).json() as Evidence;
    expect(grown.checkpoint.publishedNow).toBe(true);
    expect(grown.checkpoint.size).toBe(first.checkpoint.size + 2);
    expect(grown.total).toBe(3);
    expect(verifyIndependently(grown, publishedKey)).toEqual(['ok', 'ok', 'ok']);
  });

  it('serves the related insurer through x-org-id and hides the record from other organisations', async () => {
    const insurer = await evidence(underwriter, `type=alert&ref=${alertId}`, world.orgs.acme);
    expect(insurer.statusCode, insurer.body).toBe(200);
    expect((insurer.json() as Evidence).total).toBe(3);
    const foreign = await evidence(clinicAdmin, `type=alert&ref=${alertId}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('port_scan');
    const unrelated = await evidence(underwriter, `type=alert&ref=${alertId}`, world.orgs.clinic);
    expect(unrelated.statusCode).toBe(404);
    const none = await evidence(admin, 'type=alert&ref=no-such-alert');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.kind).toBe('not_found');
    const bad = await evidence(admin, `type=invoice&ref=${alertId}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('type');
    const unauthenticated = await app.inject({
      method: 'GET',
      url: `/api/v1/ledger/evidence?type=alert&ref=${alertId}`,
    });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('proves device changes by device id', async () => {
    const ctx = await world.services.tenancy.context(
      await world.services.tenancy.actorByEmail(world.users['acme-admin'].email),
    );
    const device = await world.services.inventory.createDevice(ctx, {
      name: 'press-line-plc',
      kind: 'plc',
      vendor: 'Siemens',
      product: 'SIMATIC S7-1200',
      ipAddresses: [],
      macAddresses: [],
      internetExposed: false,
      criticality: 'critical',
      safetyCritical: true,
      dataHeld: 'operational',
      credentialState: 'unknown',
      openServices: [],
      updateMechanism: 'manual',
      status: 'active',
    });
    await world.services.inventory.updateDevice(ctx, device.id, { status: 'quarantined' });
    const ev = (await evidence(admin, `type=device_change&ref=${device.id}`)).json() as Evidence;
    expect(ev.total).toBeGreaterThanOrEqual(1);
    expect(ev.entries.every((e) => parseEntry(JSON.parse(e.entry)).ref === device.id)).toBe(true);
    expect(verifyIndependently(ev, publishedKey).every((r) => r === 'ok')).toBe(true);
  });

  it("proves a policy's declarations to its insured from the insurer's log, and to no one else", async () => {
    const policy = await bindAcmePolicy(world);
    const res = await evidence(admin, `type=policy_document&ref=${policy.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const ev = res.json() as Evidence;
    expect(ev.total).toBe(1);
    const entry = parseEntry(JSON.parse(ev.entries[0].entry));
    expect(entry).toMatchObject({ type: 'policy_document', ref: policy.id, org: world.orgs.insurer });
    expect(ev.entries[0].payload).toMatchObject({ declarationsSha256: policy.declarationsHash });
    expect(ev.checkpoint.checkpoint.split('\n')[0]).toMatch(/^coverwatch\.example\/northwind-mutual-/);
    expect(verifyIndependently(ev, publishedKey)).toEqual(['ok']);
    // The insurer reads it from its own log; the insurer acting inside acme sees the same entry.
    const own = (await evidence(underwriter, `type=policy_document&ref=${policy.id}`)).json() as Evidence;
    expect(own.entries[0].entry).toBe(ev.entries[0].entry);
    const acting = await evidence(underwriter, `type=policy_document&ref=${policy.id}`, world.orgs.acme);
    expect(acting.statusCode, acting.body).toBe(200);
    // Another insured cannot read the policy, so not its evidence either; other types stay in one's own log.
    const foreign = await evidence(clinicAdmin, `type=policy_document&ref=${policy.id}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain(policy.declarationsHash);
    expect((await evidence(admin, `type=device_change&ref=${policy.id}`)).statusCode).toBe(404);
  });

  it('returns a tampered entry as stored, so the client sees it fail (the server check names it too)', async () => {
    const before = (await evidence(admin, `type=alert&ref=${alertId}`)).json() as Evidence;
    const victim = before.entries[before.entries.length - 1];
    // One byte of the stored leaf text changes: the alert's time moves by one millisecond.
    const altered = victim.entry.replace(/(\d)Z"/, (_m, d: string) => `${(Number(d) + 1) % 10}Z"`);
    expect(altered).not.toBe(victim.entry);
    await store.db.execute(
      sql`update ledger_entries set entry = ${altered} where org_id = ${world.orgs.acme} and idx = ${victim.index}`,
    );
    const after = (await evidence(admin, `type=alert&ref=${alertId}`)).json() as Evidence;
    const tampered = after.entries.find((e) => e.index === victim.index)!;
    expect(tampered.entry).toBe(altered);
    expect(tampered.leafHash).toBe(victim.leafHash);
    expect(tampered.serverCheck).toMatchObject({ ok: false, check: 'leaf_hash' });
    const results = verifyIndependently(after, publishedKey);
    expect(results[after.entries.indexOf(tampered)]).toBe('root_mismatch');
    expect(results.filter((r) => r === 'ok')).toHaveLength(after.entries.length - 1);
  });
});
