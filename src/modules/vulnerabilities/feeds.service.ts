import { count, desc, eq, max, sql } from 'drizzle-orm';
import { type Clock, forbidden, invalid, newId } from '../../core';
import type { Db } from '../../store';
import type { RequestContext } from '../tenancy';
import {
  type EpssTable,
  type KevCatalog,
  type KevEntry,
  parseCveRecords,
  parseEpssCsv,
  parseJsonText,
  parseKevCatalog,
  type VulnRecord,
} from './domain/feeds';
import { buildVulnIndex, type VulnIndex } from './domain/matching';
import { cveRecords, epssScores, feedImports, kevEntries } from './schema';

export type FeedKind = 'cve' | 'kev' | 'epss';
export const FEED_KINDS: readonly FeedKind[] = ['cve', 'kev', 'epss'];

export interface FeedImportResult {
  kind: FeedKind;
  imported: number;
  version: string | null;
}

export interface FeedStatus {
  kind: FeedKind;
  records: number;
  lastImport: { at: string; records: number; version: string | null; importedBy: string } | null;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const textOf = (b: Uint8Array | string) => (typeof b === 'string' ? b : decoder.decode(b));

/** Who may import: an operator at the CLI, or an administrator acting in their own organisation. */
export type FeedImporter = RequestContext | 'cli';

/**
 * Feeds are global reference data shared by every organisation (not tenant rows). Importing one
 * replaces what the findings of EVERY organisation are computed from, so over the API only an
 * administrator of an organisation (insured or insurer) acting in their own organisation may do it;
 * operators use `coverwatch feeds import`. Reading the feed status needs only a signed-in user.
 */
export class FeedService {
  private cached: { key: string; index: VulnIndex } | null = null;
  private readonly listeners: ((kind: FeedKind) => Promise<void>)[] = [];

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Called after every successful import (findings re-evaluation). */
  onImport(fn: (kind: FeedKind) => Promise<void>): void {
    this.listeners.push(fn);
  }

  private importer(by: FeedImporter): string {
    if (by === 'cli') return 'cli';
    if (by.access !== 'own' || by.actor.role !== 'admin')
      throw forbidden('importing feeds changes every organisation’s findings; it needs an administrator');
    return `${by.actor.kind}:${by.actor.id}`;
  }

  private async recordImport(kind: FeedKind, records: number, version: string | null, by: string) {
    await this.db
      .insert(feedImports)
      .values({ id: newId(), kind, records, version, importedBy: by, at: this.clock.now() });
  }

  private async after(kind: FeedKind) {
    this.cached = null;
    for (const fn of this.listeners) await fn(kind);
  }

  /** CVE JSON 5 records (one record or an array). Upserts by CVE id; all or nothing per file. */
  async importCveRecords(
    by: FeedImporter,
    input: Uint8Array | string | readonly VulnRecord[],
    source = 'body',
  ): Promise<FeedImportResult> {
    const who = this.importer(by);
    const records =
      typeof input === 'string' || input instanceof Uint8Array
        ? parseCveRecords(parseJsonText(textOf(input), source), source)
        : input;
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < records.length; i += 200) {
        const rows = records.slice(i, i + 200).map((r) => ({
          cveId: r.cveId,
          state: r.state,
          record: r as VulnRecord,
          affected: r.affected.map((a) => `${a.rawVendor} / ${a.rawProduct}`),
          dateUpdated: r.dateUpdated,
          importedAt: now,
        }));
        await tx
          .insert(cveRecords)
          .values(rows)
          .onConflictDoUpdate({
            target: cveRecords.cveId,
            set: {
              state: sqlExcluded('state'),
              record: sqlExcluded('record'),
              affected: sqlExcluded('affected'),
              dateUpdated: sqlExcluded('date_updated'),
              importedAt: now,
            },
          });
      }
    });
    await this.recordImport('cve', records.length, source, who);
    await this.after('cve');
    return { kind: 'cve', imported: records.length, version: source };
  }

  /** The CISA KEV catalogue as published (JSON); replaces the stored catalogue. */
  async importKev(by: FeedImporter, input: Uint8Array | string | KevCatalog): Promise<FeedImportResult> {
    const who = this.importer(by);
    const cat =
      typeof input === 'string' || input instanceof Uint8Array
        ? parseKevCatalog(parseJsonText(textOf(input), 'KEV catalogue'))
        : input;
    await this.db.transaction(async (tx) => {
      await tx.delete(kevEntries);
      for (let i = 0; i < cat.entries.length; i += 300) {
        await tx
          .insert(kevEntries)
          .values(cat.entries.slice(i, i + 300).map((k) => ({ ...k, catalogVersion: cat.catalogVersion })));
      }
    });
    await this.recordImport('kev', cat.entries.length, cat.catalogVersion, who);
    await this.after('kev');
    return { kind: 'kev', imported: cat.entries.length, version: cat.catalogVersion };
  }

  /** A FIRST EPSS daily CSV; replaces the stored scores. */
  async importEpss(by: FeedImporter, input: Uint8Array | string): Promise<FeedImportResult> {
    const who = this.importer(by);
    const table = parseEpssCsv(textOf(input));
    const rows = [...table.scores].map(([cveId, s]) => ({
      cveId,
      score: s.score,
      percentile: s.percentile,
      modelVersion: table.modelVersion,
      scoreDate: table.scoreDate,
    }));
    if (rows.length === 0) throw invalid('EPSS file has no scores', [{ field: 'body', message: 'empty' }]);
    await this.db.transaction(async (tx) => {
      await tx.delete(epssScores);
      for (let i = 0; i < rows.length; i += 1000) await tx.insert(epssScores).values(rows.slice(i, i + 1000));
    });
    await this.recordImport('epss', rows.length, table.scoreDate, who);
    await this.after('epss');
    return { kind: 'epss', imported: rows.length, version: table.scoreDate };
  }

  async status(ctx?: RequestContext): Promise<FeedStatus[]> {
    ctx?.require('read');
    const tables = { cve: cveRecords, kev: kevEntries, epss: epssScores } as const;
    const out: FeedStatus[] = [];
    for (const kind of FEED_KINDS) {
      const [{ n }] = await this.db.select({ n: count() }).from(tables[kind]);
      const [last] = await this.db
        .select()
        .from(feedImports)
        .where(eq(feedImports.kind, kind))
        .orderBy(desc(feedImports.at))
        .limit(1);
      out.push({
        kind,
        records: Number(n),
        lastImport: last
          ? {
              at: last.at.toISOString(),
              records: last.records,
              version: last.version,
              importedBy: last.importedBy,
            }
          : null,
      });
    }
    return out;
  }

  /**
   * The matcher's index over the stored feeds, rebuilt when any feed changed (keyed on the newest
   * import, so a second process importing is noticed too).
   */
  async index(db: Db = this.db): Promise<VulnIndex> {
    const [{ last, n }] = await db.select({ last: max(feedImports.at), n: count() }).from(feedImports);
    const key = `${last ? new Date(last as unknown as string).toISOString() : '-'}#${n}`;
    if (this.cached?.key === key) return this.cached.index;
    const recs = await db.select({ record: cveRecords.record }).from(cveRecords);
    const kevRows = await db.select().from(kevEntries);
    const epssRows = await db.select().from(epssScores);
    const kev: KevEntry[] = kevRows.map(({ catalogVersion: _v, ...k }) => k);
    const epss: EpssTable = {
      modelVersion: epssRows[0]?.modelVersion ?? null,
      scoreDate: epssRows[0]?.scoreDate ?? null,
      scores: new Map(epssRows.map((r) => [r.cveId, { score: r.score, percentile: r.percentile }])),
    };
    const index = buildVulnIndex({ records: recs.map((r) => r.record), kev, epss });
    this.cached = { key, index };
    return index;
  }
}

function sqlExcluded(column: string) {
  return sql.raw(`excluded."${column}"`);
}
