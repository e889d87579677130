/**
 * RFC 9162 §2.1 Merkle Tree hashing, proof generation from leaf hashes, and proof verification.
 *
 * Sizes and indices are JavaScript numbers and must be safe integers (< 2^53): shifts are done with
 * division, not `>>`, because bitwise operators would truncate to 32 bits.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00; // RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0))
const NODE_PREFIX = 0x01; // RFC 9162 §2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))

// node:crypto `hash` (one-shot, Node >= 20.12) skips the Hash object and is ~40% faster than
// createHash; the fallback keeps older Node 20 releases working.
const sha256: (data: Uint8Array) => Buffer =
  typeof oneShotHash === 'function'
    ? (data) => oneShotHash('sha256', data, 'buffer')
    : (data) => createHash('sha256').update(data).digest();

// Hashing is the hot path of appends and proofs: the prefix and inputs are copied into one reused
// scratch buffer so each hash is a single call with no per-call concatenation allocation.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;
let leafScratch = Buffer.alloc(1024);

/** SHA-256 of arbitrary bytes (exported so callers hash payloads the same way). */
export function sha256Digest(data: Uint8Array): Buffer {
  return sha256(data);
}

/** RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string. */
export function emptyRoot(): Buffer {
  return sha256(Buffer.alloc(0));
}

/** RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Buffer {
  const n = entry.length + 1;
  if (n > leafScratch.length) leafScratch = Buffer.alloc(Math.max(n, leafScratch.length * 2));
  leafScratch[0] = LEAF_PREFIX;
  leafScratch.set(entry, 1);
  return sha256(leafScratch.subarray(0, n));
}

/** RFC 9162 §2.1.1 interior node hash: SHA-256(0x01 || left || right). Both must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

/** The largest power of two strictly smaller than n (n > 1): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) over precomputed leaf hashes (RFC 9162 §2.1.1). O(n) hashes. */
export function rootFromLeafHashes(leaves: readonly Uint8Array[], start = 0, end = leaves.length): Buffer {
  const n = end - start;
  if (n === 0) return emptyRoot();
  // Pairing bottom-up and carrying an odd last node up unchanged yields the same left-balanced tree
  // as the recursive split at the largest power of two below n.
  let level: Uint8Array[] = leaves.slice(start, end);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return Buffer.from(level[0]);
}

/** RFC 9162 §2.1.3.1: the leaf ranges [lo, hi) whose MTHs form PATH(index, D[0:size]), in proof order. */
export function inclusionProofRanges(index: number, size: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push([lo + k, hi]); // PATH(m, D[0:k]) : MTH(D[k:n])
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]); // PATH(m - k, D[k:n]) : MTH(D[0:k])
      lo += k;
    }
  }
  return ranges.reverse();
}

/** RFC 9162 §2.1.4.1: the leaf ranges whose MTHs form PROOF(size1, D[0:size2]), in proof order. */
export function consistencyProofRanges(size1: number, size2: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let known = true; // the `b` flag of SUBPROOF: whether MTH(D[0:m]) is already known to the verifier
  for (;;) {
    if (m === hi - lo) {
      if (!known) ranges.push([lo, hi]); // SUBPROOF(m, D[m], false) = {MTH(D[m])}
      break;
    }
    const k = splitPoint(hi - lo);
    if (m <= k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      m -= k;
      lo += k;
      known = false;
    }
  }
  return ranges.reverse();
}

function checkTreeArgs(what: string, ...values: number[]): void {
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`${what}: ${v} is not a non-negative safe integer`);
  }
}

/** Inclusion proof (RFC 9162 §2.1.3.1) computed from all leaf hashes; reference for small trees. */
export function inclusionProofFromLeafHashes(
  leaves: readonly Uint8Array[],
  index: number,
  size: number,
): Buffer[] {
  checkTreeArgs('inclusion proof', index, size);
  if (size > leaves.length || index >= size) {
    throw new RangeError(`inclusion proof: index ${index} is not in a tree of size ${size}`);
  }
  return inclusionProofRanges(index, size).map(([lo, hi]) => rootFromLeafHashes(leaves, lo, hi));
}

/** Consistency proof (RFC 9162 §2.1.4.1) computed from all leaf hashes; reference for small trees. */
export function consistencyProofFromLeafHashes(
  leaves: readonly Uint8Array[],
  size1: number,
  size2: number,
): Buffer[] {
  checkTreeArgs('consistency proof', size1, size2);
  if (size1 === 0 || size1 > size2 || size2 > leaves.length) {
    throw new RangeError(`consistency proof: sizes ${size1} -> ${size2} need 0 < size1 <= size2 <= leaves`);
  }
  return consistencyProofRanges(size1, size2).map(([lo, hi]) => rootFromLeafHashes(leaves, lo, hi));
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Which check a proof failed; stable strings so reports and tests can name them. */
export type ProofCheck =
  | 'tree_size' // a size or index is not a non-negative safe integer
  | 'index_out_of_range'
  | 'empty_tree' // consistency from (or inclusion in) an empty tree proves nothing
  | 'size_order' // size1 > size2
  | 'invalid_subtree'
  | 'leaf_hash_length'
  | 'proof_hash_length'
  | 'proof_length'
  | 'old_root_mismatch' // consistency: the proof does not reproduce the older (or subtree) root
  | 'root_mismatch';

export type VerifyFailure = {
  ok: false;
  check: ProofCheck;
  message: string;
  /** Position in the proof array of the offending hash, where one is to blame. */
  proofIndex?: number;
  expected?: number;
  actual?: number;
};
export type VerifyResult = { ok: true } | VerifyFailure;

const OK: VerifyResult = { ok: true };
const fail = (check: ProofCheck, message: string, extra: Partial<VerifyFailure> = {}): VerifyFailure => ({
  ok: false,
  check,
  message,
  ...extra,
});

const half = (x: number): number => Math.floor(x / 2);
const isOdd = (x: number): boolean => x % 2 === 1;

function badSize(...values: number[]): VerifyFailure | undefined {
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0)
      return fail('tree_size', `${v} is not a non-negative integer below 2^53`);
  }
  return undefined;
}

function badProofHash(proof: readonly Uint8Array[]): VerifyFailure | undefined {
  for (let i = 0; i < proof.length; i++) {
    if (proof[i].length !== HASH_SIZE) {
      return fail('proof_hash_length', `proof[${i}] is ${proof[i].length} bytes, want ${HASH_SIZE}`, {
        proofIndex: i,
        expected: HASH_SIZE,
        actual: proof[i].length,
      });
    }
  }
  return undefined;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The number of hashes RFC 9162 §2.1.3.2 consumes for leaf `index` of a tree of `size` leaves. */
export function inclusionProofLength(index: number, size: number): number {
  let fn = index;
  let sn = size - 1;
  let n = 0;
  while (sn !== 0) {
    if ((isOdd(fn) || fn === sn) && !isOdd(fn)) {
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    n++;
    fn = half(fn);
    sn = half(sn);
  }
  return n;
}

/**
 * RFC 9162 §2.1.3.2: the root implied by an inclusion proof, or the check that failed before any
 * root could be computed.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): { ok: true; root: Buffer } | VerifyFailure {
  const sized = badSize(index, size);
  if (sized) return sized;
  if (index >= size) {
    return fail('index_out_of_range', `leaf index ${index} is not below tree size ${size}`, {
      expected: size,
      actual: index,
    });
  }
  if (leaf.length !== HASH_SIZE) {
    return fail('leaf_hash_length', `leaf hash is ${leaf.length} bytes, want ${HASH_SIZE}`, {
      expected: HASH_SIZE,
      actual: leaf.length,
    });
  }
  const want = inclusionProofLength(index, size);
  if (proof.length !== want) {
    return fail('proof_length', `inclusion proof has ${proof.length} hashes, want ${want}`, {
      expected: want,
      actual: proof.length,
    });
  }
  const hashed = badProofHash(proof);
  if (hashed) return hashed;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return { ok: true, root: r };
}

/** RFC 9162 §2.1.3.2: verify that `leaf` (a leaf hash) is at `index` in the tree with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): VerifyResult {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  if (!computed.ok) return computed;
  if (!computed.root.equals(root)) {
    return fail('root_mismatch', `proof yields root ${computed.root.toString('hex')}, expected ${hex(root)}`);
  }
  return OK;
}

/**
 * A subtree [start, end) in the sense of the Merkle Tree Certificates draft
 * (draft-ietf-plants-merkle-tree-certs §4.1): non-empty, and start is a multiple of the smallest
 * power of two >= end - start. Its hash is MTH(D[start:end]). [0, n) is always valid.
 */
export function isValidSubtree(start: number, end: number): boolean {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start >= end) return false;
  let p = 1;
  while (p < end - start) p *= 2;
  return start % p === 0;
}

/** Hash count consumed by {@link verifySubtreeConsistency} for these sizes (dry run of the walk). */
function subtreeConsistencyLength(start: number, end: number, size: number): number {
  let fn = start;
  let sn = end - 1;
  let tn = size - 1;
  if (sn === tn) {
    while (fn !== sn) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  } else {
    while (fn !== sn && isOdd(sn)) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  }
  let n = fn === sn ? 0 : 1;
  while (tn !== 0) {
    if (isOdd(sn) || sn === tn) {
      while (!isOdd(sn)) {
        fn = half(fn);
        sn = half(sn);
        tn = half(tn);
      }
    }
    n++;
    fn = half(fn);
    sn = half(sn);
    tn = half(tn);
  }
  return n;
}

/**
 * Proves that the subtree [start, end) with hash `subtreeRoot` is part of the tree of `size` leaves
 * with `root`. For start = 0 this is exactly the RFC 9162 §2.1.4.2 consistency check between sizes
 * end and size (fn/sn there are sn/tn here); for start > 0 it is the Merkle Tree Certificates draft
 * generalisation (draft-ietf-plants-merkle-tree-certs §4.4.3), where only left siblings inside
 * [start, end) rebuild the subtree hash.
 */
export function verifySubtreeConsistency(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
  root: Uint8Array,
): VerifyResult {
  const sized = badSize(start, end, size);
  if (sized) return sized;
  if (end > size) return fail('size_order', `subtree end ${end} exceeds tree size ${size}`);
  if (start === end) {
    // An empty range is trivially part of every tree; transparency-dev/merkle (subtreeconsistency
    // vectors "subtree is empty ...") accepts it exactly when its hash is the empty-tree hash and the
    // proof is empty, whatever the tree root.
    if (proof.length !== 0) {
      return fail('proof_length', `an empty subtree needs an empty proof, got ${proof.length} hashes`, {
        expected: 0,
        actual: proof.length,
      });
    }
    if (!emptyRoot().equals(subtreeRoot)) {
      return fail(
        'old_root_mismatch',
        `an empty subtree has hash ${emptyRoot().toString('hex')}, got ${hex(subtreeRoot)}`,
      );
    }
    return OK;
  }
  if (!isValidSubtree(start, end)) {
    return fail('invalid_subtree', `[${start}, ${end}) is not a valid subtree`);
  }
  const want = subtreeConsistencyLength(start, end, size);
  if (proof.length !== want) {
    return fail('proof_length', `consistency proof has ${proof.length} hashes, want ${want}`, {
      expected: want,
      actual: proof.length,
    });
  }
  const hashed = badProofHash(proof);
  if (hashed) return hashed;

  let fn = start;
  let sn = end - 1;
  let tn = size - 1;
  if (sn === tn) {
    while (fn !== sn) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  } else {
    while (fn !== sn && isOdd(sn)) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  }
  // RFC 9162 §2.1.4.2 step 2: when the old tree (subtree) is itself a node on the path, the verifier
  // already knows its hash and the proof omits it.
  let next = 0;
  let fr: Buffer;
  if (fn === sn) fr = Buffer.from(subtreeRoot);
  else fr = Buffer.from(proof[next++]);
  let sr = fr;
  for (; next < proof.length; next++) {
    const c = proof[next];
    if (isOdd(sn) || sn === tn) {
      if (fn < sn) fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(sn)) {
        fn = half(fn);
        sn = half(sn);
        tn = half(tn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
    tn = half(tn);
  }
  if (!fr.equals(subtreeRoot)) {
    return fail(
      'old_root_mismatch',
      `proof yields ${start === 0 ? 'older root' : 'subtree hash'} ${fr.toString('hex')} at size ${end}, expected ${hex(subtreeRoot)}`,
    );
  }
  if (!sr.equals(root)) {
    return fail(
      'root_mismatch',
      `proof yields root ${sr.toString('hex')} at size ${size}, expected ${hex(root)}`,
    );
  }
  return OK;
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of size2 with root2 extends the tree of size1 with root1.
 * Following the transparency-dev vectors: size1 = 0 is rejected (it proves nothing), equal sizes
 * need an empty proof and identical roots. Roots are compared byte for byte and not length-checked:
 * a computed root is always 32 bytes so no other length can match, and with equal sizes nothing is
 * computed (the vector "sizes are equal (one) and proof is empty" accepts equal 12-byte roots).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): VerifyResult {
  const sized = badSize(size1, size2);
  if (sized) return sized;
  if (size1 > size2) return fail('size_order', `older size ${size1} is larger than newer size ${size2}`);
  if (size1 === 0) return fail('empty_tree', 'a consistency proof from an empty tree proves nothing');
  return verifySubtreeConsistency(0, size1, size2, proof, root1, root2);
}

/**
 * Inclusion of leaf `index` in the subtree [start, end) with hash `subtreeRoot`
 * (draft-ietf-plants-merkle-tree-certs §4.3.3): an RFC 9162 inclusion proof of index - start in a
 * tree of end - start leaves, because a valid subtree's hash is the MTH of its leaves.
 */
export function verifySubtreeInclusion(
  index: number,
  start: number,
  end: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): VerifyResult {
  const sized = badSize(index, start, end);
  if (sized) return sized;
  if (!isValidSubtree(start, end))
    return fail('invalid_subtree', `[${start}, ${end}) is not a valid subtree`);
  if (index < start || index >= end) {
    return fail('index_out_of_range', `leaf index ${index} is outside the subtree [${start}, ${end})`);
  }
  return verifyInclusion(index - start, end - start, leaf, proof, subtreeRoot);
}
