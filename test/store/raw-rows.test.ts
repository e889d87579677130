import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core';
import { type Store, TenantScope, tables } from '../../src/store';
import { rawRows } from '../../src/store/db';
import { freshStore } from '../support/harness';

/**
 * rawRows runs SQL on the client under a handle: on the store's own handle, and inside a transaction
 * on that transaction's connection (it sees the transaction's writes, and its writes roll back with it).
 */
describe.each(['pglite', 'postgres'] as const)('rawRows: %s', (kind) => {
  let store: Store;
  let scope: TenantScope;
  const now = new Date('2026-11-01T00:00:00Z');

  beforeAll(async () => {
    store = await freshStore(kind);
    const org = newId();
    await store.db
      .insert(tables.organisations)
      .values({ id: org, slug: `r-${org.slice(0, 8)}`, name: 'R', kind: 'insured', createdAt: now });
    scope = new TenantScope(store.db, org);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('binds positional parameters, arrays included, on the store handle', async () => {
    const rows = await rawRows<{ n: number; s: string }>(
      store.db,
      'select sum(x)::int as n, string_agg(t, $3 order by t) as s from unnest($1::int[], $2::text[]) as u(x, t)',
      [[1, 2, 39], ['b', 'a', 'c'], '|'],
    );
    expect(rows).toEqual([{ n: 42, s: 'a|b|c' }]);
  });

  it('joins the transaction of the handle it is given', async () => {
    const slug = (id: string) =>
      rawRows<{ slug: string }>(store.db, 'select slug from organisations where id = $1', [id]);
    const kept = newId();
    await scope.transaction(async (s) => {
      await rawRows(
        s.db,
        `insert into organisations (id, slug, name, kind, created_at) values ($1, $2, 'K', 'insured', now())`,
        [kept, `k-${kept.slice(0, 8)}`],
      );
      // Visible on the same handle inside the transaction (on pg, another pooled connection would not see it).
      const [row] = await rawRows<{ n: number }>(
        s.db,
        'select count(*)::int as n from organisations where id = $1',
        [kept],
      );
      expect(row.n).toBe(1);
    });
    expect(await slug(kept)).toEqual([{ slug: `k-${kept.slice(0, 8)}` }]);

    const dropped = newId();
    await expect(
      scope.transaction(async (s) => {
        await rawRows(
          s.db,
          `insert into organisations (id, slug, name, kind, created_at) values ($1, $2, 'D', 'insured', now())`,
          [dropped, `d-${dropped.slice(0, 8)}`],
        );
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await slug(dropped)).toEqual([]);
  });
});
