import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import {
  consistencyProofFromLeafHashes,
  emptyRoot,
  inclusionProofFromLeafHashes,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from './merkle';

// An independent, literal transcription of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 (recursive, with
// its own hashing) to check the production code against.
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const naiveLeaf = (d: Uint8Array) => sha(Buffer.from([0]), d);
const k2 = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha(Buffer.alloc(0));
  if (d.length === 1) return d[0];
  const k = k2(d.length);
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const k = k2(d.length);
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = k2(d.length);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

function leaves(n: number, seed: number): Buffer[] {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: n }, (_, i) => {
    const data = Buffer.alloc(uniformInt(rng, 0, 40), i % 251);
    return naiveLeaf(Buffer.concat([data, Buffer.from(String(i))]));
  });
}

describe('hashing (RFC 9162 §2.1.1)', () => {
  it('matches the RFC 6962 reference tree of 8 leaves used by the transparency-dev vectors', () => {
    const data = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ];
    const hashes = data.map((h) => leafHash(Buffer.from(h, 'hex')));
    expect(hashes[0].toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(rootFromLeafHashes(hashes).toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
    expect(emptyRoot().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('leaf and node hashes agree with the literal definitions, including large leaves', () => {
    for (const size of [0, 1, 64, 1023, 1024, 5000]) {
      const d = Buffer.alloc(size, 7);
      expect(leafHash(d).equals(naiveLeaf(d))).toBe(true);
    }
    const l = naiveLeaf(Buffer.from('l'));
    const r = naiveLeaf(Buffer.from('r'));
    expect(nodeHash(l, r).equals(sha(Buffer.from([1]), l, r))).toBe(true);
    // a leaf can never collide with an interior node over the same bytes: the prefixes differ
    expect(leafHash(Buffer.concat([l, r])).equals(nodeHash(l, r))).toBe(false);
  });
});

describe('proof generation and verification against the literal RFC recursion', () => {
  it('roots, inclusion and consistency proofs for every size 1..130 and random indices', () => {
    const rng = xoroshiro128plus(9162);
    const all = leaves(130, 1);
    for (let n = 0; n <= 130; n++) {
      const d = all.slice(0, n);
      expect(rootFromLeafHashes(all, 0, n).equals(mth(d))).toBe(true);
      if (n === 0) continue;
      const root = mth(d);
      const i = uniformInt(rng, 0, n - 1);
      const p = inclusionProofFromLeafHashes(all, i, n);
      expect(hex(p)).toEqual(hex(path(i, d)));
      expect(verifyInclusion(i, n, all[i], p, root)).toEqual({ ok: true });
      const m = uniformInt(rng, 1, n);
      const c = consistencyProofFromLeafHashes(all, m, n);
      expect(hex(c)).toEqual(hex(subproof(m, d, true)));
      expect(verifyConsistency(m, n, c, mth(d.slice(0, m)), root)).toEqual({ ok: true });
    }
  });

  it('every inclusion proof of every leaf in trees up to 40 verifies, and only at its own index', () => {
    const all = leaves(40, 2);
    for (let n = 1; n <= 40; n++) {
      const root = rootFromLeafHashes(all, 0, n);
      for (let i = 0; i < n; i++) {
        const p = inclusionProofFromLeafHashes(all, i, n);
        expect(verifyInclusion(i, n, all[i], p, root).ok).toBe(true);
        if (n > 1) expect(verifyInclusion((i + 1) % n, n, all[i], p, root).ok).toBe(false);
      }
    }
  });

  it('flipping any bit of any proof hash or root is detected', () => {
    const rng = xoroshiro128plus(77);
    const all = leaves(300, 3);
    for (let trial = 0; trial < 60; trial++) {
      const n = uniformInt(rng, 2, 300);
      const i = uniformInt(rng, 0, n - 1);
      const m = uniformInt(rng, 1, n - 1);
      const root = rootFromLeafHashes(all, 0, n);
      const old = rootFromLeafHashes(all, 0, m);
      const p = inclusionProofFromLeafHashes(all, i, n);
      const c = consistencyProofFromLeafHashes(all, m, n);
      const j = uniformInt(rng, 0, p.length - 1);
      const bit = uniformInt(rng, 0, 255);
      const bad = p.map((h) => Buffer.from(h));
      bad[j][bit >> 3] ^= 1 << (bit & 7);
      expect(verifyInclusion(i, n, all[i], bad, root)).toMatchObject({ ok: false, check: 'root_mismatch' });
      const badLeaf = Buffer.from(all[i]);
      badLeaf[bit >> 3] ^= 1 << (bit & 7);
      expect(verifyInclusion(i, n, badLeaf, p, root)).toMatchObject({ ok: false, check: 'root_mismatch' });
      if (c.length > 0) {
        const badC = c.map((h) => Buffer.from(h));
        badC[uniformInt(rng, 0, c.length - 1)][bit >> 3] ^= 1 << (bit & 7);
        expect(verifyConsistency(m, n, badC, old, root).ok).toBe(false);
      }
      const badOld = Buffer.from(old);
      badOld[0] ^= 1;
      expect(verifyConsistency(m, n, c, badOld, root).ok).toBe(false);
    }
  });
});

describe('verification names the failed check', () => {
  const all = leaves(21, 4);
  const root = rootFromLeafHashes(all);
  const p = inclusionProofFromLeafHashes(all, 5, 21);

  it('inclusion', () => {
    expect(verifyInclusion(5, 21, all[5].subarray(0, 31), p, root)).toMatchObject({
      check: 'leaf_hash_length',
    });
    expect(verifyInclusion(21, 21, all[5], p, root)).toMatchObject({ check: 'index_out_of_range' });
    expect(verifyInclusion(0, 0, all[0], [], root)).toMatchObject({ check: 'index_out_of_range' });
    expect(verifyInclusion(-1, 21, all[5], p, root)).toMatchObject({ check: 'tree_size' });
    expect(verifyInclusion(5, 2 ** 60, all[5], p, root)).toMatchObject({ check: 'tree_size' });
    expect(verifyInclusion(5, 21, all[5], p.slice(1), root)).toMatchObject({
      check: 'proof_length',
      expected: p.length,
      actual: p.length - 1,
    });
    expect(verifyInclusion(5, 21, all[5], [...p, p[0]], root)).toMatchObject({ check: 'proof_length' });
    const long = [...p];
    long[2] = Buffer.concat([long[2], Buffer.from([0])]);
    expect(verifyInclusion(5, 21, all[5], long, root)).toMatchObject({
      check: 'proof_hash_length',
      proofIndex: 2,
    });
    expect(verifyInclusion(5, 21, all[5], p, all[0])).toMatchObject({ check: 'root_mismatch' });
  });

  it('consistency', () => {
    const old = rootFromLeafHashes(all, 0, 6);
    const c = consistencyProofFromLeafHashes(all, 6, 21);
    expect(verifyConsistency(6, 21, c, old, root)).toEqual({ ok: true });
    expect(verifyConsistency(0, 21, [], emptyRoot(), root)).toMatchObject({ check: 'empty_tree' });
    expect(verifyConsistency(0, 0, [], emptyRoot(), emptyRoot())).toMatchObject({ check: 'empty_tree' });
    expect(verifyConsistency(21, 6, c, root, old)).toMatchObject({ check: 'size_order' });
    expect(verifyConsistency(21, 21, [], root, root)).toEqual({ ok: true });
    expect(verifyConsistency(21, 21, [root], root, root)).toMatchObject({ check: 'proof_length' });
    expect(verifyConsistency(21, 21, [], root, old)).toMatchObject({ check: 'root_mismatch' });
    expect(verifyConsistency(6, 21, c, all[0], root)).toMatchObject({ check: 'old_root_mismatch' });
    expect(verifyConsistency(6, 21, c, old, old)).toMatchObject({ check: 'root_mismatch' });
    expect(verifyConsistency(6, 21, [], old, root)).toMatchObject({ check: 'proof_length' });
  });

  it('subtree checks (Merkle Tree Certificates draft generalisation)', () => {
    // [8, 12) is a valid subtree; its hash is the MTH of its leaves
    const sub = rootFromLeafHashes(all, 8, 12);
    const inSub = inclusionProofFromLeafHashes(all.slice(8, 12), 2, 4);
    expect(verifySubtreeInclusion(10, 8, 12, all[10], inSub, sub)).toEqual({ ok: true });
    expect(verifySubtreeInclusion(10, 6, 10, all[10], inSub, sub)).toMatchObject({
      check: 'invalid_subtree',
    });
    expect(verifySubtreeInclusion(12, 8, 12, all[10], inSub, sub)).toMatchObject({
      check: 'index_out_of_range',
    });
    // start = 0 reduces to RFC 9162 consistency
    const c = consistencyProofFromLeafHashes(all, 6, 21);
    expect(verifySubtreeConsistency(0, 6, 21, c, rootFromLeafHashes(all, 0, 6), root)).toEqual({ ok: true });
    expect(verifySubtreeConsistency(0, 22, 21, [], root, root)).toMatchObject({ check: 'size_order' });
  });
});
