import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { AppError } from '../core';
import * as schema from './schema';

export type Schema = typeof schema;
/** The one database type modules see, whichever engine is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** A short description for logs ("pglite .coverwatch/pgdata", "postgres 127.0.0.1:5432/db"). */
  where: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL connection string; when absent PGlite is used. */
  databaseUrl?: string;
  /** Folder for PGlite's data; absent = in memory (tests). */
  dataDir?: string;
  /** Apply migrations on open (default true). */
  migrate?: boolean;
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

/**
 * PGlite's own start parameters plus wal_init_zero=off: a new 16 MiB WAL segment is created by
 * writing its last byte instead of zero-filling it 8 KiB at a time, which PGlite's in-memory file
 * system paid for by copying the growing file over and over (about a tenth of a bulk ledger append,
 * bench/ledger-store.bench.ts). WAL content and crash safety are unchanged.
 */
const pgliteStartParams = [...PGlite.defaultStartParams, '-c', 'wal_init_zero=off'];

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const runMigrations = opts.migrate ?? true;
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // An idle connection the server drops (restart, failover, an administrator terminating it) is an
    // 'error' event on the pool; unheard it would end the process. The pool discards that client and
    // opens a new one for the next query, and queries in flight still reject with the error.
    pool.on('error', () => {});
    try {
      await pool.query('select 1');
    } catch (e) {
      await pool.end();
      const url = new URL(opts.databaseUrl);
      throw new AppError(
        'unavailable',
        `cannot reach PostgreSQL at ${url.host}${url.pathname} (DATABASE_URL): ${(e as Error).message}`,
      );
    }
    const db = drizzleNodePg(pool, { schema }) as unknown as Db;
    if (runMigrations) await migrateNodePg(db as never, { migrationsFolder });
    const url = new URL(opts.databaseUrl);
    return { db, kind: 'postgres', where: `postgres ${url.host}${url.pathname}`, close: () => pool.end() };
  }
  let client: PGlite;
  if (opts.dataDir) {
    const dir = join(opts.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir, { startParams: pgliteStartParams });
  } else {
    client = new PGlite({ startParams: pgliteStartParams });
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  if (runMigrations) await migratePglite(db as never, { migrationsFolder });
  return {
    db,
    kind: 'pglite',
    where: opts.dataDir ? `pglite ${join(opts.dataDir, 'pgdata')}` : 'pglite in memory',
    close: () => client.close(),
  };
}

/** What `rawRows` needs of the client under a handle: PGlite (or its transaction) and pg's Pool/PoolClient. */
interface RawClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Runs one SQL text with positional parameters ($1, $2...) straight on the client under `db`: the
 * store's handle or a transaction's (so it joins that transaction), on PGlite and PostgreSQL alike.
 * It skips drizzle's query building and the result-parser set drizzle's PGlite driver passes with
 * every query (about 140 µs a query on PGlite), for a module's hot paths only. Rows come back with
 * the driver's own parsing, which differs between engines for bigint (number or string) and bytea
 * (Uint8Array or Buffer): cast such columns to int or text in the SQL.
 */
export async function rawRows<T>(db: Db, text: string, params: readonly unknown[] = []): Promise<T[]> {
  const client = (db as unknown as { session?: { client?: RawClient } }).session?.client;
  if (typeof client?.query !== 'function') throw new Error('rawRows: no database client under this handle');
  const res = await client.query(text, params as unknown[]);
  return res.rows as T[];
}

/** Rows of `db.execute` on either driver (PGlite and node-postgres both answer `{ rows }`). */
export const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;
