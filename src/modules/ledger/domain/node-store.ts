/**
 * Storage of Merkle tree node hashes for one log.
 *
 * A node (level, index) is the root of the perfect subtree over leaves
 * [index * 2^level, (index + 1) * 2^level); level 0 holds the leaf hashes. Only nodes of complete
 * (perfect) subtrees are stored, and they never change once written, so a store is append-only and
 * every root or proof at any earlier tree size can be rebuilt from it.
 *
 * The interface is async so a database (PostgreSQL / PGlite table of (org, level, index, hash)) can
 * implement it; the batch methods let the tree fetch all nodes of a proof in one round trip.
 */
import { conflict, invalid } from '../../../core/errors';
import { HASH_SIZE } from './merkle';

export interface NodeKey {
  level: number;
  index: number;
}

export interface StoredNode extends NodeKey {
  hash: Uint8Array;
}

/**
 * A store that can also answer synchronously (the in-memory one). The tree uses the sync methods when
 * present and no async write is in flight, which saves a promise round per append.
 */
export interface SyncNodeStore extends NodeStore {
  getManySync(keys: readonly NodeKey[]): Array<Uint8Array | undefined>;
  putManySync(nodes: readonly StoredNode[]): void;
}

export interface NodeStore {
  /** The node hash, or undefined if that node has not been written. */
  get(level: number, index: number): Promise<Uint8Array | undefined>;
  /** Write one node. Rewriting a node with the same hash is a no-op; a different hash is a conflict. */
  put(level: number, index: number, hash: Uint8Array): Promise<void>;
  /** The hashes of `keys`, in the same order (undefined where missing). */
  getMany(keys: readonly NodeKey[]): Promise<Array<Uint8Array | undefined>>;
  /** Write several nodes atomically: all or none (a database implementation uses one transaction). */
  putMany(nodes: readonly StoredNode[]): Promise<void>;
}

const PAGE_BITS = 12;
const PAGE_NODES = 1 << PAGE_BITS; // 4096 nodes = 128 KiB per page
const PAGE_MASK = PAGE_NODES - 1;

/**
 * In-memory NodeStore: per level, fixed-size Buffer pages of 32-byte hashes, written densely from
 * index 0 upwards (appends always fill a level left to right). Returned hashes are read-only views
 * into the pages, not copies.
 */
export class MemoryNodeStore implements SyncNodeStore {
  private readonly pages: Buffer[][] = [];
  private readonly counts: number[] = [];

  /** Nodes present at `level` (all indices below this are written). */
  countAt(level: number): number {
    return this.counts[level] ?? 0;
  }

  getSync(level: number, index: number): Uint8Array | undefined {
    if (index >= this.countAt(level) || index < 0) return undefined;
    const off = (index & PAGE_MASK) * HASH_SIZE;
    return this.pages[level][index >>> PAGE_BITS].subarray(off, off + HASH_SIZE);
  }

  putSync(level: number, index: number, hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) {
      throw invalid(`node hash must be ${HASH_SIZE} bytes`, [
        { field: 'hash', message: `got ${hash.length} bytes` },
      ]);
    }
    if (!Number.isInteger(level) || level < 0 || level > 63 || !Number.isInteger(index) || index < 0) {
      throw invalid(`bad node key (${level}, ${index})`);
    }
    const count = this.countAt(level);
    if (index < count) {
      const existing = this.getSync(level, index)!;
      if (!Buffer.from(existing.buffer, existing.byteOffset, HASH_SIZE).equals(hash)) {
        throw conflict(`node (${level}, ${index}) is already stored with a different hash`, [
          { path: `nodes[${level}][${index}]`, message: 'append-only store: nodes never change' },
        ]);
      }
      return;
    }
    if (index > count) {
      throw invalid(
        `node (${level}, ${index}) written before (${level}, ${count}); levels fill left to right`,
      );
    }
    while (this.pages.length <= level) {
      this.pages.push([]);
      this.counts.push(0);
    }
    const pageNo = index >>> PAGE_BITS;
    const levelPages = this.pages[level];
    if (pageNo === levelPages.length) levelPages.push(Buffer.allocUnsafe(PAGE_NODES * HASH_SIZE));
    levelPages[pageNo].set(hash, (index & PAGE_MASK) * HASH_SIZE);
    this.counts[level] = count + 1;
  }

  async get(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.getSync(level, index);
  }

  async put(level: number, index: number, hash: Uint8Array): Promise<void> {
    this.putSync(level, index, hash);
  }

  async getMany(keys: readonly NodeKey[]): Promise<Array<Uint8Array | undefined>> {
    return this.getManySync(keys);
  }

  async putMany(nodes: readonly StoredNode[]): Promise<void> {
    this.putManySync(nodes);
  }

  getManySync(keys: readonly NodeKey[]): Array<Uint8Array | undefined> {
    return keys.map((k) => this.getSync(k.level, k.index));
  }

  putManySync(nodes: readonly StoredNode[]): void {
    // Validate the whole batch before writing any of it, so a rejected batch leaves no trace.
    const pending = new Map<number, number>();
    for (const n of nodes) {
      if (n.hash.length !== HASH_SIZE) {
        throw invalid(`node hash must be ${HASH_SIZE} bytes`, [
          { path: `nodes[${n.level}][${n.index}]`, message: `got ${n.hash.length} bytes` },
        ]);
      }
      const next = pending.get(n.level) ?? this.countAt(n.level);
      if (n.index > next) {
        throw invalid(
          `node (${n.level}, ${n.index}) written before (${n.level}, ${next}); levels fill left to right`,
        );
      }
      if (n.index < this.countAt(n.level)) {
        const existing = this.getSync(n.level, n.index)!;
        if (!Buffer.from(existing.buffer, existing.byteOffset, HASH_SIZE).equals(n.hash)) {
          throw conflict(`node (${n.level}, ${n.index}) is already stored with a different hash`);
        }
      }
      pending.set(n.level, Math.max(next, n.index + 1));
    }
    for (const n of nodes) this.putSync(n.level, n.index, n.hash);
  }
}
