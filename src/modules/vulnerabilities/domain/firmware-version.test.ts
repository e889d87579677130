import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/errors';
import {
  compareFirmware,
  formatFirmwareVersion,
  parseFirmwareVersion,
  tryParseFirmwareVersion,
} from './firmware-version';

const p = parseFirmwareVersion;
const c = (a: string, b: string) => compareFirmware(p(a), p(b));

describe('parseFirmwareVersion: vendor styles', () => {
  it('reads a build number after the release', () => {
    const v = p('V5.5.0 build 170725');
    expect(v.release).toEqual([5, 5]);
    expect(v.qualifiers).toEqual([{ rank: 1, n: 170725, label: 'build' }]);
    expect(p('1.14 Build 20230219').qualifiers[0]).toMatchObject({ rank: 1, n: 20230219 });
  });

  it('reads pre-releases and strips a v', () => {
    expect(p('2.0.8-rc1').qualifiers).toEqual([{ rank: -1, n: 1, label: 'rc' }]);
    expect(p('v1.0.6').release).toEqual([1, 0, 6]);
    expect(p('4.20.0.1').release).toEqual([4, 20, 0, 1]);
  });

  it('keeps a model prefix apart from the version', () => {
    const v = p('R7000-V1.0.11.134');
    expect(v.prefix).toBe('r7000');
    expect(v.release).toEqual([1, 0, 11, 134]);
  });

  it('reads Zyxel family codes and D-Link build letters', () => {
    const z = p('V5.21(AAZF.7)C0');
    expect(z.family).toBe('AAZF');
    expect(z.release).toEqual([5, 21, 7]);
    expect(p('1.04b12').qualifiers).toEqual([{ rank: 1, n: 12, label: 'build' }]);
    expect(p('V1.00(AAQT.4)b8').qualifiers[0]).toMatchObject({ rank: -2, n: 8 });
  });

  it('reads dates as date versions', () => {
    expect(p('20240403')).toMatchObject({ kind: 'date', release: [20240403] });
    expect(p('2024-04-03')).toMatchObject({ kind: 'date', release: [20240403] });
  });

  it('rejects strings without a number with AppError invalid naming the field', () => {
    for (const bad of ['', '   ', 'n/a', 'latest', 'x'.repeat(500)]) {
      try {
        p(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).kind).toBe('invalid');
        expect((e as AppError).details[0].field).toBe('version');
      }
    }
  });
});

describe('compareFirmware', () => {
  it('orders releases numerically, with 1.0 == 1.0.0', () => {
    expect(c('1.0', '1.0.0')).toBe(0);
    expect(c('1.10', '1.9')).toBe(1);
    expect(c('9.9.00', '9.9.0')).toBe(0);
    expect(c('1.1.3', '1.14')).toBe(-1);
  });

  it('orders qualifiers: rc < release < build; patch after release', () => {
    expect(c('2.0.8-rc1', '2.0.8')).toBe(-1);
    expect(c('2.0.8-rc2', '2.0.8-rc10')).toBe(-1);
    expect(c('2.0-beta9', '2.0')).toBe(-1);
    expect(c('1.04', '1.04b12')).toBe(-1);
    expect(c('1.04b12', '1.05')).toBe(-1);
    expect(c('5.21 Patch 1', '5.21')).toBe(1);
    expect(c('5.21 Patch 1', '5.22')).toBe(-1);
    expect(c('1.14 Build 20230101', '1.14 Build 20230219')).toBe(-1);
  });

  it('refuses to order different families, prefixes or dates against numbers', () => {
    expect(c('V5.21(AAZF.7)C0', 'V5.21(AASZ.3)C0')).toBeNull();
    expect(c('R7000-V1.0.11.134', 'R6400-V1.0.11.134')).toBeNull();
    expect(c('20240403', '1.11')).toBeNull();
    expect(c('V5.20(AAZF.5)C0', 'V5.21(AAZF.7)C0')).toBe(-1);
  });
});

// ------------------------------------------------------------------------------------------------
// Fuzz: seeded random strings and mutations of real version strings. The parser may reject input,
// but only with AppError('invalid'); accepted input round-trips through formatFirmwareVersion, and
// the comparison is a consistent order (antisymmetric, transitive on the sample).

const SEEDS = [
  'V5.5.0 build 170725',
  '1.14 Build 20230219',
  '2.0.8-rc1',
  'v1.0.6',
  '4.20.0.1',
  'R7000-V1.0.11.134',
  'V5.21(AAZF.7)C0',
  '1.00(AAFR.4)C0_20170615',
  '1.04b12',
  'DIR-880L_REVA_FIRMWARE_PATCH_1.08B04',
  '105b03',
  'v3.0.0.4.386.51598',
  '1.3.1_Beta',
  '5.21 Patch 1',
  '2.623.00AC004.0.R.200316',
  '20240403',
  '15.03.05.19',
  '3.4.14B',
];
const ALPHABET = 'abcvVBRCP0123456789.-_() +*#%\\:/~ÄΩ\u0000\t';

function fuzzInputs(seed: number, n: number): string[] {
  let rng = xoroshiro128plus(seed);
  const int = (lo: number, hi: number) => uniformInt(rng, lo, hi);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const mode = int(0, 2);
    if (mode === 0) {
      let s = '';
      const len = int(0, 24);
      for (let k = 0; k < len; k++) s += ALPHABET[int(0, ALPHABET.length - 1)];
      out.push(s);
    } else {
      let s = SEEDS[int(0, SEEDS.length - 1)];
      const edits = int(1, 4);
      for (let k = 0; k < edits; k++) {
        const at = int(0, s.length);
        const op = int(0, 2);
        const ch = ALPHABET[int(0, ALPHABET.length - 1)];
        if (op === 0) s = s.slice(0, at) + ch + s.slice(at);
        else if (op === 1) s = s.slice(0, at) + s.slice(at + 1);
        else s = s.slice(0, at) + ch + s.slice(at + 1);
      }
      out.push(s);
    }
  }
  rng = xoroshiro128plus(seed + 1);
  return out;
}

describe('firmware version fuzz', () => {
  const inputs = fuzzInputs(20261125, 5000);

  it('never throws anything but AppError invalid', () => {
    let accepted = 0;
    for (const s of inputs) {
      try {
        p(s);
        accepted++;
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).kind).toBe('invalid');
      }
    }
    // The mutations keep most inputs version-like; both branches must be exercised.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(inputs.length);
  });

  it('round-trips through the canonical spelling', () => {
    for (const s of inputs) {
      const v = tryParseFirmwareVersion(s);
      if (!v) continue;
      const canon = formatFirmwareVersion(v);
      const again = p(canon);
      expect(compareFirmware(v, again), `${JSON.stringify(s)} -> ${canon}`).toBe(0);
      expect(formatFirmwareVersion(again)).toBe(canon);
    }
  });

  it('is antisymmetric and transitive on the sample', () => {
    const vs = inputs
      .map(tryParseFirmwareVersion)
      .filter((v) => v !== null)
      .slice(0, 300);
    for (let i = 0; i < vs.length; i++) {
      for (let j = 0; j < vs.length; j++) {
        const ab = compareFirmware(vs[i], vs[j]);
        const ba = compareFirmware(vs[j], vs[i]);
        if (ab === null) expect(ba).toBeNull();
        else expect(ba).toBe(-ab || 0);
      }
    }
    for (let i = 0; i + 2 < vs.length; i += 3) {
      const [a, b, d] = [vs[i], vs[i + 1], vs[i + 2]];
      const ab = compareFirmware(a, b);
      const bd = compareFirmware(b, d);
      const ad = compareFirmware(a, d);
      if (ab !== null && bd !== null && ad !== null && ab <= 0 && bd <= 0) expect(ad).toBeLessThanOrEqual(0);
    }
  });
});
