import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import {
  consistencyProofFromLeafHashes,
  emptyRoot,
  inclusionProofFromLeafHashes,
  leafHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import { MemoryNodeStore, type NodeKey, type NodeStore, type StoredNode } from './node-store';
import { nodeStoreContract } from './node-store.contract';
import { MerkleTree, perfectSubtrees } from './tree';

const entry = (i: number) => Buffer.from(`entry-${i}-${'x'.repeat(i % 17)}`);
const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

/** Counts node lookups, to check that proofs read O(log n) nodes and never recompute the tree. */
class CountingStore implements NodeStore {
  reads = 0;
  constructor(readonly inner: NodeStore) {}
  get(level: number, index: number) {
    this.reads++;
    return this.inner.get(level, index);
  }
  put(level: number, index: number, hash: Uint8Array) {
    return this.inner.put(level, index, hash);
  }
  getMany(keys: readonly NodeKey[]) {
    this.reads += keys.length;
    return this.inner.getMany(keys);
  }
  putMany(nodes: readonly StoredNode[]) {
    return this.inner.putMany(nodes);
  }
}

describe('perfectSubtrees', () => {
  it('covers a range exactly with aligned power-of-two pieces, largest first', () => {
    expect(perfectSubtrees(0, 13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectSubtrees(8, 11)).toEqual([
      { level: 1, index: 4 },
      { level: 0, index: 10 },
    ]);
    expect(perfectSubtrees(5, 5)).toEqual([]);
  });
});

describe('MerkleTree over MemoryNodeStore', () => {
  it('matches the reference at every size 0..300 and for random proofs at earlier sizes', async () => {
    const store = new MemoryNodeStore();
    const tree = await MerkleTree.open(store);
    const hashes: Buffer[] = [];
    expect((await tree.root()).equals(emptyRoot())).toBe(true);
    for (let i = 0; i < 300; i++) {
      const { index, leafHash: h } = await tree.append(entry(i));
      expect(index).toBe(i);
      expect(h.equals(leafHash(entry(i)))).toBe(true);
      hashes.push(h);
      expect((await tree.root()).equals(rootFromLeafHashes(hashes))).toBe(true);
    }
    const rng = xoroshiro128plus(300);
    for (let t = 0; t < 400; t++) {
      const n = uniformInt(rng, 0, 300);
      // roots at earlier sizes come from stored nodes, not the frontier
      expect((await tree.root(n)).equals(rootFromLeafHashes(hashes, 0, n))).toBe(true);
      if (n === 0) continue;
      const i = uniformInt(rng, 0, n - 1);
      const p = await tree.inclusionProof(i, n);
      expect(hex(p)).toEqual(hex(inclusionProofFromLeafHashes(hashes, i, n)));
      expect(verifyInclusion(i, n, hashes[i], p, await tree.root(n)).ok).toBe(true);
      const m = uniformInt(rng, 1, n);
      const c = await tree.consistencyProof(m, n);
      expect(hex(c)).toEqual(hex(consistencyProofFromLeafHashes(hashes, m, n)));
      expect(verifyConsistency(m, n, c, await tree.root(m), await tree.root(n)).ok).toBe(true);
    }
  });

  it('batch appends equal single appends, and a reopened tree continues identically', async () => {
    const a = await MerkleTree.open(new MemoryNodeStore());
    for (let i = 0; i < 77; i++) await a.append(entry(i));
    const storeB = new MemoryNodeStore();
    const b = await MerkleTree.open(storeB);
    expect(await b.appendLeafHashes(Array.from({ length: 40 }, (_, i) => leafHash(entry(i))))).toBe(0);
    const reopened = await MerkleTree.open(storeB, 40);
    expect((await reopened.root()).equals(await b.root())).toBe(true);
    expect(
      await reopened.appendLeafHashes(Array.from({ length: 37 }, (_, i) => leafHash(entry(40 + i)))),
    ).toBe(40);
    expect((await reopened.root()).equals(await a.root())).toBe(true);
    expect(hex(await reopened.inclusionProof(12, 60))).toEqual(hex(await a.inclusionProof(12, 60)));
  });

  it('concurrent appends get distinct gap-free indices', async () => {
    const tree = await MerkleTree.open(new MemoryNodeStore());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => tree.append(entry(i))));
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const ref = results.map((r) => r.leafHash);
    expect((await tree.root()).equals(rootFromLeafHashes(ref))).toBe(true);
  });

  it('reads O(log n) nodes per root and proof at 100,000 leaves', async () => {
    const counting = new CountingStore(new MemoryNodeStore());
    const tree = await MerkleTree.open(counting);
    const n = 100_000;
    const batch: Buffer[] = [];
    for (let i = 0; i < n; i++) batch.push(leafHash(entry(i)));
    await tree.appendLeafHashes(batch);
    counting.reads = 0;
    await tree.inclusionProof(54_321, 99_999);
    // log2(100,000) ~ 17; a proof needs at most ~2 lookups per level
    expect(counting.reads).toBeLessThanOrEqual(2 * 17 + 2);
    counting.reads = 0;
    await tree.consistencyProof(31_337, 99_999);
    expect(counting.reads).toBeLessThanOrEqual(2 * 17 + 2);
    counting.reads = 0;
    await tree.root(77_777);
    expect(counting.reads).toBeLessThanOrEqual(17);
  });

  it('rejects sizes and indices it does not have', async () => {
    const tree = await MerkleTree.open(new MemoryNodeStore());
    await tree.append(entry(0));
    await expect(tree.root(2)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(tree.inclusionProof(1, 1)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(tree.consistencyProof(0, 1)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(MerkleTree.open(new MemoryNodeStore(), 3)).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('stops after a failed store write and keeps the committed size', async () => {
    const inner = new MemoryNodeStore();
    let failNext = false;
    const flaky: NodeStore = {
      get: (l, i) => inner.get(l, i),
      put: (l, i, h) => inner.put(l, i, h),
      getMany: (k) => inner.getMany(k),
      putMany: async (nodes) => {
        if (failNext) throw new Error('disk full');
        return inner.putMany(nodes);
      },
    };
    const tree = await MerkleTree.open(flaky);
    await tree.append(entry(0));
    failNext = true;
    await expect(tree.append(entry(1))).rejects.toThrow('disk full');
    failNext = false;
    await expect(tree.append(entry(2))).rejects.toThrow('disk full');
    expect(tree.size).toBe(1);
    const reopened = await MerkleTree.open(flaky, 1);
    expect((await reopened.root()).equals(leafHash(entry(0)))).toBe(true);
  });
});

nodeStoreContract('MemoryNodeStore', async () => new MemoryNodeStore());

describe('MemoryNodeStore', () => {
  const h = (b: number) => Buffer.alloc(32, b);

  it('is append-only: same hash is a no-op, a different hash is a conflict, gaps are refused', async () => {
    const s = new MemoryNodeStore();
    await s.put(0, 0, h(1));
    await s.put(0, 0, h(1));
    await expect(s.put(0, 0, h(2))).rejects.toMatchObject({ kind: 'conflict' });
    await expect(s.put(0, 2, h(3))).rejects.toMatchObject({ kind: 'invalid' });
    await expect(s.put(0, 1, Buffer.alloc(31))).rejects.toSatisfy(isAppError);
    expect(Buffer.from((await s.get(0, 0))!).equals(h(1))).toBe(true);
    expect(await s.get(0, 1)).toBeUndefined();
    expect(await s.get(5, 0)).toBeUndefined();
  });

  it('putMany writes nothing when any node in the batch is bad', async () => {
    const s = new MemoryNodeStore();
    await expect(
      s.putMany([
        { level: 0, index: 0, hash: h(1) },
        { level: 0, index: 2, hash: h(2) },
      ]),
    ).rejects.toMatchObject({ kind: 'invalid' });
    expect(s.countAt(0)).toBe(0);
  });

  it('spans page boundaries', async () => {
    const s = new MemoryNodeStore();
    const nodes = Array.from({ length: 9000 }, (_, i) => ({
      level: 0,
      index: i,
      hash: leafHash(Buffer.from([i & 255, i >> 8])),
    }));
    await s.putMany(nodes);
    const got = await s.getMany([
      { level: 0, index: 4095 },
      { level: 0, index: 4096 },
      { level: 0, index: 8999 },
    ]);
    expect(Buffer.from(got[0]!).equals(nodes[4095].hash)).toBe(true);
    expect(Buffer.from(got[1]!).equals(nodes[4096].hash)).toBe(true);
    expect(Buffer.from(got[2]!).equals(nodes[8999].hash)).toBe(true);
  });
});
