import { z } from 'zod';
import { type ErrorDetail, invalid } from '../../../core/errors';
import type { CveVersionEntry, VersionStatus } from './cve-versions';

/**
 * Feed readers: CVE JSON 5 records (CVEProject/cve-schema CVE_JSON_5.1_schema.json, required parts),
 * the CISA KEV catalogue (cisagov/kev-data known_exploited_vulnerabilities_schema.json) and FIRST EPSS
 * daily CSV. Pure: they take text or parsed JSON; the caller reads files.
 */

// ------------------------------------------------------------------------------------------------
// CVE JSON 5

const status = z.enum(['affected', 'unaffected', 'unknown']);
const cveIdRe = /^CVE-[0-9]{4}-[0-9]{4,19}$/;

const versionEntry = z.object({
  version: z.string().min(1).max(1024),
  status,
  versionType: z.string().min(1).max(128).optional(),
  lessThan: z.string().min(1).max(1024).optional(),
  lessThanOrEqual: z.string().min(1).max(1024).optional(),
  changes: z
    .array(z.object({ at: z.string().min(1).max(1024), status }))
    .min(1)
    .optional(),
});

const product = z
  .object({
    vendor: z.string().min(1).max(512).optional(),
    product: z.string().min(1).max(2048).optional(),
    collectionURL: z.string().optional(),
    packageName: z.string().optional(),
    cpes: z.array(z.string().min(1).max(2048)).optional(),
    modules: z.array(z.string()).optional(),
    platforms: z.array(z.string()).optional(),
    versions: z.array(versionEntry).min(1).optional(),
    defaultStatus: status.optional(),
  })
  // CVE_JSON_5.1 "product": (vendor and product) or (collectionURL and packageName) ...
  .refine((p) => (p.vendor && p.product) || (p.collectionURL && p.packageName), {
    message: 'needs vendor and product, or collectionURL and packageName',
  })
  // ... and versions or defaultStatus.
  .refine((p) => p.versions !== undefined || p.defaultStatus !== undefined, {
    message: 'needs versions or defaultStatus',
  });

const cvssBlock = z.object({ vectorString: z.string().min(1), baseScore: z.number().optional() });
const metric = z.object({
  cvssV4_0: cvssBlock.optional(),
  cvssV3_1: cvssBlock.optional(),
  cvssV3_0: cvssBlock.optional(),
  cvssV2_0: cvssBlock.optional(),
});
const providerMetadata = z.object({ orgId: z.string().min(1), shortName: z.string().optional() });
const problemTypes = z
  .array(
    z.object({ descriptions: z.array(z.object({ cweId: z.string().optional(), description: z.string() })) }),
  )
  .optional();
const descriptions = z.array(z.object({ lang: z.string(), value: z.string() })).min(1);

const cnaPublished = z.object({
  providerMetadata,
  title: z.string().optional(),
  descriptions,
  affected: z.array(product).min(1),
  references: z.array(z.object({ url: z.string().min(1) })).min(1),
  metrics: z.array(metric).optional(),
  problemTypes,
  tags: z.array(z.string()).optional(),
});
const adp = z.object({
  providerMetadata,
  title: z.string().optional(),
  affected: z.array(product).optional(),
  metrics: z.array(metric).optional(),
  problemTypes,
});

const published = z.object({
  dataType: z.literal('CVE_RECORD'),
  dataVersion: z.string().regex(/^5\.\d+(\.\d+)?$/),
  cveMetadata: z.object({
    cveId: z.string().regex(cveIdRe),
    assignerOrgId: z.string().min(1),
    state: z.literal('PUBLISHED'),
    datePublished: z.string().optional(),
    dateUpdated: z.string().optional(),
  }),
  containers: z.object({ cna: cnaPublished, adp: z.array(adp).optional() }),
});
const rejected = z.object({
  dataType: z.literal('CVE_RECORD'),
  dataVersion: z.string(),
  cveMetadata: z.object({
    cveId: z.string().regex(cveIdRe),
    assignerOrgId: z.string(),
    state: z.literal('REJECTED'),
  }),
  containers: z.object({ cna: z.object({ providerMetadata, rejectedReasons: z.array(z.unknown()).min(1) }) }),
});

export interface AffectedProduct {
  source: 'cna' | 'adp';
  /** The container provider's short name ("CISA-ADP"), when given. */
  provider: string | null;
  /** As written in the record; "n/a" and friends are kept here. */
  rawVendor: string;
  rawProduct: string;
  /** null when the record says "n/a" (or names none): a match then needs a human. */
  vendor: string | null;
  product: string | null;
  cpes: string[];
  versions: CveVersionEntry[];
  defaultStatus?: VersionStatus;
  platforms: string[];
}

export interface CvssMetric {
  source: 'cna' | 'adp';
  provider: string | null;
  version: '4.0' | '3.1' | '3.0' | '2.0';
  vector: string;
  statedBaseScore: number | null;
}

export interface VulnRecord {
  cveId: string;
  state: 'PUBLISHED' | 'REJECTED';
  title: string | null;
  description: string | null;
  affected: AffectedProduct[];
  metrics: CvssMetric[];
  cwes: string[];
  tags: string[];
  datePublished: string | null;
  dateUpdated: string | null;
}

const NA_NAME = /^(?:n\/?a|none|unknown|unspecified|-|\*)$/i;
const orNull = (s: string | undefined) => (s === undefined || NA_NAME.test(s.trim()) ? null : s.trim());

function toAffected(
  p: z.infer<typeof product>,
  source: 'cna' | 'adp',
  provider: string | null,
): AffectedProduct {
  return {
    source,
    provider,
    rawVendor: p.vendor ?? p.collectionURL ?? '',
    rawProduct: p.product ?? p.packageName ?? '',
    vendor: orNull(p.vendor),
    product: orNull(p.product ?? p.packageName),
    cpes: p.cpes ?? [],
    versions: p.versions ?? [],
    ...(p.defaultStatus !== undefined ? { defaultStatus: p.defaultStatus } : {}),
    platforms: p.platforms ?? [],
  };
}

function toMetrics(ms: z.infer<typeof metric>[] | undefined, source: 'cna' | 'adp', provider: string | null) {
  const out: CvssMetric[] = [];
  for (const m of ms ?? []) {
    const pairs: [CvssMetric['version'], z.infer<typeof cvssBlock> | undefined][] = [
      ['4.0', m.cvssV4_0],
      ['3.1', m.cvssV3_1],
      ['3.0', m.cvssV3_0],
      ['2.0', m.cvssV2_0],
    ];
    for (const [version, b] of pairs)
      if (b)
        out.push({ source, provider, version, vector: b.vectorString, statedBaseScore: b.baseScore ?? null });
  }
  return out;
}

function cwesOf(pt: z.infer<typeof problemTypes>): string[] {
  const out: string[] = [];
  for (const p of pt ?? [])
    for (const d of p.descriptions) {
      const id = d.cweId ?? /CWE-\d+/.exec(d.description)?.[0];
      if (id && !out.includes(id)) out.push(id);
    }
  return out;
}

function pathOf(prefix: string, path: PropertyKey[]): string {
  let s = prefix;
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : `${s === '' ? '' : '.'}${String(k)}`;
  return s;
}

/** Validate and normalise one CVE JSON 5 record; `where` names it in errors ("[3]", a file path). */
function readRecord(raw: unknown, where: string): { record?: VulnRecord; details: ErrorDetail[] } {
  const id =
    typeof raw === 'object' && raw !== null
      ? ((raw as { cveMetadata?: { cveId?: unknown } }).cveMetadata?.cveId ?? null)
      : null;
  const label = typeof id === 'string' ? `${id} (${where})` : where;
  const state = (raw as { cveMetadata?: { state?: unknown } } | null)?.cveMetadata?.state;
  if (state === 'REJECTED') {
    const r = rejected.safeParse(raw);
    if (!r.success)
      return {
        details: r.error.issues.map((i) => ({
          path: pathOf(where, i.path),
          message: `${label}: ${i.message}`,
        })),
      };
    return {
      record: {
        cveId: r.data.cveMetadata.cveId,
        state: 'REJECTED',
        title: null,
        description: null,
        affected: [],
        metrics: [],
        cwes: [],
        tags: [],
        datePublished: null,
        dateUpdated: null,
      },
      details: [],
    };
  }
  const r = published.safeParse(raw);
  if (!r.success)
    return {
      details: r.error.issues.map((i) => ({
        path: pathOf(where, i.path),
        field: String(i.path[i.path.length - 1] ?? ''),
        message: `${label}: ${pathOf('', i.path)}: ${i.message}`,
      })),
    };
  const d = r.data;
  const cna = d.containers.cna;
  const cnaProvider = cna.providerMetadata.shortName ?? null;
  const affected = cna.affected.map((p) => toAffected(p, 'cna', cnaProvider));
  const metrics = toMetrics(cna.metrics, 'cna', cnaProvider);
  const cwes = cwesOf(cna.problemTypes);
  for (const a of d.containers.adp ?? []) {
    const prov = a.providerMetadata.shortName ?? null;
    for (const p of a.affected ?? []) affected.push(toAffected(p, 'adp', prov));
    metrics.push(...toMetrics(a.metrics, 'adp', prov));
    for (const c of cwesOf(a.problemTypes)) if (!cwes.includes(c)) cwes.push(c);
  }
  const en = cna.descriptions.find((x) => x.lang.toLowerCase().startsWith('en')) ?? cna.descriptions[0];
  return {
    record: {
      cveId: d.cveMetadata.cveId,
      state: 'PUBLISHED',
      title: cna.title ?? null,
      description: en.value,
      affected,
      metrics,
      cwes,
      tags: cna.tags ?? [],
      datePublished: d.cveMetadata.datePublished ?? null,
      dateUpdated: d.cveMetadata.dateUpdated ?? null,
    },
    details: [],
  };
}

/**
 * A file holding one CVE JSON 5 record or an array of them. All or nothing: any invalid record
 * rejects the file, with every problem named by record (CVE id and index) and field path.
 */
export function parseCveRecords(input: unknown, source = 'input'): VulnRecord[] {
  const items = Array.isArray(input) ? input : [input];
  const records: VulnRecord[] = [];
  const details: ErrorDetail[] = [];
  items.forEach((raw, i) => {
    const r = readRecord(raw, Array.isArray(input) ? `[${i}]` : '');
    if (r.record) records.push(r.record);
    details.push(...r.details);
  });
  if (details.length > 0)
    throw invalid(
      `${source}: ${details.length} problem(s) in CVE JSON 5 records; first: ${details[0].message}`,
      details,
    );
  return records;
}

/** Parse JSON text first; a syntax error names the byte offset. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    throw invalid(`${source}: not JSON: ${(e as Error).message}`, [
      { message: 'not JSON', ...(m ? { offset: Number(m[1]) } : {}) },
    ]);
  }
}

/** cvelistV5 layout: cves/<year>/<n>xxx/CVE-<year>-<n>.json */
const CVELIST_PATH = /(?:^|\/)cves\/(\d{4})\/(\d+)xxx\/(CVE-(\d{4})-(\d+))\.json$/;

export interface FolderImport {
  records: VulnRecord[];
  /** Files rejected, each with its problems; the rest were kept. */
  rejected: { path: string; message: string; details: ErrorDetail[] }[];
  /** Files that are not CVE records in the cvelistV5 layout (delta logs, README, ...). */
  ignored: string[];
}

/**
 * Walk a cvelistV5 checkout given its file list and a reader, so the walk stays pure. Each file is
 * all-or-nothing; the result says exactly which files were kept and why others were not.
 */
export function parseCveFolder(files: readonly string[], read: (path: string) => string): FolderImport {
  const out: FolderImport = { records: [], rejected: [], ignored: [] };
  for (const path of [...files].sort()) {
    const m = CVELIST_PATH.exec(path.replaceAll('\\', '/'));
    if (!m) {
      out.ignored.push(path);
      continue;
    }
    // The folder is the id's number with its last three digits replaced by "xxx".
    const num = m[5];
    const expectedBucket = num.length > 3 ? String(Number(num.slice(0, -3))) : '0';
    if (m[1] !== m[4] || m[2] !== expectedBucket) {
      out.rejected.push({
        path,
        message: `${m[3]} is filed under cves/${m[1]}/${m[2]}xxx, expected cves/${m[4]}/${expectedBucket}xxx`,
        details: [{ path, message: 'wrong folder for this CVE id' }],
      });
      continue;
    }
    try {
      const recs = parseCveRecords(parseJsonText(read(path), path), path);
      if (recs.length !== 1 || recs[0].cveId !== m[3]) {
        out.rejected.push({
          path,
          message: `${path} should hold exactly the record ${m[3]}`,
          details: [{ path, field: 'cveMetadata.cveId', message: `expected ${m[3]}` }],
        });
        continue;
      }
      out.records.push(recs[0]);
    } catch (e) {
      const err = e as { message?: string; details?: ErrorDetail[]; kind?: string };
      if (err.kind !== 'invalid') throw e;
      out.rejected.push({ path, message: err.message ?? 'invalid', details: err.details ?? [] });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// CISA KEV catalogue

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const kevVulnerability = z.object({
  cveID: z.string().regex(cveIdRe),
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: isoDate,
  shortDescription: z.string(),
  requiredAction: z.string(),
  dueDate: isoDate,
  knownRansomwareCampaignUse: z.string().optional(),
  notes: z.string().optional(),
  cwes: z.array(z.string().regex(/^CWE-[0-9]+$/)).optional(),
});
const kevCatalog = z.object({
  catalogVersion: z.string(),
  dateReleased: z.string(),
  count: z.number().int(),
  vulnerabilities: z.array(z.unknown()),
});

export interface KevEntry {
  cveId: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  dateAdded: string;
  dueDate: string;
  /** "Known" or "Unknown" (CISA's wording); anything else is kept as written. */
  knownRansomwareCampaignUse: string;
  requiredAction: string;
  shortDescription: string;
  notes: string;
  cwes: string[];
}

export interface KevCatalog {
  catalogVersion: string;
  dateReleased: string;
  entries: KevEntry[];
}

export function parseKevCatalog(input: unknown): KevCatalog {
  const top = kevCatalog.safeParse(input);
  if (!top.success)
    throw invalid(
      `KEV catalogue: ${top.error.issues[0].message} at ${pathOf('', top.error.issues[0].path)}`,
      top.error.issues.map((i) => ({ path: pathOf('', i.path), message: i.message })),
    );
  const details: ErrorDetail[] = [];
  const entries: KevEntry[] = [];
  top.data.vulnerabilities.forEach((v, i) => {
    const r = kevVulnerability.safeParse(v);
    if (!r.success) {
      const id = (v as { cveID?: unknown } | null)?.cveID;
      for (const iss of r.error.issues)
        details.push({
          path: pathOf(`vulnerabilities[${i}]`, iss.path),
          field: String(iss.path[iss.path.length - 1] ?? ''),
          message: `${typeof id === 'string' ? id : `entry ${i}`}: ${pathOf('', iss.path)}: ${iss.message}`,
        });
      return;
    }
    const d = r.data;
    entries.push({
      cveId: d.cveID,
      vendorProject: d.vendorProject,
      product: d.product,
      vulnerabilityName: d.vulnerabilityName,
      dateAdded: d.dateAdded,
      dueDate: d.dueDate,
      knownRansomwareCampaignUse: d.knownRansomwareCampaignUse ?? 'Unknown',
      requiredAction: d.requiredAction,
      shortDescription: d.shortDescription,
      notes: d.notes ?? '',
      cwes: d.cwes ?? [],
    });
  });
  if (top.data.count !== top.data.vulnerabilities.length)
    details.push({
      field: 'count',
      message: `count says ${top.data.count} but ${top.data.vulnerabilities.length} vulnerabilities are listed`,
    });
  if (details.length > 0)
    throw invalid(`KEV catalogue: ${details.length} problem(s); first: ${details[0].message}`, details);
  return { catalogVersion: top.data.catalogVersion, dateReleased: top.data.dateReleased, entries };
}

// ------------------------------------------------------------------------------------------------
// FIRST EPSS daily CSV: "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000", then
// "cve,epss,percentile" and one row per CVE.

export interface EpssScore {
  score: number;
  percentile: number;
}
export interface EpssTable {
  modelVersion: string | null;
  scoreDate: string | null;
  scores: Map<string, EpssScore>;
}

export function parseEpssCsv(text: string): EpssTable {
  const lines = text.split(/\r?\n/);
  let modelVersion: string | null = null;
  let scoreDate: string | null = null;
  const scores = new Map<string, EpssScore>();
  let header: string[] | null = null;
  const details: ErrorDetail[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      for (const kv of line.slice(1).split(',')) {
        const at = kv.indexOf(':');
        const k = kv.slice(0, at).trim();
        const v = kv.slice(at + 1).trim();
        if (k === 'model_version') modelVersion = v;
        if (k === 'score_date') scoreDate = v;
      }
      continue;
    }
    const cells = line.split(',').map((c) => c.trim());
    if (header === null) {
      header = cells.map((c) => c.toLowerCase());
      for (const need of ['cve', 'epss', 'percentile'])
        if (!header.includes(need))
          throw invalid(`EPSS CSV: header lacks "${need}"`, [
            { line: i + 1, field: need, message: 'missing column' },
          ]);
      continue;
    }
    const row = Object.fromEntries(header.map((h, k) => [h, cells[k]]));
    const score = Number(row.epss);
    const percentile = Number(row.percentile);
    if (!cveIdRe.test(row.cve ?? ''))
      details.push({ line: i + 1, field: 'cve', message: `bad CVE id "${row.cve}"` });
    else if (!(score >= 0 && score <= 1))
      details.push({ line: i + 1, field: 'epss', message: `epss "${row.epss}" not in [0,1]` });
    else if (!(percentile >= 0 && percentile <= 1))
      details.push({
        line: i + 1,
        field: 'percentile',
        message: `percentile "${row.percentile}" not in [0,1]`,
      });
    else scores.set(row.cve, { score, percentile });
  }
  if (header === null) throw invalid('EPSS CSV: no header line', [{ line: 1, message: 'no header' }]);
  if (details.length > 0)
    throw invalid(`EPSS CSV: ${details.length} bad row(s); first at line ${details[0].line}`, details);
  return { modelVersion, scoreDate, scores };
}
