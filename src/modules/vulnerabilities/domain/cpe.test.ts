import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/errors';
import {
  CPE_ATTRIBUTES,
  type Cpe,
  type CpeValue,
  cpeMatches,
  cpeText,
  formatCpe23,
  formatCpeUri,
  matchCpeRange,
  parseCpe,
  parseCpe23,
  parseCpeUri,
} from './cpe';

describe('CPE 2.3 formatted string binding (NISTIR 7695 §6.2)', () => {
  it('parses the CISA enrichment CPEs', () => {
    const c = parseCpe23('cpe:2.3:o:dlink:dir-645_firmware:1.03:*:*:*:*:*:*:*');
    expect(c.part).toEqual({ kind: 'value', value: 'o' });
    expect(cpeText(c.vendor)).toBe('dlink');
    expect(c.product).toEqual({ kind: 'value', value: 'dir\\-645_firmware' });
    expect(cpeText(c.version)).toBe('1.03');
    expect(c.update).toEqual({ kind: 'any' });
    expect(parseCpe23('cpe:2.3:h:asus:rt-ax55:-:*:*:*:*:*:*:*').version).toEqual({ kind: 'na' });
  });

  it('keeps backslash-quoted specials and binds them back', () => {
    const s = 'cpe:2.3:a:foo\\!bar:big\\$money_2010:*:*:*:*:*:*:*:*';
    const c = parseCpe23(s);
    expect(cpeText(c.vendor)).toBe('foo!bar');
    expect(formatCpe23(c)).toBe(s);
  });

  it('rejects malformed names with AppError invalid naming the field', () => {
    for (const bad of [
      'cpe:2.3:a:vendor',
      'cpe:2.3:x:vendor:product:*:*:*:*:*:*:*:*',
      'cpe:2.3:a:ven dor:product:*:*:*:*:*:*:*:*',
      'cpe:2.3:a:vendor:pro*duct:*:*:*:*:*:*:*:*',
      'cpe:2.3:a:vendor::*:*:*:*:*:*:*:*',
      'cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:\\',
      'cpe:/a:vendor:product:1.0:update:edition:en:extra',
    ]) {
      try {
        parseCpe(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).details[0].field).toBe('cpe');
      }
    }
  });
});

describe('CPE URI binding (NISTIR 7695 §6.1)', () => {
  it('decodes %-encoding and packed editions', () => {
    const c = parseCpeUri('cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~');
    expect(cpeText(c.product)).toBe('insight_diagnostics');
    expect(c.edition).toEqual({ kind: 'any' });
    expect(cpeText(c.swEdition)).toBe('online');
    expect(cpeText(c.targetSw)).toBe('win2003');
    expect(cpeText(c.targetHw)).toBe('x64');
    const d = parseCpeUri('cpe:/a:foo%21bar:big%24money');
    expect(cpeText(d.vendor)).toBe('foo!bar');
    expect(formatCpeUri(d)).toBe('cpe:/a:foo%21bar:big%24money');
  });

  it('agrees with the formatted string binding', () => {
    const fs = parseCpe23('cpe:2.3:o:zyxel:usg_flex_100w_firmware:5.20:*:*:*:*:*:*:*');
    const uri = parseCpeUri(formatCpeUri(fs));
    expect(uri).toEqual(fs);
  });
});

describe('CPE name matching (NISTIR 7696)', () => {
  const target = parseCpe23('cpe:2.3:o:zyxel:atp100_firmware:5.20:*:*:*:*:*:*:*');
  it('ANY is a superset, values compare case-insensitively, wildcards match', () => {
    expect(cpeMatches(parseCpe23('cpe:2.3:o:zyxel:atp100_firmware:*:*:*:*:*:*:*:*'), target)).toBe(true);
    expect(cpeMatches(parseCpe23('cpe:2.3:o:ZyXEL:ATP100_firmware:*:*:*:*:*:*:*:*'), target)).toBe(true);
    expect(cpeMatches(parseCpe23('cpe:2.3:o:zyxel:atp*:*:*:*:*:*:*:*:*'), target)).toBe(true);
    expect(cpeMatches(parseCpe23('cpe:2.3:o:zyxel:atp800_firmware:-:*:*:*:*:*:*:*'), target)).toBe(false);
    expect(cpeMatches(parseCpe23('cpe:2.3:o:zyxel:atp100_firmware:-:*:*:*:*:*:*:*'), target)).toBe(false);
  });

  it('applies NVD-style version ranges', () => {
    const crit = {
      criteria: 'cpe:2.3:o:zyxel:atp100_firmware:*:*:*:*:*:*:*:*',
      versionStartIncluding: '5.00',
      versionEndIncluding: '5.38',
    };
    expect(matchCpeRange(crit, target).outcome).toBe('match');
    const newer = parseCpe23('cpe:2.3:o:zyxel:atp100_firmware:5.39:*:*:*:*:*:*:*');
    expect(matchCpeRange(crit, newer).outcome).toBe('no_match');
    const excl = { ...crit, versionEndIncluding: undefined, versionEndExcluding: '5.20' };
    expect(matchCpeRange(excl, target).outcome).toBe('no_match');
    const noVersion = parseCpe23('cpe:2.3:o:zyxel:atp100_firmware:*:*:*:*:*:*:*:*');
    expect(matchCpeRange(crit, noVersion)).toMatchObject({ outcome: 'review' });
  });
});

// ------------------------------------------------------------------------------------------------
// Fuzz: the parser throws only AppError invalid; random WFNs round-trip through both bindings.

const REAL = [
  'cpe:2.3:h:dlink:dir-645:*:*:*:*:*:*:*:*',
  'cpe:2.3:o:dlink:dir820la1_firmware:105b03:*:*:*:*:*:*:*',
  'cpe:2.3:a:ptzoptics:pt30x-sdi.ndi-xx:*:*:*:*:*:*:*:*',
  'cpe:2.3:o:geovision:gvlx_4_v2_firmware:*:*:*:*:*:*:*:*',
  'cpe:2.3:a:foo\\!bar:big\\$money_2010:*:*:*:*:*:*:*:*',
  'cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~',
  'cpe:/o:zyxel:atp100_firmware:5.20',
];
const CHARS = 'abcz019_-.:*?\\%~!$/ ~';

function randomValue(int: (lo: number, hi: number) => number, lower: boolean): CpeValue {
  const k = int(0, 9);
  if (k === 0) return { kind: 'any' };
  if (k === 1) return { kind: 'na' };
  const alpha = lower ? 'abcxyz0189_' : 'abcXYZ0189_';
  const specials = '.-!$%()/~';
  let v = '';
  const len = int(1, 8);
  for (let i = 0; i < len; i++) {
    if (int(0, 4) === 0) v += `\\${specials[int(0, specials.length - 1)]}`;
    else v += alpha[int(0, alpha.length - 1)];
  }
  if (int(0, 6) === 0) v = `*${v}`;
  if (int(0, 6) === 0) v = `${v}?`;
  return { kind: 'value', value: v };
}

describe('CPE fuzz', () => {
  it('random strings and mutations throw only AppError invalid', () => {
    const rng = xoroshiro128plus(7695);
    const int = (lo: number, hi: number) => uniformInt(rng, lo, hi);
    let accepted = 0;
    for (let n = 0; n < 5000; n++) {
      let s = REAL[int(0, REAL.length - 1)];
      const edits = int(0, 3);
      for (let k = 0; k < edits; k++) {
        const at = int(0, s.length);
        s = s.slice(0, at) + CHARS[int(0, CHARS.length - 1)] + s.slice(at + int(0, 1));
      }
      try {
        const c = parseCpe(s);
        accepted++;
        // Whatever parses, binds to a string that parses to the same name.
        expect(parseCpe23(formatCpe23(c))).toEqual(c);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).kind).toBe('invalid');
      }
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('random names round-trip through the formatted string and URI bindings', () => {
    const rng = xoroshiro128plus(7696);
    const int = (lo: number, hi: number) => uniformInt(rng, lo, hi);
    for (let n = 0; n < 2000; n++) {
      const lower = n % 2 === 0;
      const c = {} as Cpe;
      for (const a of CPE_ATTRIBUTES) c[a] = randomValue(int, lower);
      c.part = [
        { kind: 'value', value: 'a' },
        { kind: 'value', value: 'o' },
        { kind: 'value', value: 'h' },
        { kind: 'any' },
      ][int(0, 3)] as CpeValue;
      const fs = formatCpe23(c);
      expect(parseCpe23(fs), fs).toEqual(c);
      // The URI binding is case-insensitive and cannot carry NA in `part`; test it on lower-case names.
      if (lower) {
        const uri = formatCpeUri(c);
        expect(parseCpeUri(uri), uri).toEqual(c);
      }
    }
  });
});
