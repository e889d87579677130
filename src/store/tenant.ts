import { and, count, eq, type SQL } from 'drizzle-orm';
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
