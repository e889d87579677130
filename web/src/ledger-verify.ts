/**
 * Ledger evidence verified in the browser with WebCrypto, so the dashboard does not take the server's
 * word for it: the leaf hash is recomputed from the exact entry text, the RFC 9162 inclusion proof
 * walked to a root, that root and the tree size compared with the body of the signed checkpoint,
 * and the checkpoint's Ed25519 signature checked with the verifier key (C2SP signed-note).
 *
 * The key comes from the same server (the `verifierKey` of GET /api/v1/ledger/evidence); pinning it
 * elsewhere is what makes the check independent of a compromised server, and the panel shows the key
 * ID for that reason.
 */
import type { LedgerEvidence } from './api';

export type EvidenceCheck =
  | 'key' // the verifier key is malformed or its key ID does not match the key
  | 'signature' // no signature by the key, or the Ed25519 signature does not verify
  | 'checkpoint' // the signed note body is not a checkpoint
  | 'entry' // the entry text is not an entry of this record
  | 'leaf_hash' // the entry text does not hash to the leaf the log holds at its index
  | 'proof' // the inclusion proof is malformed for this index and size
  | 'size' // the proof is for another tree size than the checkpoint's
  | 'root_mismatch' // the proof from the recomputed leaf does not reach the checkpoint's root
  | 'payload_hash'; // the payload does not hash to the payloadHash the entry committed to

export const CHECK_LABELS: Record<EvidenceCheck, string> = {
  key: 'verifier key',
  signature: 'signature',
  checkpoint: 'checkpoint',
  entry: 'entry',
  leaf_hash: 'leaf hash',
  proof: 'proof',
  size: 'tree size',
  root_mismatch: 'root mismatch',
  payload_hash: 'payload hash',
};

export interface Failure {
  check: EvidenceCheck;
  message: string;
}

export interface CheckpointResult {
  origin: string | null;
  size: number | null;
  rootHex: string | null;
  keyName: string | null;
  keyId: string | null;
  failures: Failure[];
}

export interface EntryResult {
  index: number;
  ok: boolean;
  failures: Failure[];
}

export type VerificationReport =
  | { mode: 'browser'; checkpoint: CheckpointResult; entries: EntryResult[] }
  /** This browser cannot verify (no WebCrypto in an insecure context, or no Ed25519). */
  | { mode: 'unsupported'; reason: string };

const HASH_SIZE = 32;
const ED25519 = 0x01; // signed-note signature type 0x01 = Ed25519
const utf8 = new TextEncoder();

// ---- encodings ----

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function fromHex(s: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

/** Strict base64 (canonical padding), as signed-note and tlog-checkpoint require; null when not. */
function fromBase64(s: string): Uint8Array | null {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    return null;
  }
  const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return toBase64(out) === s ? out : null;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const short = (hex: string) => `${hex.slice(0, 12)}…`;

// ---- hashing ----

async function sha256(subtle: SubtleCrypto, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', concat(data)));
}

/** RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || leaf data). */
export function leafHash(subtle: SubtleCrypto, leaf: Uint8Array): Promise<Uint8Array> {
  return sha256(subtle, concat(Uint8Array.of(0x00), leaf));
}

/** RFC 9162 §2.1.1: node hash = SHA-256(0x01 || left || right). */
function nodeHash(subtle: SubtleCrypto, left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(subtle, concat(Uint8Array.of(0x01), left, right));
}

const half = (x: number) => Math.floor(x / 2); // sizes reach past 2^31: no bit shifts
const isOdd = (x: number) => x % 2 === 1;

/**
 * RFC 9162 §2.1.3.2: the root an inclusion proof leads to from `leaf` at `index` in a tree of
 * `size`, or why the proof cannot be walked (wrong length for this index and size).
 */
export async function rootFromInclusionProof(
  subtle: SubtleCrypto,
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
): Promise<{ ok: true; root: Uint8Array } | { ok: false; message: string }> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return { ok: false, message: `index ${index} is not inside a tree of size ${size}` };
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const [i, p] of proof.entries()) {
    if (p.length !== HASH_SIZE) return { ok: false, message: `proof hash ${i} is not ${HASH_SIZE} bytes` };
    if (sn === 0) return { ok: false, message: `the proof has ${proof.length - i} hashes too many` };
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(subtle, p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(subtle, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, message: `the proof is too short for index ${index} of ${size}` };
  return { ok: true, root: r };
}

// ---- canonical JSON (src/modules/ledger/domain/canonical-json.ts, RFC 8785) ----

/** RFC 8785 for values parsed from JSON: members sorted by UTF-16 code units, ES number and string forms. */
export function canonicalJson(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`${v} is not a JSON number`);
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
    }
    default:
      throw new Error(`${typeof v} is not a JSON value`);
  }
}

// ---- signed note and checkpoint (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) ----

interface VerifierKey {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

/** `<name>+<hex key ID>+<base64(0x01 || public key)>`; the key ID must be the key's. */
async function parseVerifierKey(subtle: SubtleCrypto, vkey: string): Promise<VerifierKey | Failure> {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) return { check: 'key', message: 'the verifier key is not <name>+<id>+<key>' };
  const name = vkey.slice(0, first);
  const keyId = fromHex(vkey.slice(first + 1, second));
  const material = fromBase64(vkey.slice(second + 1));
  if (keyId?.length !== 4) return { check: 'key', message: 'the key ID is not 8 hex digits' };
  if (material?.length !== 33 || material[0] !== ED25519)
    return { check: 'key', message: 'the key is not base64(0x01 || 32-byte Ed25519 key)' };
  const publicKey = material.subarray(1);
  // signed-note "Ed25519 signatures": key ID = SHA-256(name || 0x0A || 0x01 || key)[:4]
  const id = (await sha256(subtle, concat(utf8.encode(name), Uint8Array.of(0x0a, ED25519), publicKey))).slice(
    0,
    4,
  );
  if (!equal(id, keyId))
    return { check: 'key', message: `key ID ${toHex(keyId)} is not the key's (${toHex(id)})` };
  return { name, keyId, publicKey };
}

class Unsupported extends Error {}

/** Opens the signed checkpoint: signature by `key`, then the origin / size / root body. */
async function openCheckpoint(
  subtle: SubtleCrypto,
  note: string,
  key: VerifierKey,
): Promise<{ failures: Failure[]; origin?: string; size?: number; root?: Uint8Array }> {
  // signed-note "Format": text, a blank line, signature lines "— <name> <base64(key ID || sig)>".
  const sep = note.lastIndexOf('\n\n');
  if (!note.endsWith('\n') || sep < 0)
    return { failures: [{ check: 'signature', message: 'the checkpoint is not a signed note' }] };
  const text = note.slice(0, sep + 1);
  const lines = note.slice(sep + 2, -1).split('\n');
  let signature: Uint8Array | null = null;
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    const sig = m ? fromBase64(m[2]) : null;
    if (m && sig && m[1] === key.name && sig.length > 4 && equal(sig.subarray(0, 4), key.keyId)) {
      signature = sig.subarray(4);
      break;
    }
  }
  const failures: Failure[] = [];
  if (!signature) {
    failures.push({
      check: 'signature',
      message: `the checkpoint has no signature by ${key.name}+${toHex(key.keyId)}`,
    });
  } else {
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await subtle.importKey('raw', concat(key.publicKey), { name: 'Ed25519' }, false, [
        'verify',
      ]);
    } catch (e) {
      throw new Unsupported(`this browser's WebCrypto has no Ed25519 (${(e as Error).message})`);
    }
    const ok =
      signature.length === 64 &&
      (await subtle.verify({ name: 'Ed25519' }, cryptoKey, concat(signature), utf8.encode(text)));
    if (!ok)
      failures.push({
        check: 'signature',
        message: `the Ed25519 signature of ${key.name} does not verify over the checkpoint text`,
      });
  }
  // tlog-checkpoint: origin line, decimal tree size, base64 root hash, optional extension lines.
  const [origin, sizeLine, rootLine] = text.slice(0, -1).split('\n');
  const root = rootLine === undefined ? null : fromBase64(rootLine);
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeLine ?? '') || !root || root.length !== HASH_SIZE) {
    failures.push({ check: 'checkpoint', message: 'the signed text is not origin, tree size and root hash' });
    return { failures };
  }
  return { failures, origin, size: Number(sizeLine), root };
}

// ---- the whole evidence ----

/**
 * Verifies every entry of `ev` in the browser. Nothing the server says about the outcome is used;
 * `leafHash` from the server is compared only to name an altered entry precisely.
 */
export async function verifyEvidence(
  ev: LedgerEvidence,
  subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null,
): Promise<VerificationReport> {
  if (!subtle)
    return { mode: 'unsupported', reason: 'WebCrypto is unavailable (the page is not served over HTTPS)' };
  try {
    return await verifyWith(subtle, ev);
  } catch (e) {
    if (e instanceof Unsupported) return { mode: 'unsupported', reason: e.message };
    throw e;
  }
}

async function verifyWith(subtle: SubtleCrypto, ev: LedgerEvidence): Promise<VerificationReport> {
  const checkpoint: CheckpointResult = {
    origin: null,
    size: null,
    rootHex: null,
    keyName: null,
    keyId: null,
    failures: [],
  };
  const key = await parseVerifierKey(subtle, ev.verifierKey);
  let root: Uint8Array | undefined;
  if ('check' in key) checkpoint.failures.push(key);
  else {
    checkpoint.keyName = key.name;
    checkpoint.keyId = toHex(key.keyId);
    const opened = await openCheckpoint(subtle, ev.checkpoint.checkpoint, key);
    checkpoint.failures.push(...opened.failures);
    if (opened.root && opened.size !== undefined) {
      root = opened.root;
      checkpoint.origin = opened.origin ?? null;
      checkpoint.size = opened.size;
      checkpoint.rootHex = toHex(opened.root);
    }
  }
  const entries: EntryResult[] = [];
  for (const e of ev.entries) {
    const failures: Failure[] = [...checkpoint.failures];
    let parsed: { type?: unknown; ref?: unknown; payloadHash?: unknown } = {};
    try {
      parsed = JSON.parse(e.entry);
    } catch {
      failures.push({ check: 'entry', message: 'the entry text is not JSON' });
    }
    if (parsed.type !== ev.type || parsed.ref !== ev.ref)
      failures.push({ check: 'entry', message: `the entry is not of ${ev.type} ${ev.ref}` });
    const leaf = await leafHash(subtle, utf8.encode(e.entry));
    if (toHex(leaf) !== e.leafHash)
      failures.push({
        check: 'leaf_hash',
        message: `the entry text hashes to ${short(toHex(leaf))}, the log holds ${short(e.leafHash)} at index ${e.index}: the stored entry was altered`,
      });
    if (checkpoint.size !== null && e.treeSize !== checkpoint.size)
      failures.push({
        check: 'size',
        message: `the proof is for size ${e.treeSize}, the checkpoint is size ${checkpoint.size}`,
      });
    const proof = e.inclusionProof.map(fromBase64);
    if (proof.some((p) => p === null))
      failures.push({ check: 'proof', message: 'a proof hash is not base64' });
    else if (root) {
      const walked = await rootFromInclusionProof(subtle, e.index, e.treeSize, leaf, proof as Uint8Array[]);
      if (!walked.ok) failures.push({ check: 'proof', message: walked.message });
      else if (!equal(walked.root, root))
        failures.push({
          check: 'root_mismatch',
          message: `the proof from this entry leads to root ${short(toHex(walked.root))}, the checkpoint's root is ${short(toHex(root))}`,
        });
    }
    if (e.payload !== null && typeof parsed.payloadHash === 'string') {
      const h = toHex(await sha256(subtle, utf8.encode(canonicalJson(e.payload))));
      if (h !== parsed.payloadHash)
        failures.push({
          check: 'payload_hash',
          message: `the stored payload hashes to ${short(h)}, the entry committed to ${short(parsed.payloadHash)}`,
        });
    }
    entries.push({ index: e.index, ok: failures.length === 0, failures });
  }
  return { mode: 'browser', checkpoint, entries };
}
