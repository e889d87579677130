import { invalid } from '../../../core/errors';

/**
 * Vendor firmware versions as they appear on devices and in advisories: "V5.5.0 build 170725",
 * "1.14 Build 20230219", "2.0.8-rc1", "R7000-V1.0.11.134", "V5.21(AAZF.7)C0", "1.04b12", "20240403".
 *
 * There is no standard for these (CVE JSON 5 calls them versionType "custom"), so the ordering below is
 * a documented convention, chosen to agree with how the vendors in the KEV catalogue number releases:
 *  - the dotted release numbers compare numerically, missing parts count as 0 (1.0 == 1.0.0);
 *  - a Zyxel family code "(AAZF.7)" adds its patch number to the release and must match to compare;
 *  - qualifiers after the release: dev < alpha < beta < rc < (plain release) < build/patch/letter;
 *    "b12" glued to digits is a build number (D-Link "1.04b12" ships after "1.04"), but "beta"/"-b2"
 *    after a hyphen or a Zyxel ")" is a pre-release;
 *  - an 8-digit date or YYYY-MM-DD on its own is a date version: it only compares with other dates;
 *  - a model prefix ("R7000-") must match to compare: different prefixes are different products.
 */
export interface FirmwareVersion {
  raw: string;
  kind: 'numeric' | 'date';
  /** Model or product prefix in front of the version, lower-cased ("r7000"); null when none. */
  prefix: string | null;
  /** Release numbers with trailing zeros removed (so 1.0 and 1.0.0 are the same release). */
  release: number[];
  /** Zyxel-style firmware family code ("AAZF"), upper-case; null when none. */
  family: string | null;
  qualifiers: Qualifier[];
  /** Tokens the parser did not understand; they order last, as text, so nothing is silently dropped. */
  extra: string[];
}

export interface Qualifier {
  /** dev -4, alpha -3, beta -2, rc -1, release 0, post (build, patch, letter revision) 1. */
  rank: number;
  n: number;
  label: string;
}

const MAX_LEN = 200;
const PREFIX_NOISE = /^(?:version|ver|firmware|fw|release|rel|v)$/i;
const PRE_WORDS: Record<string, number> = {
  dev: -4,
  snapshot: -4,
  nightly: -4,
  alpha: -3,
  beta: -2,
  rc: -1,
  pre: -1,
  preview: -1,
};
const POST_WORDS = new Set([
  'build',
  'bld',
  'b',
  'patch',
  'p',
  'sp',
  'hotfix',
  'hf',
  'fix',
  'r',
  'rev',
  'update',
  'u',
]);

/** Internal failure signal: building an AppError (with its stack) per rejected string is too slow. */
class Rejected {
  constructor(
    readonly raw: string,
    readonly message: string,
  ) {}
}

function fail(raw: string, message: string): never {
  throw new Rejected(raw, message);
}

function isDate(y: number, m: number, d: number): boolean {
  return y >= 1990 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

function trimZeros(parts: number[]): number[] {
  let end = parts.length;
  while (end > 1 && parts[end - 1] === 0) end--;
  return end === parts.length ? parts : parts.slice(0, end);
}

function toInt(s: string): number {
  // Digits only; very long runs are clamped so comparisons stay exact in float64.
  return s.length > 15 ? Number(s.slice(0, 15)) : Number(s);
}

/** Parse a vendor firmware version. Throws AppError('invalid') and nothing else. */
export function parseFirmwareVersion(input: string): FirmwareVersion {
  const r = parseOrReject(input);
  if (r instanceof Rejected)
    throw invalid(`invalid firmware version "${r.raw.slice(0, 60)}": ${r.message}`, [
      { field: 'version', message: r.message },
    ]);
  return r;
}

/** parseFirmwareVersion, or null instead of throwing. */
export function tryParseFirmwareVersion(input: string): FirmwareVersion | null {
  const r = parseOrReject(input);
  return r instanceof Rejected ? null : r;
}

function parseOrReject(input: string): FirmwareVersion | Rejected {
  try {
    return parseUnchecked(input);
  } catch (e) {
    if (e instanceof Rejected) return e;
    throw e;
  }
}

function parseUnchecked(input: string): FirmwareVersion {
  if (typeof input !== 'string') fail(String(input), 'not a string');
  const raw = input.trim();
  if (raw === '') fail(input, 'empty');
  if (raw.length > MAX_LEN) fail(raw, `longer than ${MAX_LEN} characters`);
  if (!/[0-9]/.test(raw)) fail(raw, 'contains no number');

  const dm = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(raw);
  if (dm && isDate(Number(dm[1]), Number(dm[2]), Number(dm[3]))) {
    return {
      raw,
      kind: 'date',
      prefix: null,
      release: [Number(dm[1]) * 10000 + Number(dm[2]) * 100 + Number(dm[3])],
      family: null,
      qualifiers: [],
      extra: [],
    };
  }

  // The release core is the first dotted number; failing that, the first number. A "v"/"V" glued in
  // front belongs to the version, not the model prefix ("R7000-V1.0.11.134").
  const dotted = /(?:^|[^A-Za-z0-9])[vV]?(\d+(?:\.\d+)+)|^[vV]?(\d+(?:\.\d+)+)|[vV](\d+(?:\.\d+)+)/.exec(raw);
  let coreStart: number;
  let coreText: string;
  if (dotted) {
    coreText = dotted[1] ?? dotted[2] ?? dotted[3];
    coreStart = dotted.index + dotted[0].length - coreText.length;
  } else {
    const single = /\d+/.exec(raw)!;
    coreText = single[0];
    coreStart = single.index;
  }
  let prefixText = raw.slice(0, coreStart).replace(/[vV]$/, '');
  prefixText = prefixText.replace(/[\s_\-.:/]+$/, '').replace(/^[\s_\-.:/]+/, '');
  // "FW112b04" style: the prefix ends in letters glued to the number; keep them as the prefix.
  const prefixWords = prefixText.split(/[\s_\-.:/]+/).filter((w) => w !== '' && !PREFIX_NOISE.test(w));
  const prefix = prefixWords.length > 0 ? prefixWords.join('-').toLowerCase() : null;

  const release = coreText.split('.').map(toInt);
  let rest = raw.slice(coreStart + coreText.length);
  let family: string | null = null;
  const qualifiers: Qualifier[] = [];
  const extra: string[] = [];

  const fam = /^\s*\(([A-Za-z]{2,8})\.(\d+)\)/.exec(rest);
  let afterParen = false;
  if (fam) {
    family = fam[1].toUpperCase();
    release.push(toInt(fam[2]));
    rest = rest.slice(fam[0].length);
    afterParen = true;
  }

  // Tokenise the rest: split on separators, then split letter/digit runs ("rc1" -> rc, 1).
  let i = 0;
  let first = true;
  while (i < rest.length) {
    // Anything that is not a letter or digit separates tokens.
    const sep = /^[^A-Za-z0-9]+/.exec(rest.slice(i));
    let hadSep = false;
    if (sep) {
      i += sep[0].length;
      hadSep = true;
      if (i >= rest.length) break;
    }
    const tok = /^([A-Za-z]+)?(\d+)?/.exec(rest.slice(i))!;
    i += tok[0].length;
    const word = tok[1]?.toLowerCase();
    let num = tok[2] !== undefined ? toInt(tok[2]) : undefined;
    if (word !== undefined && num === undefined) {
      // "Build 20230219", "Patch 1": the number may follow after a separator.
      const next = /^[\s._-]*(\d+)/.exec(rest.slice(i));
      if (next && (POST_WORDS.has(word) || word in PRE_WORDS)) {
        num = toInt(next[1]);
        i += next[0].length;
      }
    }
    if (word === undefined) {
      // A bare number after the release (e.g. a date stamp "C0_20170615", "170725"): a build number.
      qualifiers.push({ rank: 1, n: num!, label: 'build' });
    } else if (word in PRE_WORDS) {
      qualifiers.push({ rank: PRE_WORDS[word], n: num ?? 0, label: word });
    } else if (word === 'b' && (afterParen || (hadSep && first && rest[i - tok[0].length - 1] === '-'))) {
      qualifiers.push({ rank: -2, n: num ?? 0, label: 'beta' });
    } else if (POST_WORDS.has(word)) {
      qualifiers.push({ rank: 1, n: num ?? 0, label: word === 'b' || word === 'bld' ? 'build' : word });
    } else if (word.length === 1 && num !== undefined) {
      // Zyxel "C0" release stage, "A1" hardware-revision style tags: same rank as a release.
      qualifiers.push({ rank: 0, n: num, label: word });
    } else if (word.length === 1) {
      // A trailing letter revision ("3.4.14B") ships after the plain release.
      qualifiers.push({ rank: 1, n: word.charCodeAt(0) - 96, label: 'rev' });
    } else {
      extra.push(num === undefined ? word : `${word}${num}`);
    }
    first = false;
  }

  return {
    raw,
    kind: 'numeric',
    prefix,
    // A family patch number is positional, so only plain releases drop trailing zeros.
    release: family === null ? trimZeros(release) : release,
    family,
    qualifiers,
    extra,
  };
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order two firmware versions: -1, 0, 1, or null when they cannot be compared (a date against a
 * numbered release, different Zyxel families, different model prefixes).
 */
export function compareFirmware(a: FirmwareVersion, b: FirmwareVersion): number | null {
  if (a.kind !== b.kind) return null;
  if (a.family !== null && b.family !== null && a.family !== b.family) return null;
  if (a.prefix !== null && b.prefix !== null && a.prefix !== b.prefix) return null;
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const c = cmpNum(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c !== 0) return c;
  }
  const q = Math.max(a.qualifiers.length, b.qualifiers.length);
  for (let i = 0; i < q; i++) {
    const qa = a.qualifiers[i];
    const qb = b.qualifiers[i];
    const c = cmpNum(qa?.rank ?? 0, qb?.rank ?? 0) || cmpNum(qa?.n ?? 0, qb?.n ?? 0);
    if (c !== 0) return c;
  }
  const e = Math.max(a.extra.length, b.extra.length);
  for (let i = 0; i < e; i++) {
    const xa = a.extra[i] ?? '';
    const xb = b.extra[i] ?? '';
    if (xa !== xb) return xa < xb ? -1 : 1;
  }
  return 0;
}

/** A canonical spelling: parseFirmwareVersion(formatFirmwareVersion(v)) compares equal to v. */
export function formatFirmwareVersion(v: FirmwareVersion): string {
  if (v.kind === 'date') {
    const d = String(v.release[0]);
    return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  }
  const rel = v.family !== null ? v.release.slice(0, -1) : v.release.slice();
  // Pad a plain release so it reads as dotted; a family release is positional and stays as it is.
  while (v.family === null && rel.length < 2) rel.push(0);
  let s = (v.prefix !== null ? `${v.prefix}-` : '') + rel.join('.');
  if (v.family !== null) s += `(${v.family}.${v.release[v.release.length - 1] ?? 0})`;
  for (const q of v.qualifiers) {
    if (q.rank === 0) s += ` ${q.label}${q.n}`;
    else if (q.rank === 1) s += q.label === 'rev' ? ` rev${q.n}` : ` ${q.label} ${q.n}`;
    else s += ` ${q.label}${q.n}`;
  }
  for (const x of v.extra) s += /^[a-z0-9]+$/i.test(x) ? ` ${x}` : '';
  return s;
}
