import { and, count, eq, getTableColumns, is, SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { notFound } from '../core';
import type { Db } from './db';

/** A table whose rows belong to one organisation. */
export type TenantTable = PgTable & { orgId: PgColumn; id: PgColumn };

export interface ListOptions {
  orderBy?: (SQL | PgColumn)[];
  limit?: number;
  offset?: number;
}

/**
 * Everything a repository may do with tenant-owned rows. Every statement it builds carries
 * `org_id = <this organisation>`: a repository written against TenantScope cannot read, change or
 * create another organisation's rows, whatever ids a request names (DESIGN.md §4).
 */
export class TenantScope {
  constructor(
    readonly db: Db,
    readonly orgId: string,
  ) {}

  private own(table: TenantTable, cond?: SQL): SQL {
    return and(eq(table.orgId, this.orgId), cond) as SQL;
  }

  async select<T extends TenantTable>(
    table: T,
    cond?: SQL,
    opts: ListOptions = {},
  ): Promise<T['$inferSelect'][]> {
    let q = this.db
      .select()
      .from(table as PgTable)
      .where(this.own(table, cond))
      .$dynamic();
    if (opts.orderBy?.length) q = q.orderBy(...opts.orderBy);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    if (opts.offset !== undefined) q = q.offset(opts.offset);
    return (await q) as T['$inferSelect'][];
  }

  async count<T extends TenantTable>(table: T, cond?: SQL): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(table as PgTable)
      .where(this.own(table, cond));
    return Number(row?.n ?? 0);
  }

  /** The row with this id in this organisation, or not_found (also for another tenant's id). */
  async get<T extends TenantTable>(table: T, id: string, what: string): Promise<T['$inferSelect']> {
    const [row] = await this.select(table, eq(table.id, id), { limit: 1 });
    if (!row) throw notFound(what);
    return row;
  }

  async insert<T extends TenantTable>(
    table: T,
    values: Omit<T['$inferInsert'], 'orgId'>[],
  ): Promise<T['$inferSelect'][]> {
    if (values.length === 0) return [];
    const rows = values.map((v) => ({ ...v, orgId: this.orgId }));
    return (await this.db
      .insert(table)
      .values(rows as never)
      .returning()) as T['$inferSelect'][];
  }

  /**
   * Many rows in one statement per `chunk`, returning nothing. The rows travel as one jsonb parameter
   * expanded by jsonb_populate_recordset into the table's own row type: PGlite serialises every bound
   * parameter in JavaScript, so a VALUES list of thousands of rows costs more than the insert itself.
   * A column a row leaves out takes its drizzle default (or null); the organisation is always this
   * scope's, whatever the values say.
   */
  async insertMany<T extends TenantTable>(
    table: T,
    values: Omit<T['$inferInsert'], 'orgId'>[],
    chunk = 5000,
  ): Promise<void> {
    const columns = Object.entries(getTableColumns(table));
    for (let i = 0; i < values.length; i += chunk) {
      const rows = values.slice(i, i + chunk).map((v) => {
        const row: Record<string, unknown> = {};
        for (const [key, col] of columns) {
          let x = key === 'orgId' ? this.orgId : (v as Record<string, unknown>)[key];
          if (x === undefined) x = defaultOf(col);
          row[col.name] = x instanceof Uint8Array ? `\\x${Buffer.from(x).toString('hex')}` : x;
        }
        return row;
      });
      await this.db.execute(
        sql`insert into ${table} select * from jsonb_populate_recordset(null::${table}, ${JSON.stringify(rows)}::jsonb)`,
      );
    }
  }

  async update<T extends TenantTable>(
    table: T,
    set: Partial<Omit<T['$inferInsert'], 'orgId' | 'id'>>,
    cond: SQL,
  ): Promise<T['$inferSelect'][]> {
    return (await this.db
      .update(table)
      .set(set as never)
      .where(this.own(table, cond))
      .returning()) as T['$inferSelect'][];
  }

  async delete<T extends TenantTable>(table: T, cond: SQL): Promise<number> {
    const rows = await this.db.delete(table).where(this.own(table, cond)).returning({ id: table.id });
    return rows.length;
  }

  /** Run `fn` in one transaction; the scope it gets is bound to that transaction. */
  transaction<R>(fn: (scope: TenantScope) => Promise<R>): Promise<R> {
    return this.db.transaction((tx) => fn(new TenantScope(tx as unknown as Db, this.orgId)));
  }
}

/** What drizzle would insert for a column a row leaves out; an SQL default cannot travel as JSON. */
function defaultOf(col: PgColumn): unknown {
  if (col.defaultFn) return col.defaultFn();
  if (!col.hasDefault) return null;
  if (is(col.default, SQL))
    throw new Error(`insertMany: column ${col.name} has an SQL default; give it a value`);
  return col.default ?? null;
}
