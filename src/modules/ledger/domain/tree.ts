/**
 * An append-only RFC 9162 Merkle tree over a {@link NodeStore} that never recomputes: an append hashes
 * the leaf and the new right-edge nodes only (amortised 2 hashes), and roots and proofs at any earlier
 * size are assembled from stored perfect-subtree nodes with O(log n) lookups fetched in one batch.
 *
 * Async by choice: every method that touches the store returns a Promise, so the same class runs over
 * the in-memory store and a database store. When the store also offers the synchronous methods of
 * SyncNodeStore (the in-memory one does), the tree calls those and skips a promise round per append.
 * Appends on one instance are serialised internally (the index is assigned synchronously, the store
 * write is queued), so concurrent callers get distinct, gap-free indices. Two instances (processes)
 * appending to one store collide on the same node and the store reports a conflict rather than a
 * fork. After any failed store write the instance refuses further work: reopen it from the store
 * with the last committed size.
 */
import { AppError, invalid } from '../../../core/errors';
import {
  consistencyProofRanges,
  emptyRoot,
  HASH_SIZE,
  inclusionProofRanges,
  leafHash,
  nodeHash,
} from './merkle';
import type { NodeKey, NodeStore, StoredNode, SyncNodeStore } from './node-store';

/**
 * The perfect subtrees covering leaves [start, end), left to right, largest first. Valid for the
 * ranges that appear in RFC 9162 roots and proofs: start is a multiple of every piece's width.
 */
export function perfectSubtrees(start: number, end: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let a = start;
  while (a < end) {
    let width = 1;
    let level = 0;
    while (a % (width * 2) === 0 && width * 2 <= end - a) {
      width *= 2;
      level++;
    }
    keys.push({ level, index: a / width });
    a += width;
  }
  return keys;
}

/** Folds perfect-subtree hashes (left to right) into the MTH of their union: right to left. */
function foldRight(hashes: readonly Uint8Array[], from: number, to: number): Buffer {
  let h: Buffer = Buffer.from(hashes[to - 1]);
  for (let i = to - 2; i >= from; i--) h = nodeHash(hashes[i], h);
  return h;
}

const unavailable = (message: string) => new AppError('unavailable', message);

const syncView = (s: NodeStore): SyncNodeStore | undefined =>
  typeof (s as SyncNodeStore).putManySync === 'function' &&
  typeof (s as SyncNodeStore).getManySync === 'function'
    ? (s as SyncNodeStore)
    : undefined;

export class MerkleTree {
  /** frontier[level]: hash of the right-edge perfect subtree of width 2^level, where bit `level` of size is set. */
  private readonly frontier: Array<Buffer | undefined>;
  private pendingSize: number;
  private committedSize: number;
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private failure: unknown;
  private readonly sync: SyncNodeStore | undefined;

  private constructor(
    private readonly store: NodeStore,
    size: number,
    frontier: Array<Buffer | undefined>,
  ) {
    this.pendingSize = size;
    this.committedSize = size;
    this.frontier = frontier;
    this.sync = syncView(store);
  }

  /** Opens the tree of `size` leaves held in `store` (0 for a new log); reads O(log size) nodes. */
  static async open(store: NodeStore, size = 0): Promise<MerkleTree> {
    if (!Number.isSafeInteger(size) || size < 0)
      throw invalid(`tree size ${size} is not a non-negative integer`);
    const keys = perfectSubtrees(0, size);
    const hashes = await store.getMany(keys);
    const frontier: Array<Buffer | undefined> = [];
    keys.forEach((k, i) => {
      const h = hashes[i];
      if (!h || h.length !== HASH_SIZE)
        throw unavailable(`node store lacks node (${k.level}, ${k.index}) of size ${size}`);
      frontier[k.level] = Buffer.from(h);
    });
    return new MerkleTree(store, size, frontier);
  }

  /**
   * Opens the tree of `size` leaves from its right edge as {@link frontierHashes} returned it (the
   * roots of perfectSubtrees(0, size), largest first), without reading the store. The caller vouches
   * for the hashes (the ledger keeps them in the locked log row, written with the size).
   */
  static fromFrontier(store: NodeStore, size: number, hashes: readonly Uint8Array[]): MerkleTree {
    if (!Number.isSafeInteger(size) || size < 0)
      throw invalid(`tree size ${size} is not a non-negative integer`);
    const keys = perfectSubtrees(0, size);
    if (hashes.length !== keys.length || hashes.some((h) => h.length !== HASH_SIZE))
      throw invalid(`a tree of size ${size} has ${keys.length} frontier hashes, got ${hashes.length}`);
    const frontier: Array<Buffer | undefined> = [];
    keys.forEach((k, i) => {
      frontier[k.level] = Buffer.from(hashes[i]);
    });
    return new MerkleTree(store, size, frontier);
  }

  /**
   * The right edge at the committed size: roots of perfectSubtrees(0, size), largest first. Only
   * meaningful when no append is in flight (the frontier runs ahead of the store while one is).
   */
  frontierHashes(): Buffer[] {
    if (this.inFlight > 0 || this.pendingSize !== this.committedSize)
      throw unavailable('the tree has an append in flight');
    const out: Buffer[] = [];
    for (let level = this.frontier.length - 1; level >= 0; level--) {
      const h = this.frontier[level];
      if (h) out.push(h);
    }
    return out;
  }

  /** Leaves whose nodes are durably in the store. */
  get size(): number {
    return this.committedSize;
  }

  /** Appends one entry (leaf data, hashed with the 0x00 prefix); resolves once its nodes are stored. */
  append(entry: Uint8Array): Promise<{ index: number; leafHash: Buffer }> {
    const h = leafHash(entry);
    if (this.sync && this.inFlight === 0 && !this.failure) {
      // In-memory fast path: one resolved promise, no queue.
      const index = this.pendingSize;
      const nodes: StoredNode[] = [];
      this.extend(h, nodes);
      try {
        this.sync.putManySync(nodes);
      } catch (e) {
        this.failure = e;
        return Promise.reject(e);
      }
      this.committedSize = this.pendingSize;
      return Promise.resolve({ index, leafHash: h });
    }
    return this.write([h]).then((index) => ({ index, leafHash: h }));
  }

  /**
   * Appends precomputed leaf hashes as one store write (one transaction for a database store).
   * Resolves to the index of the first one.
   */
  appendLeafHashes(hashes: readonly Uint8Array[]): Promise<number> {
    for (const h of hashes) {
      if (h.length !== HASH_SIZE) {
        return Promise.reject(invalid(`leaf hash must be ${HASH_SIZE} bytes, got ${h.length}`));
      }
    }
    // Copies: the caller may reuse its buffers, the in-memory store keeps what it is given.
    return this.write(hashes.map((h) => Buffer.from(h)));
  }

  private write(hashes: readonly Buffer[]): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const first = this.pendingSize;
    const nodes: StoredNode[] = [];
    for (const h of hashes) this.extend(h, nodes);
    const newSize = this.pendingSize;
    if (this.sync && this.inFlight === 0) {
      try {
        this.sync.putManySync(nodes);
      } catch (e) {
        this.failure = e;
        return Promise.reject(e);
      }
      this.committedSize = newSize;
      return Promise.resolve(first);
    }
    this.inFlight++;
    const write = this.tail.then(async () => {
      try {
        if (this.failure) throw this.failure;
        await this.store.putMany(nodes);
        this.committedSize = newSize;
      } catch (e) {
        this.failure = e;
        throw e;
      } finally {
        this.inFlight--;
      }
    });
    this.tail = write.catch(() => undefined);
    return write.then(() => first);
  }

  /** Adds one leaf hash to the frontier and collects the nodes it completes. */
  private extend(leaf: Buffer, out: StoredNode[]): void {
    let index = this.pendingSize;
    let level = 0;
    let cur = leaf;
    out.push({ level: 0, index, hash: cur });
    // RFC 9162 §2.1.1: a perfect subtree completes whenever the new node is a right child.
    while (index % 2 === 1) {
      cur = nodeHash(this.frontier[level]!, cur);
      this.frontier[level] = undefined;
      level++;
      index = (index - 1) / 2;
      out.push({ level, index, hash: cur });
    }
    this.frontier[level] = cur;
    this.pendingSize++;
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.committedSize) {
      throw invalid(`tree size ${size} is not between 0 and the stored size ${this.committedSize}`, [
        { field: 'size', message: 'unknown tree size' },
      ]);
    }
  }

  private async fetch(keys: readonly NodeKey[]): Promise<Uint8Array[]> {
    const hashes = this.sync ? this.sync.getManySync(keys) : await this.store.getMany(keys);
    return hashes.map((h, i) => {
      if (!h) throw unavailable(`node store lacks node (${keys[i].level}, ${keys[i].index})`);
      return h;
    });
  }

  /** MTH of the first `size` leaves (RFC 9162 §2.1.1). */
  async root(size = this.committedSize): Promise<Buffer> {
    this.checkSize(size);
    if (size === 0) return emptyRoot();
    if (size === this.pendingSize) {
      // The frontier is exactly the perfect-subtree decomposition of the current size.
      let h: Buffer | undefined;
      for (const f of this.frontier) if (f) h = h ? nodeHash(f, h) : f;
      return Buffer.from(h!);
    }
    const hashes = await this.fetch(perfectSubtrees(0, size));
    return foldRight(hashes, 0, hashes.length);
  }

  /** The leaf hash at `index`. */
  async leafHash(index: number): Promise<Buffer> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.committedSize) {
      throw invalid(`leaf index ${index} is not below the stored size ${this.committedSize}`);
    }
    const [h] = await this.fetch([{ level: 0, index }]);
    return Buffer.from(h);
  }

  /** Assembles proof hashes for leaf ranges: each range is the fold of its perfect subtrees. */
  private async rangeHashes(ranges: ReadonlyArray<[number, number]>): Promise<Buffer[]> {
    const keys: NodeKey[] = [];
    const bounds: number[] = [0];
    for (const [lo, hi] of ranges) {
      keys.push(...perfectSubtrees(lo, hi));
      bounds.push(keys.length);
    }
    const hashes = await this.fetch(keys);
    return ranges.map((_, i) => foldRight(hashes, bounds[i], bounds[i + 1]));
  }

  /** RFC 9162 §2.1.3.1 inclusion proof for leaf `index` in the tree of `size` leaves. */
  async inclusionProof(index: number, size = this.committedSize): Promise<Buffer[]> {
    this.checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw invalid(`leaf index ${index} is not in a tree of size ${size}`, [
        { field: 'index', message: 'out of range' },
      ]);
    }
    return this.rangeHashes(inclusionProofRanges(index, size));
  }

  /** RFC 9162 §2.1.4.1 consistency proof from size1 to size2 (0 < size1 <= size2). */
  async consistencyProof(size1: number, size2 = this.committedSize): Promise<Buffer[]> {
    this.checkSize(size2);
    if (!Number.isSafeInteger(size1) || size1 <= 0 || size1 > size2) {
      throw invalid(`consistency proof needs 0 < size1 <= size2, got ${size1} -> ${size2}`, [
        { field: 'size1', message: 'out of range' },
      ]);
    }
    return this.rangeHashes(consistencyProofRanges(size1, size2));
  }
}
