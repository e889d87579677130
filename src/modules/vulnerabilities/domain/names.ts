import aliasData from '../data/aliases.json';
import type { DeviceKind } from './device';

/**
 * Vendor and product name normalisation. The alias table is data (../data/aliases.json); this file
 * only knows how to fold spellings: NFKD without marks, lower case, "&" as "and", trailing corporate
 * suffixes dropped ("Inc.", "Co., Ltd."), then every non-alphanumeric removed.
 */

interface AliasData {
  corporateSuffixes: string[];
  vendors: Record<string, string[]>;
  products: Record<string, Record<string, string[]>>;
  platforms: Record<string, Record<string, string[] | string>>;
  kinds: Record<string, string[] | string>;
}
const data = aliasData as unknown as AliasData;
const SUFFIXES = new Set(data.corporateSuffixes);

/** Lower-case alphanumeric words of a name, accents folded. */
export function words(s: string): string[] {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

function compactVendor(s: string): string {
  const w = words(s);
  while (w.length > 1 && SUFFIXES.has(w[w.length - 1])) w.pop();
  return w.join('');
}

const vendorAlias = new Map<string, string>();
for (const [key, names] of Object.entries(data.vendors)) {
  vendorAlias.set(key, key);
  for (const n of names) vendorAlias.set(compactVendor(n), key);
}
const productAlias = new Map<string, Map<string, string>>();
for (const [vendor, products] of Object.entries(data.products)) {
  const m = new Map<string, string>();
  for (const [key, names] of Object.entries(products)) {
    m.set(key, key);
    for (const n of names) m.set(words(n).join(''), key);
  }
  productAlias.set(vendor, m);
}

/** The canonical vendor key ("TP-LINK", "tp-link", "TP-Link Technologies Co., Ltd." -> "tplink"). */
export function vendorKey(name: string): string {
  const c = compactVendor(name);
  return vendorAlias.get(c) ?? c;
}

/** Every spelling known for a vendor key, compacted (used to strip a vendor name off a product). */
function vendorSpellings(key: string): string[] {
  const out = new Set([key]);
  for (const n of data.vendors[key] ?? []) {
    out.add(words(n).join(''));
    out.add(compactVendor(n));
  }
  return [...out].sort((a, b) => b.length - a.length);
}
const spellingsCache = new Map<string, string[]>();

// Words that say what a thing is rather than which one it is.
const GENERIC = new Set([
  'firmware',
  'fw',
  'series',
  'software',
  'hardware',
  'device',
  'devices',
  'model',
  'models',
  'product',
  'products',
  'the',
  'multiple',
  'router',
  'routers',
  'camera',
  'cameras',
  'system',
  'systems',
  'and',
  'some',
  'other',
]);

export interface ProductName {
  raw: string;
  /** Distinguishing words, vendor name and generic words removed. */
  tokens: string[];
  /** tokens joined, or the alias key when the alias table knows the product. */
  compact: string;
  /** The name says "series": it covers every model whose compact name starts with it. */
  series: boolean;
}

/** Normalise a product name for matching; `vendor` is the vendor key whose name may prefix it. */
export function productName(raw: string, vendor: string | null): ProductName {
  let w = words(raw);
  const series = w.includes('series');
  if (vendor !== null) {
    let sp = spellingsCache.get(vendor);
    if (!sp) {
      sp = vendorSpellings(vendor);
      spellingsCache.set(vendor, sp);
    }
    // Drop a leading vendor name, however many words it spans ("tp link archer" -> "archer").
    for (const s of sp) {
      let acc = '';
      let k = 0;
      while (k < w.length && acc.length < s.length) acc += w[k++];
      if (acc === s) {
        w = w.slice(k);
        break;
      }
    }
  }
  const tokens = w.filter((t) => !GENERIC.has(t));
  const joined = tokens.join('');
  const alias = vendor !== null ? productAlias.get(vendor)?.get(joined) : undefined;
  return { raw, tokens, compact: alias ?? joined, series };
}

function containsRun(hay: string[], needle: string[]): boolean {
  if (needle.length === 0 || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const hasDigit = (t: string) => /[0-9]/.test(t);

/**
 * Does a device's product name denote the record's product? Equal compact names; a "series" name
 * whose compact form prefixes the device's; or one name's words appearing, in order, inside the other
 * when the shorter one carries a model number (so "Archer AX21" matches "TP-Link Archer AX21 (AX1800)"
 * but a bare "Archer" does not match every Archer).
 */
export function productMatches(device: ProductName, record: ProductName): boolean {
  if (device.compact === '' || record.compact === '') return false;
  if (device.compact === record.compact) return true;
  if (record.series && record.compact.length >= 3) {
    // "UCM6200 Series" covers UCM6202 and UCM6208: trailing zeros of a series number are a pattern.
    const stem = /\d0+$/.test(record.compact) ? record.compact.replace(/0+$/, '') : record.compact;
    if (device.compact.startsWith(stem)) return true;
  }
  const [short, long] = device.tokens.length <= record.tokens.length ? [device, record] : [record, device];
  if (!short.tokens.some(hasDigit)) return false;
  return containsRun(long.tokens, short.tokens);
}

/** Platform products (an OS or SDK) the vendor ships on devices of this kind. */
export function platformsFor(vendor: string, kind: DeviceKind): string[] {
  const p = data.platforms[vendor];
  if (!p) return [];
  const out: string[] = [];
  for (const [product, kinds] of Object.entries(p))
    if (Array.isArray(kinds) && kinds.includes(kind)) out.push(product);
  return out;
}

/** Device kinds a generic product phrase ("Multiple Routers", "Security cameras") concerns; null = any. */
export function kindsNamedBy(phrase: string): Set<string> | null {
  const w = words(phrase);
  const out = new Set<string>();
  for (const t of w) {
    const k = data.kinds[t];
    if (Array.isArray(k)) for (const x of k) out.add(x);
  }
  return out.size === 0 ? null : out;
}

// Words that describe a kind of product rather than name a product line.
const DESCRIPTIVE = new Set([
  ...GENERIC,
  'security',
  'web',
  'server',
  'network',
  'attached',
  'storage',
  'ip',
  'video',
  'intercom',
  'dome',
  'thermal',
  'ptz',
  'nas',
  'sdk',
  'interface',
  'management',
  'stack',
  'tcp',
  'home',
  'gigabit',
  'passive',
  'optical',
  'gpon',
  'dsl',
  'cpe',
  'nvr',
  'dvr',
  'xvr',
  'recorder',
  'recorders',
  'firewall',
  'firewalls',
  'gateway',
  'gateways',
  'vpn',
  'printer',
  'printers',
  'switch',
  'switches',
  'plc',
  'hmi',
]);

/**
 * A product phrase that names no model ("Multiple Routers", "Security cameras web server",
 * "Multiple Vigor Routers"): null when it does name one (a word with a digit). Otherwise the family
 * words it keeps ("vigor") and the device kinds it speaks of (null = any kind).
 */
export function genericProduct(phrase: string): { family: string[]; kinds: Set<string> | null } | null {
  const w = words(phrase);
  if (w.some(hasDigit)) return null;
  return { family: w.filter((t) => !DESCRIPTIVE.has(t)), kinds: kindsNamedBy(phrase) };
}
