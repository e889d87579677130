import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { AppError, invalid } from '../../core';
import { baselineById, builtInBaselines, evaluateOrganisation } from '../../modules/compliance';
import { MAX_IMPORT_BYTES, parseDeviceFile } from '../../modules/inventory';
import {
  type DeviceRiskInput,
  type OrganisationAssessment,
  recommendations,
  scoreOrganisation,
} from '../../modules/risk';
import {
  type AssessedDevice,
  buildVulnIndex,
  type ConfigFinding,
  configurationFindings,
  type EpssTable,
  type FeedImportResult,
  type FeedKind,
  type KevCatalog,
  matchDevice,
  parseCveFolder,
  parseCveRecords,
  parseEpssCsv,
  parseJsonText,
  parseKevCatalog,
  type VulnerabilityFinding,
  type VulnRecord,
} from '../../modules/vulnerabilities';
import { withServices } from '../context';
import { printJson } from '../output';

type Run = (fn: () => Promise<void>, json?: boolean) => Promise<void>;

/** Public feed locations for `feeds sync` (CISA KEV; FIRST EPSS). */
const KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** What a feed file is, from its content: KEV catalogue, CVE record(s), or an EPSS CSV. */
export function sniffFeed(path: string, text: string): FeedKind | null {
  if (/\.csv$/i.test(path) || text.startsWith('#model_version') || /^cve,epss/m.test(text.slice(0, 200)))
    return 'epss';
  if (!/\.json$/i.test(path)) return null;
  const head = text.slice(0, 4096);
  if (/"catalogVersion"\s*:/.test(head) && /"vulnerabilities"\s*:/.test(text)) return 'kev';
  if (/"dataType"\s*:\s*"CVE_RECORD"/.test(head) || /"cveMetadata"\s*:/.test(head)) return 'cve';
  return null;
}

export interface FeedFolder {
  records: VulnRecord[];
  kev: KevCatalog | null;
  epss: EpssTable | null;
  /** Files skipped, with why (not a feed file, or a rejected CVE file in a cvelistV5 folder). */
  skipped: { path: string; reason: string }[];
}

/**
 * Read every feed in a folder: kev.json (any KEV catalogue), EPSS CSVs, CVE JSON 5 files (single
 * records, arrays, or a cvelistV5 checkout: cves/<year>/<n>xxx/CVE-*.json).
 */
export function readFeedFolder(dir: string): FeedFolder {
  const out: FeedFolder = { records: [], kev: null, epss: null, skipped: [] };
  const files = walk(dir).map((p) => relative(dir, p).replaceAll('\\', '/'));
  const layout = files.filter((f) => /(?:^|\/)cves\/\d{4}\/\d+xxx\/CVE-[\d-]+\.json$/.test(f));
  if (layout.length) {
    const folder = parseCveFolder(layout, (p) => readFileSync(join(dir, p), 'utf8'));
    out.records.push(...folder.records);
    for (const r of folder.rejected) out.skipped.push({ path: r.path, reason: r.message });
  }
  const inLayout = new Set(layout);
  for (const f of files) {
    if (inLayout.has(f)) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    const kind = sniffFeed(f, text);
    if (kind === 'kev') out.kev = parseKevCatalog(parseJsonText(text, f));
    else if (kind === 'epss') out.epss = parseEpssCsv(text);
    else if (kind === 'cve') out.records.push(...parseCveRecords(parseJsonText(text, f), f));
    else out.skipped.push({ path: f, reason: 'not a KEV catalogue, CVE JSON 5 record or EPSS CSV' });
  }
  return out;
}

const toAssessed = (input: Record<string, unknown>, id: string): AssessedDevice =>
  ({
    id,
    model: null,
    firmwareVersion: null,
    networkSegment: null,
    segmentedFromOffice: null,
    supportEndDate: null,
    secureBoot: null,
    encryptedTransport: null,
    ...input,
  }) as unknown as AssessedDevice;

export interface OfflineAssessment {
  asOf: string;
  feeds: { cveRecords: number; kevEntries: number; epssScores: number; skipped: FeedFolder['skipped'] };
  devices: { id: string; name: string; line: number; score: number }[];
  findings: (VulnerabilityFinding | (ConfigFinding & { kind: 'config' }))[];
  risk: { score: number; factors: unknown[]; recommendations: unknown[] };
  baseline?: ReturnType<typeof evaluateOrganisation>;
}

/** Assess an inventory file against a feed folder without a server or database. */
export function assessOffline(opts: {
  inventory: Uint8Array;
  feeds: FeedFolder;
  baselineId?: string;
  asOf: Date;
}): OfflineAssessment {
  const rows = parseDeviceFile(opts.inventory, 'auto');
  const devices = rows.map((r) =>
    toAssessed(r.input as unknown as Record<string, unknown>, r.input.serial ?? `line-${r.line}`),
  );
  const index = buildVulnIndex({
    records: opts.feeds.records,
    ...(opts.feeds.kev ? { kev: opts.feeds.kev } : {}),
    ...(opts.feeds.epss ? { epss: opts.feeds.epss } : {}),
  });
  const vulns = new Map<string, VulnerabilityFinding[]>();
  const configs: Record<string, ConfigFinding[]> = {};
  for (const d of devices) {
    vulns.set(d.id, matchDevice(index, d));
    configs[d.id] = configurationFindings(d, opts.asOf);
  }
  const inputs: DeviceRiskInput[] = devices.map((d) => ({
    device: d,
    vulnerabilities: (vulns.get(d.id) ?? []).map((f) => ({
      cveId: f.cveId,
      status: f.status,
      cvssBaseScore: f.cvss?.baseScore ?? null,
      kev: f.kev !== null,
      knownRansomwareCampaignUse: f.kev?.knownRansomwareCampaignUse === 'Known',
      epss: f.epss?.score ?? null,
    })),
    configFindings: configs[d.id].map((c) => ({ id: c.id, severity: c.severity })),
    // No detection data offline.
    alerts: { last30Days: 0, highOrCritical30Days: 0 },
  }));
  const assessment: OrganisationAssessment = {
    asOf: opts.asOf.toISOString(),
    devices: inputs,
    attestations: [],
  };
  const score = scoreOrganisation(assessment);
  const scoreById = new Map(score.devices.map((d) => [d.deviceId, d.score]));
  let baseline: OfflineAssessment['baseline'];
  if (opts.baselineId) {
    const b = baselineById(opts.baselineId);
    if (!b)
      throw invalid(`no baseline "${opts.baselineId}"`, [
        {
          field: 'baseline',
          message: `one of ${builtInBaselines()
            .map((x) => x.id)
            .join(', ')}`,
        },
      ]);
    baseline = evaluateOrganisation(b, devices, {
      asOf: opts.asOf,
      configFindings: configs,
      vulnFindings: [...vulns.values()].flat(),
    });
  }
  return {
    asOf: opts.asOf.toISOString(),
    feeds: {
      cveRecords: opts.feeds.records.length,
      kevEntries: opts.feeds.kev?.entries.length ?? 0,
      epssScores: opts.feeds.epss?.scores.size ?? 0,
      skipped: opts.feeds.skipped,
    },
    devices: devices.map((d, i) => ({
      id: d.id,
      name: d.name,
      line: rows[i].line,
      score: scoreById.get(d.id) ?? 0,
    })),
    findings: [
      ...[...vulns.values()].flat(),
      ...Object.values(configs)
        .flat()
        .map((c) => ({ ...c, kind: 'config' as const })),
    ],
    risk: { score: score.score, factors: score.factors, recommendations: recommendations(assessment, 10) },
    ...(baseline ? { baseline } : {}),
  };
}

function readLimited(path: string): Buffer {
  const size = statSync(path).size;
  if (size > MAX_IMPORT_BYTES * 8)
    throw invalid(`${path} is ${size} bytes; the limit is ${MAX_IMPORT_BYTES * 8} bytes`, [
      { field: 'file', message: 'too large' },
    ]);
  return readFileSync(path);
}

export function registerAssess(program: Command, run: Run) {
  const feeds = program
    .command('feeds')
    .description('vulnerability feeds (CVE JSON 5, CISA KEV, FIRST EPSS)');
  feeds
    .command('import')
    .argument('<path>', 'a feed file, or a folder (cvelistV5 layout, kev.json, EPSS CSV)')
    .option('--kind <kind>', 'cve | kev | epss | auto', 'auto')
    .option('--json', 'machine-readable output')
    .description(
      'import feeds into the database (shared by every organisation); re-assesses all organisations',
    )
    .action((path: string, o: { kind: string; json?: boolean }) =>
      run(async () => {
        if (!['cve', 'kev', 'epss', 'auto'].includes(o.kind))
          throw invalid('--kind must be cve, kev, epss or auto', [{ field: 'kind', message: o.kind }]);
        const results: FeedImportResult[] = [];
        let skipped: FeedFolder['skipped'] = [];
        await withServices(async (s) => {
          if (statSync(path).isDirectory()) {
            const folder = readFeedFolder(path);
            skipped = folder.skipped;
            if (folder.kev && (o.kind === 'auto' || o.kind === 'kev'))
              results.push(await s.feeds.importKev('cli', folder.kev));
            if (folder.records.length && (o.kind === 'auto' || o.kind === 'cve'))
              results.push(await s.feeds.importCveRecords('cli', folder.records, path));
            if (folder.epss && (o.kind === 'auto' || o.kind === 'epss')) {
              const text = [...folder.epss.scores]
                .map(([id, x]) => `${id},${x.score},${x.percentile}`)
                .join('\n');
              results.push(await s.feeds.importEpss('cli', `cve,epss,percentile\n${text}\n`));
            }
            return;
          }
          const bytes = readLimited(path);
          const kind = o.kind === 'auto' ? sniffFeed(path, bytes.toString('utf8')) : (o.kind as FeedKind);
          if (!kind)
            throw invalid(`${path}: cannot tell which feed this is; pass --kind cve|kev|epss`, [
              { field: 'kind', message: 'not recognised' },
            ]);
          if (kind === 'kev') results.push(await s.feeds.importKev('cli', bytes));
          else if (kind === 'epss') results.push(await s.feeds.importEpss('cli', bytes));
          else results.push(await s.feeds.importCveRecords('cli', bytes, path));
        });
        if (o.json) printJson({ imported: results, skipped });
        else {
          for (const r of results)
            console.log(`imported ${r.imported} ${r.kind} entries${r.version ? ` (${r.version})` : ''}`);
          if (skipped.length)
            console.log(`skipped ${skipped.length} file(s): ${skipped[0].path}: ${skipped[0].reason}`);
          if (results.length === 0) console.log('no feed files found');
        }
      }, o.json),
    );

  feeds
    .command('sync')
    .option('--json', 'machine-readable output')
    .option('--timeout <seconds>', 'network timeout', '15')
    .description(`fetch the CISA KEV catalogue from ${KEV_URL} and import it`)
    .action((o: { json?: boolean; timeout: string }) =>
      run(async () => {
        let body: Buffer;
        try {
          const res = await fetch(KEV_URL, { signal: AbortSignal.timeout(Number(o.timeout) * 1000) });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          body = Buffer.from(await res.arrayBuffer());
        } catch (e) {
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          throw new AppError(
            'unavailable',
            `offline / cannot reach ${KEV_URL}: ${cause?.code ?? cause?.message ?? (e as Error).message}. ` +
              'Download the feeds elsewhere and use `coverwatch feeds import FILE|DIR`.',
          );
        }
        const result = await withServices((s) => s.feeds.importKev('cli', body));
        if (o.json) printJson({ imported: [result] });
        else console.log(`imported ${result.imported} kev entries (${result.version})`);
      }, o.json),
    );

  program
    .command('assess')
    .requiredOption('--inventory <file>', 'device file (CSV or JSON, the device import layout)')
    .requiredOption('--feeds <dir>', 'folder with kev.json, CVE JSON 5 records (any layout), EPSS CSV')
    .option(
      '--baseline <id>',
      `evaluate a baseline too (${builtInBaselines()
        .map((b) => b.id)
        .join(', ')})`,
    )
    .option('--as-of <date>', 'judge support dates and KEV due dates at this instant (default: now)')
    .option('--json', 'machine-readable output')
    .description(
      'offline: findings, baseline results and risk scores for an inventory file (no server, no database)',
    )
    .action((o: { inventory: string; feeds: string; baseline?: string; asOf?: string; json?: boolean }) =>
      run(async () => {
        const asOf = o.asOf ? new Date(o.asOf) : new Date();
        if (Number.isNaN(asOf.getTime()))
          throw invalid('--as-of is not a date', [{ field: 'as-of', message: String(o.asOf) }]);
        if (!statSync(o.feeds).isDirectory())
          throw invalid(`${o.feeds} is not a folder`, [{ field: 'feeds', message: 'not a folder' }]);
        const result = assessOffline({
          inventory: readLimited(o.inventory),
          feeds: readFeedFolder(o.feeds),
          baselineId: o.baseline,
          asOf,
        });
        if (o.json) return printJson(result);
        console.log(
          `${result.devices.length} devices; feeds: ${result.feeds.cveRecords} CVE records, ${result.feeds.kevEntries} KEV entries`,
        );
        console.log(`organisation risk score: ${result.risk.score.toFixed(1)}`);
        for (const d of [...result.devices].sort((a, b) => b.score - a.score).slice(0, 10))
          console.log(`  ${d.score.toFixed(1).padStart(5)}  ${d.name}`);
        console.log(`${result.findings.length} findings:`);
        for (const f of result.findings) {
          if ('cveId' in f) console.log(`  ${f.deviceId}  ${f.cveId}  ${f.status}  ${f.reason}`);
          else console.log(`  ${f.deviceId}  ${f.id}  ${f.severity}  ${f.title}`);
        }
        if (result.baseline) {
          const t = result.baseline.totals;
          console.log(
            `baseline ${result.baseline.baselineId}: met ${t.met}, not met ${t.not_met}, unknown ${t.unknown}`,
          );
        }
      }, o.json),
    );
}
