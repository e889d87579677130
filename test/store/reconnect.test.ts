/**
 * PostgreSQL may drop idle connections (restart, failover, an administrator terminating them). The
 * store must survive that: no crash from the pool's 'error' event, and the next query reconnects.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store';
import { ADMIN_URL, freshStore } from '../support/harness';

describe('store on PostgreSQL: connections dropped by the server', () => {
  let store: Store;
  let database: string;
  beforeAll(async () => {
    store = await freshStore('postgres');
    const rows = (await store.db.execute(sql`select current_database() as name`)) as unknown as {
      rows: { name: string }[];
    };
    database = rows.rows[0].name;
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps working after the server terminates every idle connection of the store', async () => {
    // Several idle connections in the pool.
    await Promise.all(Array.from({ length: 4 }, () => store.db.execute(sql`select pg_sleep(0.05)`)));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t',
        [database],
      );
      expect(killed.rows[0].n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // Let the terminations reach the idle clients (each raises 'error' on the pool).
    await new Promise((r) => setTimeout(r, 300));
    const again = (await store.db.execute(sql`select 41 + 1 as answer`)) as unknown as {
      rows: { answer: number }[];
    };
    expect(again.rows[0].answer).toBe(42);
  });
});
