import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import {
  createEntry,
  entryHeader,
  entryIdentity,
  entryLeafHash,
  entryLeafText,
  parseEntry,
  payloadHashOf,
  payloadMatches,
} from './entry';

const alert = () =>
  createEntry({
    type: 'alert',
    org: 'org_1',
    time: new Date(Date.UTC(2026, 10, 25, 11, 40, 0, 5)),
    ref: 'alr_42',
    payload: { score: 0.93, technique: 'T0855', device: 'dev_7', evidence: { packets: [1, 2, 3] } },
  });

describe('ledger entries', () => {
  it('hashes the canonical payload and leaves it out of the leaf', () => {
    const e = alert();
    const expectedHash = createHash('sha256')
      .update('{"device":"dev_7","evidence":{"packets":[1,2,3]},"score":0.93,"technique":"T0855"}')
      .digest('hex');
    expect(e.payloadHash).toBe(expectedHash);
    expect(entryLeafText(e)).toBe(
      `{"org":"org_1","payloadHash":"${expectedHash}","ref":"alr_42","time":"2026-11-25T11:40:00.005Z","type":"alert","v":1}`,
    );
    // withholding the payload does not change the leaf
    const { payload: _p, ...withheld } = e;
    expect(entryLeafHash(parseEntry(withheld)).equals(entryLeafHash(e))).toBe(true);
    expect(payloadMatches(e, e.payload)).toBe(true);
    expect(payloadMatches(e, { ...(e.payload as object), score: 0.94 })).toBe(false);
  });

  it('payload hash does not depend on member order', () => {
    expect(payloadHashOf({ a: 1, b: [2, { c: 3, d: 4 }] })).toBe(
      payloadHashOf({ b: [2, { d: 4, c: 3 }], a: 1 }),
    );
  });

  it('identity is (type, ref, payloadHash) and ignores time', () => {
    const a = alert();
    const later = { ...a, time: '2026-11-25T12:00:00.000Z' };
    expect(entryIdentity(later)).toBe(entryIdentity(a));
    expect(entryIdentity({ ...a, ref: 'alr_43' })).not.toBe(entryIdentity(a));
    expect(entryIdentity({ ...a, type: 'device_change' })).not.toBe(entryIdentity(a));
    // no separator ambiguity: ("a|b","c") and ("a","b|c") differ
    expect(entryIdentity({ type: 'alert', ref: 'x","y', payloadHash: 'z' })).not.toBe(
      entryIdentity({ type: 'alert', ref: 'x', payloadHash: 'y","z' }),
    );
  });

  it('rejects malformed entries naming the fields', () => {
    const e = alert();
    expect(() => parseEntry({ ...e, time: '2026-11-25T11:40:00+01:00' })).toThrow(/invalid ledger entry/);
    try {
      parseEntry({ ...e, type: 'gossip', payloadHash: 'ABC', extra: 1 });
      expect.unreachable();
    } catch (err) {
      const fields = (err as { details: Array<{ path: string }> }).details.map((d) => d.path).sort();
      // '$' is the unknown member `extra` (entries are strict: nothing unhashed can ride along)
      expect(fields).toEqual(['$', 'payloadHash', 'type']);
    }
    expect(() => parseEntry({ ...e, time: '2026-02-30T00:00:00.000Z' })).toThrow();
    expect(() => parseEntry({ ...e, v: 2 })).toThrow();
    expect(() => createEntry({ type: 'alert', org: 'o', time: 'yesterday', ref: 'r', payload: {} })).toThrow(
      /time/,
    );
  });

  it('writes the leaf text exactly as the general canonical serialiser, whatever the strings hold', () => {
    const refs = [
      'alr_1',
      'quote " and \\ backslash',
      'tab\tnewline\n\u0001',
      'é ü 漢字 😀',
      '\u2028\u2029',
      'x'.repeat(500),
    ];
    for (const ref of refs) {
      const e = createEntry({
        type: 'device_change',
        org: 'org ü "1"',
        time: '2026-01-02T03:04:05.006Z',
        ref,
        payload: null,
      });
      expect(entryLeafText(e)).toBe(canonicalJson(entryHeader(e)));
    }
    // A lone surrogate is refused by the general path rather than written.
    const lone = { ...alert(), ref: 'bad \uD800 ref' };
    expect(() => entryLeafText(lone)).toThrow(/lone surrogate/);
  });

  it("checks the caller's fields on the quick path as the schema does", () => {
    const base = { type: 'alert' as const, org: 'o', time: new Date(0), payload: {} };
    expect(() => createEntry({ ...base, ref: '' })).toThrow(/invalid ledger entry/);
    expect(() => createEntry({ ...base, ref: 'r'.repeat(501) })).toThrow(/invalid ledger entry/);
    expect(() => createEntry({ ...base, ref: 'r', org: 'o'.repeat(201) })).toThrow(/invalid ledger entry/);
    expect(() => createEntry({ ...base, ref: 'r', type: 'gossip' as never })).toThrow(/invalid ledger entry/);
    expect(() => createEntry({ ...base, ref: 'r', time: new Date(Date.UTC(10_000, 0, 1)) })).toThrow(
      /invalid ledger entry/,
    );
    expect(createEntry({ ...base, ref: 'r'.repeat(500) }).ref).toHaveLength(500);
  });
});
