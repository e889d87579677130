import { cpeText, parseCpe } from './cpe';
import {
  type CompiledProductVersions,
  compileProductVersions,
  decideVersion,
  FREE_TEXT_READING,
  type PreparedVersion,
  prepareVersion,
} from './cve-versions';
import { type CvssScore, pickCvss } from './cvss';
import type { AssessedDevice } from './device';
import type { AffectedProduct, EpssScore, EpssTable, KevCatalog, KevEntry, VulnRecord } from './feeds';
import {
  genericProduct,
  kindsNamedBy,
  type ProductName,
  platformsFor,
  productMatches,
  productName,
  vendorKey,
  words,
} from './names';

/**
 * Matching devices against vulnerability records. A finding is either `affected` (the record's own
 * version data puts the device's firmware in an affected range, and says which) or `needs_review`
 * with the reason a person has to look. Not-affected is not a finding. Nothing that names the
 * device's vendor and product is dropped without a decision.
 */
export interface VulnerabilityFinding {
  cveId: string;
  deviceId: string;
  status: 'affected' | 'needs_review';
  reason: string;
  /** The range that decided it, in words ("1.03 ≤ v ≤ 1.04b12 (custom)"); null when none did. */
  matchedRange: string | null;
  /** Where the decision came from: a CNA or ADP `affected` entry, the KEV listing, the description. */
  source: 'cna' | 'adp' | 'kev' | 'description';
  cvss: CvssScore | null;
  kev: { dateAdded: string; knownRansomwareCampaignUse: string; dueDate: string } | null;
  epss: EpssScore | null;
}

interface IndexedEntry {
  affected: AffectedProduct;
  vendorKeys: string[];
  names: ProductName[];
  compiled: CompiledProductVersions;
  label: string;
}

interface IndexedRecord {
  cveId: string;
  entries: IndexedEntry[];
  /** A CVE record was loaded (otherwise only its KEV listing is known). */
  hasRecord: boolean;
  /** Some entry names a model (a product word with a digit), not just a product family or kind. */
  specific: boolean;
  kev: KevEntry | null;
  kevVendor: string | null;
  kevProduct: ProductName | null;
  descriptionWords: string[];
  descriptionWordSet: Set<string>;
  /** genericProduct(kev.product) and the device kinds the entries' product phrases name, precomputed. */
  kevGeneric: { family: string[]; kinds: Set<string> | null } | null;
  cvss: CvssScore | null;
  epss: EpssScore | null;
}

export interface VulnIndex {
  records: IndexedRecord[];
  byVendor: Map<string, number[]>;
  /** Records concerning each distinct vendor/product/model/kind, filled as devices are matched. */
  memo: Map<string, NameMatch[]>;
  caches: Caches;
}

export interface VulnIndexInput {
  records: readonly VulnRecord[];
  kev?: KevCatalog | readonly KevEntry[];
  epss?: EpssTable;
  /** Index only records listed in KEV (the KEV-linked set). */
  kevOnly?: boolean;
}

function entryLabel(a: AffectedProduct): string {
  return `${a.source === 'cna' ? 'CNA' : (a.provider ?? 'ADP')} "${a.rawVendor}" / "${a.rawProduct}"`;
}

function indexEntry(a: AffectedProduct, kevVendor: string | null): IndexedEntry | null {
  const vendorKeys = new Set<string>();
  if (a.vendor !== null) vendorKeys.add(vendorKey(a.vendor));
  const names: ProductName[] = [];
  for (const c of a.cpes) {
    try {
      const cpe = parseCpe(c);
      const v = cpeText(cpe.vendor);
      const p = cpeText(cpe.product);
      if (v) vendorKeys.add(vendorKey(v));
      if (p) names.push(productName(p, v ? vendorKey(v) : null));
    } catch {
      // An unparseable CPE still leaves the entry's vendor and product names to match on.
    }
  }
  if (vendorKeys.size === 0 && kevVendor !== null) vendorKeys.add(kevVendor);
  const primaryVendor = vendorKeys.values().next().value ?? null;
  if (a.product !== null) names.unshift(productName(a.product, primaryVendor));
  if (vendorKeys.size === 0 || names.length === 0) return null;
  return {
    affected: a,
    vendorKeys: [...vendorKeys],
    names,
    compiled: compileProductVersions(a),
    label: entryLabel(a),
  };
}

export function buildVulnIndex(input: VulnIndexInput): VulnIndex {
  const kevList =
    input.kev === undefined ? [] : Array.isArray(input.kev) ? input.kev : (input.kev as KevCatalog).entries;
  const kevById = new Map<string, KevEntry>();
  for (const k of kevList as readonly KevEntry[]) kevById.set(k.cveId, k);
  const seen = new Set<string>();
  const records: IndexedRecord[] = [];
  const add = (cveId: string, rec: VulnRecord | null) => {
    const kev = kevById.get(cveId) ?? null;
    const dw = words(rec?.description ?? '');
    const kevVendor = kev ? vendorKey(kev.vendorProject) : null;
    const entries: IndexedEntry[] = [];
    for (const a of rec?.affected ?? []) {
      const e = indexEntry(a, kevVendor);
      if (e) entries.push(e);
    }
    records.push({
      cveId,
      entries,
      hasRecord: rec !== null,
      specific: entries.some((e) => e.names.some((n) => n.tokens.some((t) => /\d/.test(t)))),
      kev,
      kevVendor,
      kevProduct: kev ? productName(kev.product, kevVendor) : null,
      descriptionWords: dw,
      descriptionWordSet: new Set(dw),
      kevGeneric: kev ? genericWithEntryKinds(kev.product, entries) : null,
      cvss: rec ? pickCvss(rec.metrics) : null,
      epss: input.epss?.scores.get(cveId) ?? null,
    });
  };
  for (const r of input.records) {
    if (r.state !== 'PUBLISHED' || seen.has(r.cveId)) continue;
    if (input.kevOnly && !kevById.has(r.cveId)) continue;
    seen.add(r.cveId);
    add(r.cveId, r);
  }
  // KEV entries without a loaded CVE record still flag devices of the named vendor and product.
  for (const k of kevById.values()) if (!seen.has(k.cveId)) add(k.cveId, null);

  const byVendor = new Map<string, number[]>();
  records.forEach((r, i) => {
    const keys = new Set<string>();
    for (const e of r.entries) for (const v of e.vendorKeys) keys.add(v);
    if (r.kevVendor) keys.add(r.kevVendor);
    for (const k of keys) {
      const list = byVendor.get(k);
      if (list) list.push(i);
      else byVendor.set(k, [i]);
    }
  });
  return {
    records,
    byVendor,
    memo: new Map(),
    caches: { vendor: new Map(), name: new Map(), version: new Map() },
  };
}

// ------------------------------------------------------------------------------------------------

interface PreparedDevice {
  device: AssessedDevice;
  vendor: string;
  names: ProductName[];
  version: PreparedVersion | null;
}

// Fleets repeat the same vendors, models and firmware many times over: normalise each spelling once.
// The caches live on the index, so two indexes (or two tests) never share state.
const CACHE_LIMIT = 50_000;

interface Caches {
  vendor: Map<string, string>;
  name: Map<string, ProductName>;
  version: Map<string, PreparedVersion | null>;
}

function cached<V>(m: Map<string, V>, key: string, make: () => V): V {
  const hit = m.get(key);
  if (hit !== undefined || m.has(key)) return hit as V;
  if (m.size >= CACHE_LIMIT) m.clear();
  const v = make();
  m.set(key, v);
  return v;
}

function prepareDevice(d: AssessedDevice, c: Caches): PreparedDevice {
  const vendor = cached(c.vendor, d.vendor, () => vendorKey(d.vendor));
  const raw = [
    d.product,
    d.model,
    d.model ? `${d.product} ${d.model}` : null,
    ...platformsFor(vendor, d.kind),
  ];
  const names: ProductName[] = [];
  for (const r of raw) if (r) names.push(cached(c.name, `${vendor}\u0000${r}`, () => productName(r, vendor)));
  const fw = d.firmwareVersion;
  const version = fw === null ? null : cached(c.version, fw, () => prepareVersion(fw));
  return { device: d, vendor, names, version };
}

type Verdict = 'affected' | 'unaffected' | 'default_affected' | 'default_unaffected' | 'unknown' | 'review';

interface EntryVerdict {
  verdict: Verdict;
  entry: IndexedEntry;
  range: string | null;
  text: string;
}

function judgeEntry(e: IndexedEntry, dev: PreparedDevice): EntryVerdict {
  const d = decideVersion(e.compiled, dev.version);
  const fw = dev.version?.raw ?? 'unknown';
  let v: EntryVerdict;
  if (d.outcome === 'review')
    v = { verdict: 'review', entry: e, range: d.range, text: `${e.label}: ${d.reason}` };
  else {
    const notes = d.notes.length > 0 ? ` (${d.notes.join('; ')})` : '';
    if (d.by === 'entry')
      v = {
        verdict: d.status === 'unknown' ? 'unknown' : d.status,
        entry: e,
        range: d.range,
        text: `${e.label}: firmware ${fw} is in ${d.range}, status ${d.status}${notes}`,
      };
    else
      v = {
        verdict:
          d.status === 'affected'
            ? 'default_affected'
            : d.status === 'unaffected'
              ? 'default_unaffected'
              : 'unknown',
        entry: e,
        range: null,
        text: `${e.label}: ${d.notes.join('; ')}`,
      };
  }
  // CVE JSON 5 allows "n/a" names, but then the record does not say whose product it is: the match
  // rests on the KEV vendor or a CPE, which a person should confirm.
  if (e.affected.vendor === null && v.verdict !== 'review')
    return { ...v, verdict: 'review', text: `${v.text}; the record's vendor is "${e.affected.rawVendor}"` };
  return v;
}

function finding(
  r: IndexedRecord,
  dev: PreparedDevice,
  status: VulnerabilityFinding['status'],
  reason: string,
  matchedRange: string | null,
  source: VulnerabilityFinding['source'],
): VulnerabilityFinding {
  return {
    cveId: r.cveId,
    deviceId: dev.device.id,
    status,
    reason,
    matchedRange,
    source,
    cvss: r.cvss,
    kev: r.kev
      ? {
          dateAdded: r.kev.dateAdded,
          knownRansomwareCampaignUse: r.kev.knownRansomwareCampaignUse,
          dueDate: r.kev.dueDate,
        }
      : null,
    epss: r.epss,
  };
}

function containsRun(hay: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The record's affected entries that name the device's vendor and product. */
function entriesNaming(r: IndexedRecord, dev: PreparedDevice): IndexedEntry[] {
  const out: IndexedEntry[] = [];
  for (const e of r.entries) {
    if (!e.vendorKeys.includes(dev.vendor)) continue;
    if (!e.names.some((n) => dev.names.some((dn) => productMatches(dn, n)))) continue;
    out.push(e);
  }
  return out;
}

/** Decide from the entries that name the device (depends on its firmware). */
function judgeNamed(
  r: IndexedRecord,
  dev: PreparedDevice,
  named: IndexedEntry[],
): VulnerabilityFinding | null {
  const verdicts: EntryVerdict[] = named.map((e) => judgeEntry(e, dev));
  if (verdicts.length > 0) {
    const by = (k: Verdict) => verdicts.filter((v) => v.verdict === k);
    // A structured range (CNA or ADP) explains the decision better than a reading of free text.
    const affected = by('affected').sort(
      (a, b) =>
        Number(a.range?.includes(FREE_TEXT_READING) ?? false) -
        Number(b.range?.includes(FREE_TEXT_READING) ?? false),
    );
    const unaffected = by('unaffected');
    const reviews = by('review');
    const others = (skip: EntryVerdict) =>
      verdicts
        .filter((v) => v !== skip && v.verdict !== 'default_unaffected')
        .map((v) => v.text)
        .join('; ');
    if (affected.length > 0 && unaffected.length > 0)
      return finding(
        r,
        dev,
        'needs_review',
        `entries disagree: ${affected[0].text}; but ${unaffected[0].text}`,
        affected[0].range,
        affected[0].entry.affected.source,
      );
    if (affected.length > 0) {
      const a = affected[0];
      const also = others(a);
      return finding(
        r,
        dev,
        'affected',
        a.text + (also ? `; also: ${also}` : ''),
        a.range,
        a.entry.affected.source,
      );
    }
    if (reviews.length > 0)
      return finding(
        r,
        dev,
        'needs_review',
        verdicts
          .filter((v) => v.verdict !== 'default_unaffected')
          .map((v) => v.text)
          .join('; '),
        reviews[0].range,
        reviews[0].entry.affected.source,
      );
    if (unaffected.length > 0) return null;
    const defAff = by('default_affected');
    if (defAff.length > 0)
      return finding(r, dev, 'affected', defAff[0].text, null, defAff[0].entry.affected.source);
    if (by('default_unaffected').length > 0) return null;
    const unknown = by('unknown');
    return finding(
      r,
      dev,
      'needs_review',
      `${unknown.map((v) => v.text).join('; ')}: the record does not say whether this firmware is affected`,
      null,
      unknown[0].entry.affected.source,
    );
  }

  return null;
}

interface Fallback {
  reason: string;
  source: VulnerabilityFinding['source'];
}

/**
 * No affected entry names this device; KEV and the description may still tie the record to it.
 * Depends only on vendor, product names and kind, never on firmware.
 */
function fallbackFor(r: IndexedRecord, dev: PreparedDevice): Fallback | null {
  if (r.kevVendor !== dev.vendor || r.kev === null) return null;
  const kevText = `KEV lists ${r.kev.vendorProject} "${r.kev.product}"`;
  // Built only when a finding is made: most candidate records end without one.
  const recordText = () =>
    !r.hasRecord
      ? 'no CVE record is loaded for it'
      : r.entries.length === 0
        ? 'the CVE record gives no usable vendor/product data'
        : `the CVE record's affected entries (${r.entries.map(entrySummary).join('; ')}) do not name this product`;
  if (r.kevProduct && dev.names.some((n) => productMatches(n, r.kevProduct!)))
    return { reason: `${kevText}; ${recordText()}`, source: 'kev' };
  for (const n of dev.names) {
    if (n.tokens.length === 0 || !n.tokens.some((t) => /\d/.test(t))) continue;
    if (r.descriptionWordSet.has(n.compact) || containsRun(r.descriptionWords, n.tokens))
      return {
        reason: `${kevText}; the description mentions "${n.raw}" but ${recordText().replace(/^the CVE record's/, 'its')}`,
        source: 'description',
      };
  }
  if (!r.specific && r.kevGeneric) {
    // Neither KEV nor the record names a model: the record concerns a family or a kind of device.
    const g = r.kevGeneric;
    const familyOk = g.family.every((f) =>
      dev.names.some((n) => n.tokens.includes(f) || n.compact.startsWith(f)),
    );
    if (familyOk && (g.kinds === null || g.kinds.has(dev.device.kind)))
      return {
        reason: `${kevText}; ${recordText()}, and no model is named, so every ${dev.device.kind.replace('_', ' ')} from this vendor${
          g.family.length > 0 ? ` in the ${g.family.join(' ')} line` : ''
        } needs a look`,
        source: 'kev',
      };
  }
  return null;
}

function genericWithEntryKinds(
  kevProduct: string,
  entries: IndexedEntry[],
): { family: string[]; kinds: Set<string> | null } | null {
  const g = genericProduct(kevProduct);
  if (g === null) return null;
  let kinds = g.kinds;
  for (const e of entries) {
    const k = e.affected.product ? kindsNamedBy(e.affected.product) : null;
    if (k && kinds) for (const x of k) kinds.add(x);
  }
  if (kinds !== null && kinds.size === 0) kinds = null;
  return { family: g.family, kinds };
}

function entrySummary(e: IndexedEntry): string {
  const vs = e.affected.versions.map((v) => v.version).join(', ');
  return `${e.label}${vs ? ` versions "${vs.length > 160 ? `${vs.slice(0, 157)}...` : vs}"` : ''}`;
}

interface NameMatch {
  record: IndexedRecord;
  named: IndexedEntry[];
  fallback: Fallback | null;
  /** Decisions by firmware string: the same product at the same firmware decides the same way. */
  byFirmware: Map<string, VulnerabilityFinding | null>;
}
const FIRMWARE_MEMO_LIMIT = 1024;

const MEMO_LIMIT = 100_000;

/**
 * Which records concern a device is decided by vendor, product, model and kind alone, so it is worked
 * out once per distinct product and reused; only the firmware comparison runs per device.
 */
function nameMatches(index: VulnIndex, dev: PreparedDevice): NameMatch[] {
  const d = dev.device;
  const key = `${dev.vendor}\u0000${d.product}\u0000${d.model ?? ''}\u0000${d.kind}`;
  const hit = index.memo.get(key);
  if (hit) return hit;
  const out: NameMatch[] = [];
  for (const i of index.byVendor.get(dev.vendor) ?? []) {
    const r = index.records[i];
    const named = entriesNaming(r, dev);
    if (named.length > 0) out.push({ record: r, named, fallback: null, byFirmware: new Map() });
    else {
      const fb = fallbackFor(r, dev);
      if (fb) out.push({ record: r, named, fallback: fb, byFirmware: new Map() });
    }
  }
  if (index.memo.size >= MEMO_LIMIT) index.memo.clear();
  index.memo.set(key, out);
  return out;
}

/** Findings for one device. Retired devices have none. */
export function matchDevice(index: VulnIndex, device: AssessedDevice): VulnerabilityFinding[] {
  if (device.status === 'retired') return [];
  const dev = prepareDevice(device, index.caches);
  if (!index.byVendor.has(dev.vendor)) return [];
  const out: VulnerabilityFinding[] = [];
  const fwKey = dev.version?.raw ?? '\u0000unknown';
  for (const m of nameMatches(index, dev)) {
    if (m.fallback !== null) {
      out.push(finding(m.record, dev, 'needs_review', m.fallback.reason, null, m.fallback.source));
      continue;
    }
    let f = m.byFirmware.get(fwKey);
    if (f === undefined) {
      f = judgeNamed(m.record, dev, m.named);
      if (m.byFirmware.size >= FIRMWARE_MEMO_LIMIT) m.byFirmware.clear();
      m.byFirmware.set(fwKey, f);
    }
    // A copy per device: the memoised decision must not be changed through a caller's finding.
    if (f) out.push({ ...f, deviceId: device.id });
  }
  return out;
}

export function matchDevices(index: VulnIndex, devices: readonly AssessedDevice[]): VulnerabilityFinding[] {
  const out: VulnerabilityFinding[] = [];
  for (const d of devices) for (const f of matchDevice(index, d)) out.push(f);
  return out;
}
