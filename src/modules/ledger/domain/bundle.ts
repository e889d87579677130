/**
 * Evidence bundles: what an adjuster, auditor or court receives to check evidence offline, with
 * nothing but the log's verifier key.
 *
 * A bundle holds a signed checkpoint, the entries (leaf text, optional payload) with an inclusion
 * proof each at the checkpoint size, optionally an older checkpoint (e.g. the one the insurer got when
 * the claim was filed) with a consistency proof, and a signed manifest listing (index, leaf hash) of
 * every entry in order. Inclusion proofs show each entry is in the log; the manifest shows that no
 * entry was dropped, added or reordered after export, which proofs alone cannot show.
 *
 * The manifest is a signed note by the log key under the key name `<log key name>/bundle`, so its
 * signature can never be mistaken for a checkpoint signature (the key ID differs).
 */
import { z } from 'zod';
import { conflict, invalid } from '../../../core/errors';
import {
  type Checkpoint,
  type NoteSigner,
  type NoteVerifier,
  noteKeyId,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKeyOf,
  verifyNote,
} from './checkpoint';
import { entryLeafText, type LedgerEntry, parseEntry, payloadHashOf } from './entry';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle';
import type { MerkleTree } from './tree';

export const BUNDLE_FORMAT = 'coverwatch.ledger.bundle/v1';

export interface BundleEntry {
  /** Position of the entry in the log. */
  index: number;
  /** Canonical JSON of the entry without payload: exactly the leaf data. */
  entry: string;
  /** The payload, unless withheld. */
  payload?: unknown;
  /** RFC 9162 §2.1.3.1 inclusion proof at the checkpoint size, base64 hashes. */
  inclusionProof: string[];
}

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  /** Signed C2SP checkpoint note. */
  checkpoint: string;
  /** Note verifier key of the log, as the exporter states it. Pin your own copy when verifying. */
  verifierKey: string;
  /** Signed note listing every entry's index and leaf hash, in bundle order. */
  manifest: string;
  entries: BundleEntry[];
  older?: { checkpoint: string; consistencyProof: string[] };
}

const manifestName = (logKeyName: string) => `${logKeyName}/bundle`;

function manifestVerifier(v: NoteVerifier): NoteVerifier {
  const name = manifestName(v.name);
  return { ...v, name, keyId: noteKeyId(name, v.publicKey) };
}

function manifestSigner(s: NoteSigner): NoteSigner {
  const name = manifestName(s.name);
  return { ...s, name, keyId: noteKeyId(name, s.publicKey) };
}

interface Manifest {
  origin: string;
  size: number;
  subject: string;
  items: Array<{ index: number; leafHash: string }>;
}

function formatManifest(m: Manifest): string {
  const lines = [
    BUNDLE_FORMAT,
    `origin ${m.origin}`,
    `size ${m.size}`,
    `subject ${m.subject}`,
    `entries ${m.items.length}`,
    ...m.items.map((i) => `${i.index} ${i.leafHash}`),
  ];
  return lines.map((l) => `${l}\n`).join('');
}

function parseManifest(text: string): Manifest {
  const lines = text.slice(0, -1).split('\n');
  const field = (n: number, key: string): string => {
    const l = lines[n] ?? '';
    if (!l.startsWith(`${key} `))
      throw invalid(`manifest line ${n + 1} must start with "${key} "`, [{ line: n + 1, message: l }]);
    return l.slice(key.length + 1);
  };
  if (lines[0] !== BUNDLE_FORMAT)
    throw invalid(`manifest must start with ${BUNDLE_FORMAT}`, [{ line: 1, message: lines[0] }]);
  const origin = field(1, 'origin');
  const size = Number(field(2, 'size'));
  const subject = field(3, 'subject');
  const count = Number(field(4, 'entries'));
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(count) || lines.length !== 5 + count) {
    throw invalid('manifest size or entry count is malformed', [
      { line: 5, message: `${lines.length - 5} entry lines` },
    ]);
  }
  const items = lines.slice(5).map((l, i) => {
    const m = /^(0|[1-9][0-9]*) ([A-Za-z0-9+/]{43}=)$/.exec(l);
    if (!m)
      throw invalid(`manifest line ${6 + i} is not "<index> <base64 leaf hash>"`, [
        { line: 6 + i, message: l },
      ]);
    return { index: Number(m[1]), leafHash: m[2] };
  });
  return { origin, size, subject, items };
}

// ---------------------------------------------------------------------------------------------
// Export

export interface BundleRequest {
  tree: MerkleTree;
  signer: NoteSigner;
  /** Checkpoint origin of this log, e.g. "coverwatch.example/org_123". */
  origin: string;
  /** Tree size to prove at; defaults to the tree's current size. */
  size?: number;
  /** What the bundle is evidence for (claim id, incident id); signed in the manifest. */
  subject?: string;
  entries: ReadonlyArray<{ index: number; entry: LedgerEntry; withholdPayload?: boolean }>;
  /** An older signed checkpoint of the same log to prove consistency from (e.g. the one given at claim time). */
  olderCheckpoint?: string;
  /** Or: sign an older checkpoint at this size now and prove consistency from it. */
  olderSize?: number;
}

const b64 = (hs: readonly Buffer[]) => hs.map((h) => h.toString('base64'));

/** Assembles a bundle from the tree. Entries are sorted by index; each must match its stored leaf. */
export async function buildBundle(req: BundleRequest): Promise<EvidenceBundle> {
  const size = req.size ?? req.tree.size;
  const checkpoint = signCheckpoint(
    { origin: req.origin, size, rootHash: await req.tree.root(size) },
    req.signer,
  );
  const sorted = [...req.entries].sort((a, b) => a.index - b.index);
  const entries: BundleEntry[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const { index, entry, withholdPayload } = sorted[i];
    if (i > 0 && sorted[i - 1].index === index)
      throw invalid(`entry ${index} is listed twice`, [{ field: 'entries', message: String(index) }]);
    const text = entryLeafText(entry);
    const stored = await req.tree.leafHash(index);
    if (!stored.equals(leafHash(Buffer.from(text, 'utf8')))) {
      throw conflict(`entry ${entry.type}/${entry.ref} is not the leaf stored at index ${index}`, [
        { field: `entries[${i}]`, message: 'leaf hash mismatch' },
      ]);
    }
    entries.push({
      index,
      entry: text,
      ...(withholdPayload || entry.payload === undefined ? {} : { payload: entry.payload }),
      inclusionProof: b64(await req.tree.inclusionProof(index, size)),
    });
  }
  const manifest = signNote(
    formatManifest({
      origin: req.origin,
      size,
      subject: req.subject ?? '-',
      items: entries.map((e) => ({
        index: e.index,
        leafHash: leafHash(Buffer.from(e.entry, 'utf8')).toString('base64'),
      })),
    }),
    [manifestSigner(req.signer)],
  );
  const bundle: EvidenceBundle = {
    format: BUNDLE_FORMAT,
    checkpoint,
    verifierKey: verifierKeyOf(req.signer),
    manifest,
    entries,
  };
  let older: { checkpoint: string; size: number } | undefined;
  if (req.olderCheckpoint !== undefined) {
    older = {
      checkpoint: req.olderCheckpoint,
      size: parseCheckpoint(parseNote(req.olderCheckpoint).text).size,
    };
  } else if (req.olderSize !== undefined) {
    const cp: Checkpoint = {
      origin: req.origin,
      size: req.olderSize,
      rootHash: await req.tree.root(req.olderSize),
    };
    older = { checkpoint: signCheckpoint(cp, req.signer), size: req.olderSize };
  }
  if (older) {
    if (older.size === 0 || older.size > size) {
      throw invalid(`older checkpoint size ${older.size} must be between 1 and ${size}`, [
        { field: 'olderSize', message: 'out of range' },
      ]);
    }
    bundle.older = {
      checkpoint: older.checkpoint,
      consistencyProof: b64(await req.tree.consistencyProof(older.size, size)),
    };
  }
  return bundle;
}

// ---------------------------------------------------------------------------------------------
// Offline verification

export type BundleCheckName =
  | 'bundle_format'
  | 'verifier_key'
  | 'checkpoint'
  | 'manifest'
  | 'entry_format'
  | 'payload_hash'
  | 'inclusion'
  | 'older_checkpoint'
  | 'consistency';

export interface BundleCheck {
  check: BundleCheckName;
  ok: boolean;
  message: string;
  /** Log index of the entry concerned. */
  entryIndex?: number;
  /** 0-based position of the entry in the bundle. */
  position?: number;
  /** Machine-readable cause from the lower layer (e.g. 'root_mismatch', 'bad_signature'). */
  reason?: string;
  line?: number;
}

export interface BundleReport {
  ok: boolean;
  /** False when no trusted key was given: the bundle was checked against the key it carries. */
  trustedKey: boolean;
  origin?: string;
  treeSize?: number;
  rootHash?: string;
  subject?: string;
  checks: BundleCheck[];
  failures: BundleCheck[];
}

const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  checkpoint: z.string(),
  verifierKey: z.string(),
  manifest: z.string(),
  entries: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      entry: z.string(),
      payload: z.unknown().optional(),
      inclusionProof: z.array(z.string()),
    }),
  ),
  older: z.object({ checkpoint: z.string(), consistencyProof: z.array(z.string()) }).optional(),
});

/** Strict base64 hashes; returns the position of the first that is not base64. */
function decodeProof(proof: readonly string[]): { hashes: Buffer[] } | { bad: number } {
  const hashes: Buffer[] = [];
  for (let i = 0; i < proof.length; i++) {
    const b = Buffer.from(proof[i], 'base64');
    if (b.toString('base64') !== proof[i]) return { bad: i };
    hashes.push(b);
  }
  return { hashes };
}

/** Checkpoint body read without trusting it, so entry checks can still be reported after a bad signature. */
function unverifiedCheckpoint(note: string): Checkpoint | undefined {
  try {
    return parseCheckpoint(parseNote(note).text);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a bundle offline and reports every check: which signature, which entry (log index and
 * bundle position), which proof failed and why. With `trustedVerifierKey` (the insurer's pinned copy
 * of the log key) authenticity is established; without it only internal consistency is.
 */
export function verifyBundle(input: unknown, trustedVerifierKey?: string): BundleReport {
  const checks: BundleCheck[] = [];
  const add = (c: BundleCheck) => checks.push(c);
  const report = (extra: Partial<BundleReport> = {}): BundleReport => {
    const failures = checks.filter((c) => !c.ok);
    return {
      ok: failures.length === 0,
      trustedKey: trustedVerifierKey !== undefined,
      ...extra,
      checks,
      failures,
    };
  };

  const shape = bundleSchema.safeParse(input);
  if (!shape.success) {
    for (const i of shape.error.issues)
      add({ check: 'bundle_format', ok: false, message: `${i.path.join('.') || '$'}: ${i.message}` });
    return report();
  }
  const bundle = shape.data;

  // Key: the pinned key wins; a bundle naming a different key is itself a finding.
  let key: NoteVerifier | undefined;
  try {
    key = parseVerifierKey(trustedVerifierKey ?? bundle.verifierKey);
    if (trustedVerifierKey !== undefined && bundle.verifierKey !== trustedVerifierKey) {
      add({
        check: 'verifier_key',
        ok: false,
        message: `bundle names key ${bundle.verifierKey}, trusted key is ${trustedVerifierKey}`,
      });
    } else {
      add({
        check: 'verifier_key',
        ok: true,
        message: trustedVerifierKey
          ? `pinned key ${key.name}`
          : `key ${key.name} taken from the bundle (not pinned)`,
      });
    }
  } catch (e) {
    add({ check: 'verifier_key', ok: false, message: (e as Error).message });
    return report();
  }

  // Checkpoint
  const opened = openCheckpoint(bundle.checkpoint, key);
  let cp: Checkpoint | undefined;
  if (opened.ok) {
    cp = opened.checkpoint;
    add({ check: 'checkpoint', ok: true, message: `signed checkpoint ${cp.origin} size ${cp.size}` });
  } else {
    add({
      check: 'checkpoint',
      ok: false,
      message: `checkpoint: ${opened.message}`,
      reason: opened.check,
      line: opened.line,
    });
    cp = unverifiedCheckpoint(bundle.checkpoint);
    if (!cp) return report();
  }
  const summary = { origin: cp.origin, treeSize: cp.size, rootHash: cp.rootHash.toString('hex') };

  // Entries: format, payload, inclusion
  const leafHashes: Buffer[] = [];
  bundle.entries.forEach((be, position) => {
    const at = { entryIndex: be.index, position };
    const leaf = leafHash(Buffer.from(be.entry, 'utf8'));
    leafHashes.push(leaf);
    let entry: LedgerEntry | undefined;
    try {
      const parsed: unknown = JSON.parse(be.entry);
      entry = parseEntry(parsed);
      if (entry.payload !== undefined) throw invalid('entry text carries its payload; the leaf must not');
      if (entryLeafText(entry) !== be.entry) throw invalid('entry text is not in canonical form (RFC 8785)');
      add({
        check: 'entry_format',
        ok: true,
        message: `entry ${be.index}: ${entry.type} ${entry.ref}`,
        ...at,
      });
    } catch (e) {
      entry = undefined;
      add({
        check: 'entry_format',
        ok: false,
        message: `entry ${be.index} (position ${position}): ${(e as Error).message}`,
        ...at,
      });
    }
    if (be.payload === undefined) {
      add({
        check: 'payload_hash',
        ok: true,
        message: `entry ${be.index}: payload withheld, entry proven by hash only`,
        ...at,
      });
    } else if (entry) {
      let got: string;
      try {
        got = payloadHashOf(be.payload);
      } catch (e) {
        got = `(not canonicalisable: ${(e as Error).message})`;
      }
      add(
        got === entry.payloadHash
          ? { check: 'payload_hash', ok: true, message: `entry ${be.index}: payload matches its hash`, ...at }
          : {
              check: 'payload_hash',
              ok: false,
              message: `entry ${be.index} (position ${position}): payload hashes to ${got}, entry commits to ${entry.payloadHash}`,
              reason: 'payload_hash_mismatch',
              ...at,
            },
      );
    }
    const proof = decodeProof(be.inclusionProof);
    if ('bad' in proof) {
      add({
        check: 'inclusion',
        ok: false,
        message: `entry ${be.index}: inclusionProof[${proof.bad}] is not base64`,
        reason: 'proof_encoding',
        ...at,
      });
      return;
    }
    const r = verifyInclusion(be.index, cp.size, leaf, proof.hashes, cp.rootHash);
    add(
      r.ok
        ? { check: 'inclusion', ok: true, message: `entry ${be.index} is included at size ${cp.size}`, ...at }
        : {
            check: 'inclusion',
            ok: false,
            message: `entry ${be.index} (position ${position}) is not proven included at size ${cp.size}: ${r.message}`,
            reason: r.check,
            ...at,
          },
    );
  });

  // Manifest: completeness and order
  const signed = verifyNote(bundle.manifest, [manifestVerifier(key)]);
  let subject: string | undefined;
  if (!signed.ok) {
    add({
      check: 'manifest',
      ok: false,
      message: `manifest: ${signed.message}`,
      reason: signed.check,
      line: signed.line,
    });
  } else {
    let manifest: Manifest | undefined;
    try {
      manifest = parseManifest(signed.text);
    } catch (e) {
      add({
        check: 'manifest',
        ok: false,
        message: `manifest: ${(e as Error).message}`,
        reason: 'manifest_format',
      });
    }
    if (manifest) {
      subject = manifest.subject;
      const before = checks.length;
      if (manifest.origin !== cp.origin || manifest.size !== cp.size) {
        add({
          check: 'manifest',
          ok: false,
          message: `manifest is for ${manifest.origin} size ${manifest.size}, checkpoint is ${cp.origin} size ${cp.size}`,
          reason: 'checkpoint_mismatch',
        });
      }
      const listed = new Map(manifest.items.map((it, pos) => [it.index, { ...it, pos }]));
      const present = new Set<number>();
      let previous = -1;
      bundle.entries.forEach((be, position) => {
        const at = { entryIndex: be.index, position };
        const want = listed.get(be.index);
        if (present.has(be.index)) {
          add({
            check: 'manifest',
            ok: false,
            message: `entry ${be.index} appears twice (again at position ${position})`,
            reason: 'duplicate',
            ...at,
          });
          return;
        }
        present.add(be.index);
        if (!want) {
          add({
            check: 'manifest',
            ok: false,
            message: `entry ${be.index} at position ${position} is not in the signed manifest`,
            reason: 'not_listed',
            ...at,
          });
          return;
        }
        if (want.leafHash !== leafHashes[position].toString('base64')) {
          add({
            check: 'manifest',
            ok: false,
            message: `entry ${be.index} differs from the one the manifest lists`,
            reason: 'leaf_hash_mismatch',
            ...at,
          });
        }
        if (be.index < previous) {
          add({
            check: 'manifest',
            ok: false,
            message: `entry ${be.index} at position ${position} comes after entry ${previous}; the manifest lists it at position ${want.pos}`,
            reason: 'reordered',
            ...at,
          });
        }
        previous = Math.max(previous, be.index);
      });
      manifest.items.forEach((it, pos) => {
        if (!present.has(it.index)) {
          add({
            check: 'manifest',
            ok: false,
            message: `entry ${it.index} (manifest position ${pos}) is missing from the bundle`,
            reason: 'missing',
            entryIndex: it.index,
          });
        }
      });
      if (checks.length === before) {
        add({
          check: 'manifest',
          ok: true,
          message: `all ${manifest.items.length} listed entries present, in order, unchanged`,
        });
      }
    }
  }

  // Older checkpoint and consistency
  if (bundle.older) {
    const old = openCheckpoint(bundle.older.checkpoint, key, cp.origin);
    if (!old.ok) {
      add({
        check: 'older_checkpoint',
        ok: false,
        message: `older checkpoint: ${old.message}`,
        reason: old.check,
        line: old.line,
      });
    } else {
      add({ check: 'older_checkpoint', ok: true, message: `signed checkpoint size ${old.checkpoint.size}` });
      const proof = decodeProof(bundle.older.consistencyProof);
      const r =
        'bad' in proof
          ? {
              ok: false as const,
              check: 'proof_encoding',
              message: `consistencyProof[${proof.bad}] is not base64`,
            }
          : verifyConsistency(
              old.checkpoint.size,
              cp.size,
              proof.hashes,
              old.checkpoint.rootHash,
              cp.rootHash,
            );
      add(
        r.ok
          ? {
              check: 'consistency',
              ok: true,
              message: `size ${old.checkpoint.size} -> ${cp.size} is append-only`,
            }
          : {
              check: 'consistency',
              ok: false,
              message: `checkpoint at size ${cp.size} is not consistent with the older one at size ${old.checkpoint.size}: ${r.message}`,
              reason: r.check,
            },
      );
    }
  }
  return report({ ...summary, subject });
}
