import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('reproduces the RFC 8785 §3.2.2 example', () => {
    // Input and expected output of RFC 8785 §3.2.2 (numbers, escapes and literals).
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}';
    expect(canonicalJson(JSON.parse(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const obj = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const keys = Object.keys(JSON.parse(canonicalJson(obj)));
    // JSON.parse reorders integer-like keys, so compare the serialised order directly
    const text = canonicalJson(obj);
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) =>
      text.indexOf(JSON.stringify(k)),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(keys).toHaveLength(7);
  });

  it('serialises numbers as ECMAScript does (RFC 8785 appendix B samples)', () => {
    const cases: Array<[number, string]> = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [123456789012345680000, '123456789012345680000'],
      [0.000001, '0.000001'],
      [9007199254740992, '9007199254740992'],
      [-1.5, '-1.5'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
    ];
    for (const [n, s] of cases) expect(canonicalJson(n)).toBe(s);
  });

  it('is independent of member insertion order and omits undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }], u: undefined })).toBe(
      '{"a":[true,{"c":"x","d":null}],"b":1}',
    );
    expect(canonicalJson({ a: [true, { c: 'x', d: null }], b: 1 })).toBe(
      canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] }),
    );
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })).toBe(
      '{"at":"2026-01-02T03:04:05.000Z"}',
    );
  });

  it('refuses values outside I-JSON and names where they are', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow(/\$\.a\[1\]/);
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(/not a JSON number/);
    expect(() => canonicalJson({ big: 1n })).toThrow(/\$\.big: bigint/);
    expect(() => canonicalJson({ s: 'a\ud800b' })).toThrow(/lone surrogate/);
    expect(() => canonicalJson([undefined])).toThrow(/\$\[0\]/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
    // the same object twice (not a cycle) is fine
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    let caught: unknown;
    try {
      canonicalJson({ deep: { list: [() => 1] } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ kind: 'invalid', details: [{ path: '$.deep.list[0]' }] });
  });
});
