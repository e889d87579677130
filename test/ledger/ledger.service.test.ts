import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionAlert } from '../../src/modules/detection';
import type { DeviceInput } from '../../src/modules/inventory';
import {
  DbNodeStore,
  inclusionProofFromLeafHashes,
  leafHash,
  rootFromLeafHashes,
  verifyBundle,
  verifyConsistency,
  verifyInclusion,
} from '../../src/modules/ledger';
import { nodeStoreContract } from '../../src/modules/ledger/domain/node-store.contract';
import { ledgerEntries } from '../../src/modules/ledger/schema';
import { type RequestContext, systemActor } from '../../src/modules/tenancy';
import { type Store, TenantScope } from '../../src/store';
import { freshStore, seedWorld, type World } from '../support/harness';

const deviceInput = (tag: string): DeviceInput => ({
  name: `dev-${tag}`,
  kind: 'camera',
  vendor: 'Hikvision',
  product: 'DS-2CD',
  serial: `SER-${tag}`,
  ipAddresses: ['10.0.0.7'],
  macAddresses: [],
  internetExposed: false,
  criticality: 'low',
  safetyCritical: false,
  dataHeld: 'none',
  credentialState: 'unknown',
  openServices: [],
  updateMechanism: 'unknown',
  status: 'active',
});

const alertInput = (count: number): DetectionAlert => ({
  behaviour: 'telnet_bruteforce',
  subject: '10.0.0.7',
  technique: { id: 'T1110', name: 'Brute Force', matrix: 'enterprise', tactic: 'credential-access' },
  severity: 'high',
  score: 0.9,
  summary: `10.0.0.7 tried telnet ${count} times`,
  firstSeen: 1_795_000_000,
  lastSeen: 1_795_000_060,
  count,
  evidence: { recordIds: [`uid-${count}`] },
});

const b64 = (hs: Buffer[]) => hs.map((h) => h.toString('base64'));

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`ledger service on ${kind}`, () => {
    let store: Store;
    let world: World;
    let acme: RequestContext;
    let acmeAdmin: RequestContext;

    beforeAll(async () => {
      store = await freshStore(kind);
      world = await seedWorld(store);
      world.services.ledger.setDataDir(mkdtempSync(join(tmpdir(), 'cw-ledger-')));
      const { tenancy } = world.services;
      acme = await tenancy.context(systemActor(world.orgs.acme, 'insured'));
      acmeAdmin = await tenancy.context(await tenancy.actorByEmail(world.users['acme-admin'].email));
    });
    afterAll(async () => {
      await store?.close();
    });

    const allEntries = async (orgId: string) =>
      store.db.select().from(ledgerEntries).where(eq(ledgerEntries.orgId, orgId)).orderBy(ledgerEntries.idx);

    it('logs a device change in the transaction of the update, and nothing when it rolls back', async () => {
      const { inventory, ledger } = world.services;
      const device = await inventory.createDevice(acme, deviceInput('tx'));
      await inventory.updateDevice(acme, device.id, { firmwareVersion: '5.7.1' });
      const rows = (await allEntries(world.orgs.acme)).filter((r) => r.ref === device.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].type).toBe('device_change');
      expect((rows[0].payload as { change: Record<string, unknown> }).change).toEqual({
        firmwareVersion: { from: null, to: '5.7.1' },
      });
      const sizeBefore = await ledger.size(acme.scope);

      // A later listener fails: the device update, its history row and the ledger entry all roll back.
      let fail = true;
      inventory.onDeviceChange(() => {
        if (fail) throw new Error('downstream listener failed');
      });
      await expect(inventory.updateDevice(acme, device.id, { firmwareVersion: '9.9.9' })).rejects.toThrow(
        'downstream listener failed',
      );
      fail = false;
      expect(await ledger.size(acme.scope)).toBe(sizeBefore);
      expect((await allEntries(world.orgs.acme)).filter((r) => r.ref === device.id)).toHaveLength(1);
      expect((await inventory.getDevice(acme, device.id)).firmwareVersion).toBe('5.7.1');
      expect(await ledger.integrityProblems(acme.scope)).toEqual([]);
    });

    it('logs an alert when raised and when its severity rises, then at most once a minute while it merges windows', async () => {
      const { alerts } = world.services;
      const { clock } = world;
      const logged = async (id: string) =>
        (await allEntries(world.orgs.acme))
          .filter((r) => r.ref === id)
          .map((r) => {
            const p = r.payload as { count: number; severity: string; windows: number };
            expect(r.type).toBe('alert');
            return `${p.count} ${p.severity} w${p.windows}`;
          });
      const first = await alerts.record(world.orgs.acme, alertInput(3), 'flows');
      expect(await logged(first.id)).toEqual(['3 high w1']);

      // Windows merged within the minute are stored (the dashboard shows them) but not yet logged.
      clock.advance(5_000);
      const merged = await alerts.record(world.orgs.acme, alertInput(5), 'flows');
      expect(merged.id).toBe(first.id);
      expect(merged.count).toBe(8);
      clock.advance(5_000);
      await alerts.record(world.orgs.acme, alertInput(1), 'flows');
      expect(await logged(first.id)).toEqual(['3 high w1']);
      expect(await alerts.logPendingEvidence()).toBe(0); // not due: 10 s since the logged version

      // A rise in severity is evidence at once.
      clock.advance(5_000);
      await alerts.record(world.orgs.acme, { ...alertInput(2), severity: 'critical' }, 'flows');
      expect(await logged(first.id)).toEqual(['3 high w1', '11 critical w4']);

      // A version merged since is logged by the sweep a minute after the last logged one, exactly once.
      clock.advance(5_000);
      await alerts.record(world.orgs.acme, alertInput(4), 'flows');
      clock.advance(54_000);
      expect(await alerts.logPendingEvidence()).toBe(0);
      clock.advance(1_000);
      expect(await alerts.logPendingEvidence()).toBe(1);
      expect(await alerts.logPendingEvidence()).toBe(0);
      expect(await logged(first.id)).toEqual(['3 high w1', '11 critical w4', '15 critical w5']);

      // A window merged after a quiet minute is logged as it is stored; `all` logs what is pending at once.
      clock.advance(61_000);
      await alerts.record(world.orgs.acme, alertInput(6), 'flows');
      clock.advance(1_000);
      await alerts.record(world.orgs.acme, alertInput(7), 'flows');
      expect(await alerts.logPendingEvidence({ all: true })).toBe(1);
      expect(await logged(first.id)).toEqual([
        '3 high w1',
        '11 critical w4',
        '15 critical w5',
        '21 critical w6',
        '28 critical w7',
      ]);
    });

    it('is idempotent on (type, ref, payload) and assigns gap-free indices', async () => {
      const { ledger } = world.services;
      const a = await ledger.append(acme.scope, {
        type: 'policy_document',
        ref: 'pol-1',
        payload: { page: 'abc' },
      });
      const again = await ledger.append(acme.scope, {
        type: 'policy_document',
        ref: 'pol-1',
        payload: { page: 'abc' },
      });
      expect(a.appended).toBe(true);
      expect(again).toEqual({ ...a, appended: false });
      const changed = await ledger.append(acme.scope, {
        type: 'policy_document',
        ref: 'pol-1',
        payload: { page: 'abd' },
      });
      expect(changed.index).toBe(a.index + 1);
      const batch = await ledger.appendMany(acme.scope, [
        { type: 'claim_document', ref: 'doc-1', payload: { sha256: '00' } },
        { type: 'claim_document', ref: 'doc-1', payload: { sha256: '00' } },
        { type: 'claim_document', ref: 'doc-2', payload: { sha256: '01' } },
      ]);
      expect(batch.map((b) => b.appended)).toEqual([true, false, true]);
      expect(batch[1].index).toBe(batch[0].index);
      expect(batch[2].index).toBe(changed.index + 2);
      expect(await ledger.size(acme.scope)).toBe(batch[2].index + 1);
    });

    it('is idempotent in large batches too, whether or not they hold entries logged before', async () => {
      const { ledger } = world.services;
      const input = (i: number) => ({ type: 'alert' as const, ref: `bulk-${i}`, payload: { i } });
      const start = await ledger.size(acme.scope);
      const first = await ledger.appendMany(
        acme.scope,
        Array.from({ length: 300 }, (_, i) => input(i)),
      );
      expect(first.every((r) => r.appended)).toBe(true);
      expect(first.map((r) => r.index)).toEqual(Array.from({ length: 300 }, (_, i) => start + i));
      // 600 entries: every other one of the first 300 again (logged before), in between new ones.
      const mixed = Array.from({ length: 600 }, (_, k) => (k % 2 === 0 ? input(k) : input(1000 + k)));
      const second = await ledger.appendMany(acme.scope, mixed);
      second.forEach((r, k) => {
        if (k % 2 === 0 && k < 300) expect(r).toEqual({ ...first[k], appended: false });
        else expect(r.appended).toBe(true);
      });
      const fresh = second.filter((r) => r.appended).map((r) => r.index);
      expect(fresh).toEqual(Array.from({ length: fresh.length }, (_, i) => start + 300 + i));
      expect(await ledger.size(acme.scope)).toBe(start + 300 + fresh.length);
      const again = await ledger.appendMany(acme.scope, mixed);
      expect(again).toEqual(second.map((r) => ({ ...r, appended: false })));
      expect(await ledger.size(acme.scope)).toBe(start + 300 + fresh.length);
      expect(await ledger.integrityProblems(acme.scope)).toEqual([]);
    });

    it('serialises concurrent appends to one log', async () => {
      const { ledger } = world.services;
      const before = await ledger.size(acme.scope);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          ledger.append(new TenantScope(store.db, world.orgs.acme), {
            type: 'response_action',
            ref: `act-${i}`,
            payload: { action: 'isolate', i },
          }),
        ),
      );
      expect(results.map((r) => r.index).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 12 }, (_, i) => before + i),
      );
      expect(await ledger.integrityProblems(acme.scope)).toEqual([]);
    });

    it('roots and proofs from the database equal the in-memory reference over the same entries', async () => {
      const { ledger } = world.services;
      const rows = await allEntries(world.orgs.acme);
      const leaves = rows.map((r) => leafHash(Buffer.from(r.entry, 'utf8')));
      expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
      const cp = await ledger.checkpointNow(acmeAdmin);
      expect(cp.size).toBe(rows.length);
      expect(cp.rootHash).toBe(rootFromLeafHashes(leaves).toString('hex'));
      for (const i of [0, Math.floor(rows.length / 2), rows.length - 1]) {
        const p = await ledger.inclusionProof(acme, i);
        expect(p.inclusionProof).toEqual(b64(inclusionProofFromLeafHashes(leaves, i, rows.length)));
        const proof = p.inclusionProof.map((h) => Buffer.from(h, 'base64'));
        expect(verifyInclusion(i, cp.size, leaves[i], proof, Buffer.from(cp.rootHash, 'hex')).ok).toBe(true);
      }
      const c = await ledger.consistencyProof(acme, 3, rows.length);
      const ok = verifyConsistency(
        3,
        rows.length,
        c.consistencyProof.map((h) => Buffer.from(h, 'base64')),
        rootFromLeafHashes(leaves, 0, 3),
        rootFromLeafHashes(leaves),
      );
      expect(ok.ok).toBe(true);
    });

    it('exports a bundle that verifies offline with the pinned key, with an older checkpoint', async () => {
      const { ledger } = world.services;
      const bundle = await ledger.exportBundle(acme, {
        types: ['alert', 'device_change'],
        olderSize: 2,
        subject: 'claim-7',
      });
      expect(bundle.entries.length).toBeGreaterThanOrEqual(3);
      const report = verifyBundle(bundle, ledger.verifierKey());
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.subject).toBe('claim-7');
      expect(report.checks.some((c) => c.check === 'consistency' && c.ok)).toBe(true);
    });

    it('keeps one organisation out of another log', async () => {
      const { ledger, tenancy } = world.services;
      const clinic = await tenancy.context(systemActor(world.orgs.clinic, 'insured'));
      expect(await ledger.size(clinic.scope)).toBe(0);
      await expect(ledger.entry(clinic, 0)).rejects.toMatchObject({ kind: 'not_found' });
      const insurer = await tenancy.context(
        await tenancy.actorByEmail(world.users['insurer-adjuster'].email),
        world.orgs.acme,
      );
      expect((await ledger.entry(insurer, 0)).index).toBe(0);
      await expect(ledger.checkpointNow(insurer)).rejects.toMatchObject({ kind: 'forbidden' });
    });

    it('names the entry when a stored entry is altered, deleted, or two are reordered', async () => {
      const { ledger } = world.services;
      const org = world.orgs.acme;
      const exportErr = async () => {
        try {
          await ledger.exportBundle(acme, {});
        } catch (e) {
          return e as { kind: string; message: string; details: Array<{ field: string; message: string }> };
        }
        throw new Error('export succeeded on a tampered log');
      };
      const rows = await allEntries(org);

      // One byte of the leaf text.
      const victim = rows[2];
      const altered = victim.entry.replace(
        /"ref":"./,
        (m) => `${m.slice(0, -1)}${m.endsWith('x') ? 'y' : 'x'}`,
      );
      await store.db.update(ledgerEntries).set({ entry: altered }).where(eq(ledgerEntries.id, victim.id));
      let err = await exportErr();
      expect(err.kind).toBe('conflict');
      expect(err.details.map((d) => d.field)).toEqual(['entries[2]']);
      await store.db
        .update(ledgerEntries)
        .set({ entry: victim.entry })
        .where(eq(ledgerEntries.id, victim.id));

      // The payload column.
      await store.db
        .update(ledgerEntries)
        .set({ payload: { ...(victim.payload as object), tampered: true } })
        .where(eq(ledgerEntries.id, victim.id));
      err = await exportErr();
      expect(err.details.map((d) => d.field)).toEqual(['entries[2]']);
      expect(err.message).toMatch(/payload/);
      await store.db
        .update(ledgerEntries)
        .set({ payload: victim.payload })
        .where(eq(ledgerEntries.id, victim.id));

      // Reorder two: swap their positions.
      const [a, b] = [rows[1], rows[4]];
      await store.db.execute(
        sql`update ledger_entries set idx = case when id = ${a.id} then -1 else idx end where id = ${a.id}`,
      );
      await store.db.update(ledgerEntries).set({ idx: 1 }).where(eq(ledgerEntries.id, b.id));
      await store.db.update(ledgerEntries).set({ idx: 4 }).where(eq(ledgerEntries.id, a.id));
      err = await exportErr();
      expect(err.details.map((d) => d.field).sort()).toEqual(['entries[1]', 'entries[4]']);
      await store.db.update(ledgerEntries).set({ idx: -1 }).where(eq(ledgerEntries.id, a.id));
      await store.db.update(ledgerEntries).set({ idx: 4 }).where(eq(ledgerEntries.id, b.id));
      await store.db.update(ledgerEntries).set({ idx: 1 }).where(eq(ledgerEntries.id, a.id));
      expect(await ledger.integrityProblems(acme.scope)).toEqual([]);

      // Delete one.
      await store.db.delete(ledgerEntries).where(eq(ledgerEntries.id, rows[3].id));
      err = await exportErr();
      expect(err.details.map((d) => d.field)).toEqual(['entries[3]']);
      expect(err.message).toMatch(/entry 3 is missing/);
      await store.db.insert(ledgerEntries).values(rows[3]);
      expect(await ledger.integrityProblems(acme.scope)).toEqual([]);
    });
  });
}

describe('DbNodeStore', () => {
  let store: Store;
  let world: World;
  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
  });
  afterAll(async () => {
    await store?.close();
  });
  let n = 0;
  const fresh = async () => {
    const org = await world.services.tenancy.createOrganisation({ name: `Nodes ${++n}`, kind: 'insured' });
    return new DbNodeStore(new TenantScope(store.db, org.id));
  };
  nodeStoreContract('PGlite tiles', fresh);

  it('fills each level left to right across tiles: rewrites are no-ops, gaps and changes are refused', async () => {
    const s = await fresh();
    const h = (i: number) => leafHash(Buffer.from(`node ${i}`));
    // 70 level-0 nodes span three 32-wide tiles; written in two uneven steps.
    await s.putMany(Array.from({ length: 45 }, (_, i) => ({ level: 0, index: i, hash: h(i) })));
    await s.putMany(Array.from({ length: 25 }, (_, i) => ({ level: 0, index: 45 + i, hash: h(45 + i) })));
    const all = await s.getMany(Array.from({ length: 71 }, (_, i) => ({ level: 0, index: i })));
    expect(all.slice(0, 70).every((x, i) => x !== undefined && Buffer.from(x).equals(h(i)))).toBe(true);
    expect(all[70]).toBeUndefined();
    // The whole range again, across tile boundaries: nothing changes.
    await s.putMany(Array.from({ length: 70 }, (_, i) => ({ level: 0, index: i, hash: h(i) })));
    // One differing hash among rewrites and new nodes: conflict, and the new ones are not written.
    await expect(
      s.putMany([
        { level: 0, index: 31, hash: h(31) },
        { level: 0, index: 32, hash: h(999) },
        { level: 0, index: 70, hash: h(70) },
      ]),
    ).rejects.toMatchObject({ kind: 'conflict' });
    expect(await s.get(0, 70)).toBeUndefined();
    // A gap (index 72 while 70 is next) is refused, in a new tile or in the last one.
    await expect(s.put(0, 72, h(72))).rejects.toMatchObject({ kind: 'invalid' });
    await expect(s.put(0, 100, h(100))).rejects.toMatchObject({ kind: 'invalid' });
    await expect(s.put(3, 0, h(3))).resolves.toBeUndefined();
    await expect(s.put(3, 2, h(3))).rejects.toMatchObject({ kind: 'invalid' });
  });
});
