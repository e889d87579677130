import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core';
import { type Store, TenantScope, tables } from '../../src/store';
import { freshStore } from '../support/harness';

/**
 * One contract, every store implementation: the embedded PGlite and the PostgreSQL server must
 * behave the same for everything the product relies on.
 */
describe.each(['pglite', 'postgres'] as const)('store contract: %s', (kind) => {
  let store: Store;
  let a: TenantScope;
  let b: TenantScope;
  const now = new Date('2026-11-01T00:00:00Z');

  beforeAll(async () => {
    store = await freshStore(kind);
    const orgA = newId();
    const orgB = newId();
    await store.db.insert(tables.organisations).values([
      { id: orgA, slug: `a-${orgA.slice(0, 8)}`, name: 'A', kind: 'insured', createdAt: now },
      { id: orgB, slug: `b-${orgB.slice(0, 8)}`, name: 'B', kind: 'insured', createdAt: now },
    ]);
    a = new TenantScope(store.db, orgA);
    b = new TenantScope(store.db, orgB);
  });
  afterAll(async () => {
    await store?.close();
  });

  const device = (name: string, serial: string | null = null) => ({
    id: newId(),
    name,
    kind: 'camera',
    vendor: 'Hikvision',
    product: 'DS-2CD',
    serial,
    ipAddresses: ['10.0.0.1', 'fe80::1'],
    macAddresses: ['aa:bb:cc:dd:ee:ff'],
    openServices: [{ port: 23, protocol: 'tcp' as const, service: 'telnet' }],
    supportEndDate: '2027-03-31',
    createdAt: now,
    updatedAt: now,
  });

  it('reports which engine it is', () => {
    expect(store.kind).toBe(kind);
  });

  it('round-trips arrays, jsonb, dates and nulls', async () => {
    const [row] = await a.insert(tables.devices, [device('rt-1')]);
    const got = await a.get(tables.devices, row.id, 'device');
    expect(got.ipAddresses).toEqual(['10.0.0.1', 'fe80::1']);
    expect(got.openServices).toEqual([{ port: 23, protocol: 'tcp', service: 'telnet' }]);
    expect(got.supportEndDate).toBe('2027-03-31');
    expect(got.createdAt.toISOString()).toBe(now.toISOString());
    expect(got.firmwareVersion).toBeNull();
    expect(got.orgId).toBe(a.orgId);
  });

  it('insertMany writes rows exactly as insert does, defaults included, stamped with the scope organisation', async () => {
    const one = device('many-ref');
    const [viaInsert] = await a.insert(tables.devices, [one]);
    const many = Array.from({ length: 7 }, (_, i) => ({
      ...device(`many-${i}`),
      orgId: b.orgId, // ignored: the scope decides
      firmwareVersion: i % 2 ? `1.${i}` : null,
    }));
    await a.insertMany(tables.devices, many, 3); // three statements: 3 + 3 + 1 rows
    const got = await a.select(
      tables.devices,
      inArray(
        tables.devices.id,
        many.map((d) => d.id),
      ),
    );
    expect(got).toHaveLength(7);
    const byId = new Map(got.map((d) => [d.id, d]));
    for (const [i, d] of many.entries()) {
      const row = byId.get(d.id);
      expect(row).toEqual({
        ...viaInsert,
        id: d.id,
        name: `many-${i}`,
        firmwareVersion: i % 2 ? `1.${i}` : null,
        orgId: a.orgId,
      });
    }
    expect(
      await b.count(
        tables.devices,
        inArray(
          tables.devices.id,
          many.map((d) => d.id),
        ),
      ),
    ).toBe(0);
  });

  it('scopes select, count, update and delete to the tenant', async () => {
    const [mine] = await a.insert(tables.devices, [device('scope-a')]);
    const [theirs] = await b.insert(tables.devices, [device('scope-b')]);
    expect((await a.select(tables.devices)).map((d) => d.name)).not.toContain('scope-b');
    await expect(a.get(tables.devices, theirs.id, 'device')).rejects.toMatchObject({ kind: 'not_found' });
    expect(await a.update(tables.devices, { name: 'hijacked' }, eq(tables.devices.id, theirs.id))).toEqual(
      [],
    );
    expect(await a.delete(tables.devices, eq(tables.devices.id, theirs.id))).toBe(0);
    expect((await b.get(tables.devices, theirs.id, 'device')).name).toBe('scope-b');
    expect(await a.count(tables.devices, eq(tables.devices.id, mine.id))).toBe(1);
  });

  it('insert always stamps the scope organisation, whatever the values say', async () => {
    const sneaky = { ...device('sneaky'), orgId: b.orgId } as never;
    const [row] = await a.insert(tables.devices, [sneaky]);
    expect(row.orgId).toBe(a.orgId);
  });

  it('rolls a failed transaction back entirely', async () => {
    const before = await a.count(tables.devices);
    await expect(
      a.transaction(async (tx) => {
        await tx.insert(tables.devices, [device('tx-1')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await a.count(tables.devices)).toBe(before);
  });

  it('enforces unique serials per organisation but not across organisations', async () => {
    await a.insert(tables.devices, [device('u-1', 'SER-1')]);
    await expect(a.insert(tables.devices, [device('u-2', 'SER-1')])).rejects.toThrow();
    await expect(b.insert(tables.devices, [device('u-3', 'SER-1')])).resolves.toHaveLength(1);
  });

  it('orders, limits and offsets', async () => {
    for (const n of ['p-3', 'p-1', 'p-2'])
      await a.insert(tables.sites, [{ id: newId(), name: n, createdAt: now }]);
    const page = await a.select(tables.sites, undefined, {
      orderBy: [tables.sites.name],
      limit: 2,
      offset: 1,
    });
    expect(page.map((s) => s.name)).toEqual(['p-2', 'p-3']);
  });
});
