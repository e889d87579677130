/**
 * The contract every NodeStore implementation must pass (in-memory here; PostgreSQL / PGlite in the
 * ledger service). Call it from a test file:
 *
 *   nodeStoreContract('PGlite', async () => new PgNodeStore(db, orgId));
 *
 * Test support only: it imports vitest and is not exported from the module index.
 */
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import { inclusionProofFromLeafHashes, leafHash, rootFromLeafHashes, verifyConsistency } from './merkle';
import type { NodeStore } from './node-store';
import { MerkleTree } from './tree';

export function nodeStoreContract(name: string, makeStore: () => Promise<NodeStore>): void {
  const h = (b: number) => Buffer.alloc(32, b);
  const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(b);

  describe(`NodeStore contract: ${name}`, () => {
    it('returns undefined for nodes never written and the exact bytes of written ones', async () => {
      const s = await makeStore();
      expect(await s.get(0, 0)).toBeUndefined();
      await s.put(0, 0, h(1));
      await s.put(0, 1, h(2));
      await s.put(1, 0, h(3));
      expect(same(await s.get(0, 1), h(2))).toBe(true);
      const many = await s.getMany([
        { level: 1, index: 0 },
        { level: 0, index: 7 },
        { level: 0, index: 0 },
      ]);
      expect(many).toHaveLength(3);
      expect(same(many[0], h(3))).toBe(true);
      expect(many[1]).toBeUndefined();
      expect(same(many[2], h(1))).toBe(true);
    });

    it('is append-only: rewriting the same hash is a no-op, a different hash is a conflict', async () => {
      const s = await makeStore();
      await s.put(0, 0, h(1));
      await s.put(0, 0, h(1));
      await expect(s.put(0, 0, h(9))).rejects.toMatchObject({ kind: 'conflict' });
      expect(same(await s.get(0, 0), h(1))).toBe(true);
    });

    it('refuses hashes that are not 32 bytes', async () => {
      const s = await makeStore();
      await expect(s.put(0, 0, Buffer.alloc(31))).rejects.toSatisfy(isAppError);
      await expect(s.putMany([{ level: 0, index: 0, hash: Buffer.alloc(33) }])).rejects.toSatisfy(isAppError);
      expect(await s.get(0, 0)).toBeUndefined();
    });

    it('putMany is all or nothing', async () => {
      const s = await makeStore();
      await s.put(0, 0, h(1));
      await expect(
        s.putMany([
          { level: 0, index: 1, hash: h(2) },
          { level: 0, index: 0, hash: h(7) },
        ]),
      ).rejects.toMatchObject({ kind: 'conflict' });
      expect(await s.get(0, 1)).toBeUndefined();
    });

    it('carries a MerkleTree: same roots and proofs as the reference, and reopens at a size', async () => {
      const s = await makeStore();
      const tree = await MerkleTree.open(s);
      const leaves = Array.from({ length: 300 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
      for (let i = 0; i < 100; i++) await tree.appendLeafHashes([leaves[i]]);
      await tree.appendLeafHashes(leaves.slice(100));
      for (const n of [1, 2, 77, 128, 255, 300]) {
        expect((await tree.root(n)).equals(rootFromLeafHashes(leaves, 0, n))).toBe(true);
        const i = Math.floor(n / 3);
        const p = await tree.inclusionProof(i, n);
        expect(p.map((x) => x.toString('hex'))).toEqual(
          inclusionProofFromLeafHashes(leaves, i, n).map((x) => x.toString('hex')),
        );
      }
      const reopened = await MerkleTree.open(s, 300);
      expect((await reopened.root()).equals(rootFromLeafHashes(leaves))).toBe(true);
      const c = await reopened.consistencyProof(99, 300);
      expect(verifyConsistency(99, 300, c, rootFromLeafHashes(leaves, 0, 99), await reopened.root()).ok).toBe(
        true,
      );
    });

    it('a second writer racing on the same index gets a conflict, not a silent fork', async () => {
      const s = await makeStore();
      const a = await MerkleTree.open(s);
      const b = await MerkleTree.open(s);
      await a.appendLeafHashes([leafHash(Buffer.from('a'))]);
      await expect(b.appendLeafHashes([leafHash(Buffer.from('b'))])).rejects.toMatchObject({
        kind: 'conflict',
      });
    });
  });
}
