import { invalid } from '../../../core/errors';
import { compareFirmware, tryParseFirmwareVersion } from './firmware-version';

/**
 * CPE 2.3 names (NISTIR 7695, Naming Specification) and name matching (NISTIR 7696).
 *
 * Values are held as in a well-formed name (WFN, NISTIR 7695 §5): letters, digits and "_" as they
 * are, every other printable character quoted with "\", and an unquoted "*" or "?" is a wildcard
 * (only at the start or end, §5.3.2). ANY and NA are logical values, not strings.
 */
export type CpeValue = { kind: 'any' } | { kind: 'na' } | { kind: 'value'; value: string };

export const CPE_ATTRIBUTES = [
  'part',
  'vendor',
  'product',
  'version',
  'update',
  'edition',
  'language',
  'swEdition',
  'targetSw',
  'targetHw',
  'other',
] as const;
export type CpeAttribute = (typeof CPE_ATTRIBUTES)[number];
export type Cpe = Record<CpeAttribute, CpeValue>;

const ANY: CpeValue = { kind: 'any' };
const NA: CpeValue = { kind: 'na' };
const MAX_LEN = 2048; // CVE JSON 5 schema: cpes items maxLength

function bad(binding: string, input: string, message: string, offset?: number): never {
  throw invalid(`invalid CPE ${binding} "${input.slice(0, 80)}": ${message}`, [
    { field: 'cpe', message, ...(offset !== undefined ? { offset } : {}) },
  ]);
}

const isAlnum = (ch: string) => /^[A-Za-z0-9]$/.test(ch);
// NISTIR 7695 §5.3.2: printable non-alphanumeric characters other than "_" that are quoted in a WFN.
const SPECIAL = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~'.split(''));

/** Wildcards may only open or close a value (NISTIR 7695 §5.3.2, rule on "*" and "?"). */
function checkWildcards(v: string, binding: string, input: string): void {
  // Strip leading "?"s or one "*", trailing likewise; nothing unquoted may remain inside.
  let body = v;
  body = body.replace(/^(\*|\?+)/, '');
  // Trailing wildcard only when it is not quoted.
  const trail = /(\*|\?+)$/.exec(body);
  if (trail) {
    let slashes = 0;
    for (let k = trail.index - 1; k >= 0 && body[k] === '\\'; k--) slashes++;
    if (slashes % 2 === 0) body = body.slice(0, trail.index);
  }
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      i++;
      continue;
    }
    if (body[i] === '*' || body[i] === '?') bad(binding, input, 'wildcard inside a value');
  }
  if (v === '*' || /^\?+$/.test(v)) return;
  if (body === '' && v !== '') bad(binding, input, 'a value may not be only wildcards');
}

function checkPart(p: CpeValue, binding: string, input: string): void {
  if (p.kind === 'value' && !['a', 'o', 'h'].includes(p.value))
    bad(binding, input, `part must be a, o or h, not "${p.value}"`);
}

// ------------------------------------------------------------------------------------------------
// Formatted string binding: cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:
// target_sw:target_hw:other (NISTIR 7695 §6.2).

function splitFs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      if (i + 1 >= s.length) bad('formatted string', s, 'ends in a lone "\\"', i);
      cur += ch + s[i + 1];
      i++;
    } else if (ch === ':') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unbindFsValue(s: string, input: string): CpeValue {
  if (s === '*') return ANY;
  if (s === '-') return NA;
  if (s === '') bad('formatted string', input, 'empty component (use * or -)');
  let v = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      const next = s[i + 1];
      if (!SPECIAL.has(next))
        bad('formatted string', input, `"\\${next}" quotes a character that needs no quoting`);
      v += `\\${next}`;
      i++;
    } else if (ch === '.' || ch === '-')
      v += `\\${ch}`; // §6.2.3: "." and "-" are quoted in the WFN
    else if (isAlnum(ch) || ch === '_' || ch === '*' || ch === '?') v += ch;
    else bad('formatted string', input, `character "${ch}" must be quoted`);
  }
  checkWildcards(v, 'formatted string', input);
  return { kind: 'value', value: v };
}

export function parseCpe23(input: string): Cpe {
  if (typeof input !== 'string') bad('formatted string', String(input), 'not a string');
  if (input.length > MAX_LEN) bad('formatted string', input, `longer than ${MAX_LEN}`);
  if (!input.startsWith('cpe:2.3:')) bad('formatted string', input, 'does not start with "cpe:2.3:"', 0);
  const fields = splitFs(input);
  if (fields.length !== 13) bad('formatted string', input, `has ${fields.length - 2} components, not 11`);
  const cpe = {} as Cpe;
  CPE_ATTRIBUTES.forEach((a, i) => {
    cpe[a] = unbindFsValue(fields[i + 2], input);
  });
  checkPart(cpe.part, 'formatted string', input);
  return cpe;
}

function bindFsValue(v: CpeValue): string {
  if (v.kind === 'any') return '*';
  if (v.kind === 'na') return '-';
  // A value that is just "-" stays quoted, or it would read back as NA.
  if (v.value === '\\-') return '\\-';
  let out = '';
  for (let i = 0; i < v.value.length; i++) {
    const ch = v.value[i];
    if (ch === '\\') {
      const next = v.value[i + 1];
      out += next === '.' || next === '-' ? next : `\\${next}`;
      i++;
    } else out += ch;
  }
  return out;
}

export function formatCpe23(cpe: Cpe): string {
  return `cpe:2.3:${CPE_ATTRIBUTES.map((a) => bindFsValue(cpe[a])).join(':')}`;
}

// ------------------------------------------------------------------------------------------------
// URI binding (CPE 2.2 style): cpe:/part:vendor:product:version:update:edition:language, with
// %-encoding and the five extended attributes packed into edition as ~ed~sw~tsw~thw~other
// (NISTIR 7695 §6.1).

function unbindUriValue(s: string, input: string): CpeValue {
  if (s === '') return ANY;
  if (s === '-') return NA;
  let v = '';
  const lower = s.toLowerCase(); // §6.1.3.2: the URI binding is case-insensitive
  for (let i = 0; i < lower.length; i++) {
    const ch = lower[i];
    if (ch === '%') {
      const hex = lower.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) bad('URI', input, `bad percent-encoding "%${hex}"`, i);
      i += 2;
      if (hex === '01') v += '?';
      else if (hex === '02') v += '*';
      else {
        const c = String.fromCharCode(Number.parseInt(hex, 16));
        if (!SPECIAL.has(c)) bad('URI', input, `"%${hex}" does not encode a special character`, i - 2);
        v += `\\${c}`;
      }
    } else if (ch === '.' || ch === '-' || ch === '~') v += `\\${ch}`;
    else if (isAlnum(ch) || ch === '_') v += ch;
    else bad('URI', input, `character "${ch}" must be percent-encoded`, i);
  }
  checkWildcards(v, 'URI', input);
  // A lone "%02" says "any value": the same as an empty component.
  if (v === '*') return ANY;
  return { kind: 'value', value: v };
}

export function parseCpeUri(input: string): Cpe {
  if (typeof input !== 'string') bad('URI', String(input), 'not a string');
  if (input.length > MAX_LEN) bad('URI', input, `longer than ${MAX_LEN}`);
  if (!/^cpe:\//i.test(input)) bad('URI', input, 'does not start with "cpe:/"', 0);
  const fields = input.slice(5).split(':');
  if (fields.length > 7) bad('URI', input, `has ${fields.length} components, at most 7`);
  const get = (i: number) => fields[i] ?? '';
  const cpe: Cpe = {
    part: unbindUriValue(get(0), input),
    vendor: unbindUriValue(get(1), input),
    product: unbindUriValue(get(2), input),
    version: unbindUriValue(get(3), input),
    update: unbindUriValue(get(4), input),
    edition: ANY,
    language: unbindUriValue(get(6), input),
    swEdition: ANY,
    targetSw: ANY,
    targetHw: ANY,
    other: ANY,
  };
  const ed = get(5);
  if (ed.startsWith('~')) {
    const packed = ed.split('~');
    if (packed.length !== 6) bad('URI', input, 'packed edition must have five "~"-separated parts');
    cpe.edition = unbindUriValue(packed[1], input);
    cpe.swEdition = unbindUriValue(packed[2], input);
    cpe.targetSw = unbindUriValue(packed[3], input);
    cpe.targetHw = unbindUriValue(packed[4], input);
    cpe.other = unbindUriValue(packed[5], input);
  } else cpe.edition = unbindUriValue(ed, input);
  checkPart(cpe.part, 'URI', input);
  return cpe;
}

function bindUriValue(v: CpeValue): string {
  if (v.kind === 'any') return '';
  if (v.kind === 'na') return '-';
  if (v.value === '\\-') return '%2d';
  let out = '';
  for (let i = 0; i < v.value.length; i++) {
    const ch = v.value[i];
    if (ch === '\\') {
      const next = v.value[i + 1];
      out += next === '.' || next === '-' ? next : `%${next.charCodeAt(0).toString(16).padStart(2, '0')}`;
      i++;
    } else if (ch === '?') out += '%01';
    else if (ch === '*') out += '%02';
    else out += ch.toLowerCase();
  }
  return out;
}

export function formatCpeUri(cpe: Cpe): string {
  const extended = [cpe.swEdition, cpe.targetSw, cpe.targetHw, cpe.other];
  const edition = extended.every((v) => v.kind === 'any')
    ? bindUriValue(cpe.edition)
    : `~${[cpe.edition, ...extended].map(bindUriValue).join('~')}`;
  const parts = [cpe.part, cpe.vendor, cpe.product, cpe.version, cpe.update].map(bindUriValue);
  parts.push(edition, bindUriValue(cpe.language));
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return `cpe:/${parts.join(':')}`;
}

/** Either binding, chosen by prefix. */
export function parseCpe(input: string): Cpe {
  if (typeof input === 'string' && input.startsWith('cpe:2.3:')) return parseCpe23(input);
  if (typeof input === 'string' && /^cpe:\//i.test(input)) return parseCpeUri(input);
  return bad('name', String(input), 'neither "cpe:2.3:" nor "cpe:/"', 0);
}

/** The logical text of a value without WFN quoting ("dir\-645" -> "dir-645"); null for ANY/NA. */
export function cpeText(v: CpeValue): string | null {
  return v.kind === 'value' ? v.value.replace(/\\(.)/g, '$1') : null;
}

// ------------------------------------------------------------------------------------------------
// Name matching (NISTIR 7696 §6): the source (a record's CPE) matches the target (a device's CPE)
// when every attribute of the source is a superset of, or equal to, the target's.

function hasWildcard(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\') i++;
    else if (v[i] === '*' || v[i] === '?') return true;
  }
  return false;
}

function wildcardToRegExp(v: string): RegExp {
  let re = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '\\') {
      re += `\\${v[i + 1]}`.replace(/^\\([A-Za-z0-9_])$/, '$1');
      i++;
    } else if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

export function cpeAttributeMatches(source: CpeValue, target: CpeValue): boolean {
  if (source.kind === 'any') return true;
  if (source.kind === 'na') return target.kind === 'na';
  if (target.kind !== 'value') return false; // target ANY is a superset; NA is disjoint
  if (hasWildcard(target.value)) return false; // undefined relation (NISTIR 7696 Table 6-2)
  if (!hasWildcard(source.value)) return source.value.toLowerCase() === target.value.toLowerCase();
  return wildcardToRegExp(source.value).test(target.value);
}

export function cpeMatches(source: Cpe, target: Cpe): boolean {
  return CPE_ATTRIBUTES.every((a) => cpeAttributeMatches(source[a], target[a]));
}

/**
 * An NVD-style applicability criterion: a CPE with an optional version range. NVD and CISA
 * vulnrichment use versionStart/End{Including,Excluding}; CVE JSON 5 ADP containers carry the same
 * information as `cpes` plus `versions[]` (converted with `criteriaFromCveRange`).
 */
export interface CpeRangeCriterion {
  criteria: string;
  vulnerable?: boolean;
  versionStartIncluding?: string;
  versionStartExcluding?: string;
  versionEndIncluding?: string;
  versionEndExcluding?: string;
}

export type CpeRangeResult = { outcome: 'match' | 'no_match' } | { outcome: 'review'; reason: string };

export function matchCpeRange(criterion: CpeRangeCriterion, target: Cpe): CpeRangeResult {
  const source = parseCpe(criterion.criteria);
  const { version: _v, ...rest } = source;
  const withoutVersion = { ...rest, version: ANY } as Cpe;
  if (!cpeMatches(withoutVersion, target)) return { outcome: 'no_match' };
  const hasRange =
    criterion.versionStartIncluding !== undefined ||
    criterion.versionStartExcluding !== undefined ||
    criterion.versionEndIncluding !== undefined ||
    criterion.versionEndExcluding !== undefined;
  if (!hasRange)
    return { outcome: cpeAttributeMatches(source.version, target.version) ? 'match' : 'no_match' };
  const tv = cpeText(target.version);
  if (tv === null) return { outcome: 'review', reason: 'device CPE has no version' };
  const dv = tryParseFirmwareVersion(tv);
  if (!dv) return { outcome: 'review', reason: `device version "${tv}" is not a version` };
  const checks: [string | undefined, (c: number) => boolean][] = [
    [criterion.versionStartIncluding, (c) => c >= 0],
    [criterion.versionStartExcluding, (c) => c > 0],
    [criterion.versionEndIncluding, (c) => c <= 0],
    [criterion.versionEndExcluding, (c) => c < 0],
  ];
  for (const [bound, ok] of checks) {
    if (bound === undefined) continue;
    const bv = tryParseFirmwareVersion(bound);
    if (!bv) return { outcome: 'review', reason: `range bound "${bound}" is not a version` };
    const c = compareFirmware(dv, bv);
    if (c === null) return { outcome: 'review', reason: `"${tv}" cannot be ordered against "${bound}"` };
    if (!ok(c)) return { outcome: 'no_match' };
  }
  return { outcome: 'match' };
}
