/**
 * Evidence of one record (an alert, a device, a policy): every logged entry of that type and ref with
 * an RFC 9162 inclusion proof against one signed checkpoint, and the verifier key, so a client can
 * check the whole chain itself (web/src/ledger-verify.ts does, in the browser) instead of trusting
 * the server's word. Built only on LedgerService's public methods.
 */
import { AppError, notFound } from '../../core';
import type { RequestContext } from '../tenancy';
import { openCheckpoint, parseVerifierKey } from './domain/checkpoint';
import type { EntryType } from './domain/entry';
import { leafHash, verifyInclusion } from './domain/merkle';
import type { CheckpointView, LedgerService } from './ledger.service';

/** Versions of one record served at once; older ones are counted in `total` and left out. */
export const MAX_EVIDENCE_ENTRIES = 100;

export type EvidenceCheck = 'signature' | 'leaf_hash' | 'proof' | 'root_mismatch';

/** The server's own verification; a client that can verify shows its own result, not this one. */
export type ServerCheck = { ok: true } | { ok: false; check: EvidenceCheck; message: string };

export interface EvidenceItem {
  index: number;
  time: string;
  /** Exact leaf data: the entry's canonical JSON without payload (what the Merkle leaf commits to). */
  entry: string;
  payloadHash: string;
  /** The payload as stored (null once erased); its canonical JSON hashes to the entry's payloadHash. */
  payload: unknown;
  /** Hex leaf hash the tree holds at this index (RFC 9162 §2.1.1: SHA-256(0x00 || entry)). */
  leafHash: string;
  treeSize: number;
  /** RFC 9162 §2.1.3.1 inclusion proof, base64 hashes, leaf to root. */
  inclusionProof: string[];
  serverCheck: ServerCheck;
}

export interface Evidence {
  type: EntryType;
  ref: string;
  /** Entries logged for this record; `entries` holds the newest MAX_EVIDENCE_ENTRIES of them. */
  total: number;
  /** c2sp.org/signed-note verifier key `<name>+<key id>+<base64(0x01 || Ed25519 key)>`. */
  verifierKey: string;
  /** The signed checkpoint every proof is against; `publishedNow` when this request had to sign it. */
  checkpoint: CheckpointView & { publishedNow: boolean };
  /** Newest first. */
  entries: EvidenceItem[];
}

/**
 * Where evidence of a record lives when it is not the caller's own log: a policy's declarations are
 * logged by its insurer, and its insured proves them from there. Returns the log owner's context
 * after checking that the caller may read the record (throwing not_found otherwise), or undefined
 * for the caller's own log. Only entries of that (type, ref) are read from the other log.
 */
export type EvidenceLogOf = (
  ctx: RequestContext,
  type: EntryType,
  ref: string,
) => Promise<RequestContext | undefined>;

async function latestOrNone(ledger: LedgerService, ctx: RequestContext): Promise<CheckpointView | undefined> {
  try {
    return await ledger.latestCheckpoint(ctx);
  } catch (e) {
    if (e instanceof AppError && e.kind === 'not_found') return undefined;
    throw e;
  }
}

/**
 * Every entry logged for (type, ref) in the caller's organisation, proven against the latest signed
 * checkpoint. When that checkpoint does not yet cover the newest entry, one is signed now (as an
 * export does), so fresh evidence is provable at once instead of after the next scheduled checkpoint.
 * Throws not_found when nothing was logged for the record; `logOf` names another log to read.
 */
export async function evidenceOf(
  ledger: LedgerService,
  caller: RequestContext,
  type: EntryType,
  ref: string,
  logOf?: EvidenceLogOf,
): Promise<Evidence> {
  caller.require('read');
  const ctx = (await logOf?.(caller, type, ref)) ?? caller;
  const { items, total } = await ledger.list(
    ctx,
    { types: [type], ref },
    { limit: MAX_EVIDENCE_ENTRIES, offset: 0 },
  );
  if (items.length === 0) throw notFound(`ledger evidence of this ${type.replace('_', ' ')}`);
  const newest = items[0].index;
  let cp = await latestOrNone(ledger, ctx);
  let publishedNow = false;
  if (!cp || cp.size <= newest) {
    cp = await ledger.publishCheckpoint(ctx.scope);
    publishedNow = true;
  }
  const verifierKey = ledger.verifierKey();
  const opened = openCheckpoint(cp.checkpoint, parseVerifierKey(verifierKey));
  const proofs = await ledger.inclusionProofs(
    ctx,
    items.map((e) => e.index),
    cp,
  );
  const entries: EvidenceItem[] = [];
  for (const [i, e] of items.entries()) {
    const p = proofs[i];
    const proof = p.inclusionProof.map((h) => Buffer.from(h, 'base64'));
    entries.push({
      index: e.index,
      time: e.time,
      entry: e.entry,
      payloadHash: e.payloadHash,
      payload: e.payload,
      leafHash: p.leafHash,
      treeSize: p.treeSize,
      inclusionProof: p.inclusionProof,
      serverCheck: serverCheck(e.index, p.treeSize, e.entry, p.leafHash, proof, opened),
    });
  }
  return { type, ref, total, verifierKey, checkpoint: { ...cp, publishedNow }, entries };
}

function serverCheck(
  index: number,
  size: number,
  entry: string,
  treeLeaf: string,
  proof: Buffer[],
  opened: ReturnType<typeof openCheckpoint>,
): ServerCheck {
  if (!opened.ok) return { ok: false, check: 'signature', message: opened.message };
  const leaf = leafHash(Buffer.from(entry, 'utf8'));
  if (leaf.toString('hex') !== treeLeaf)
    return {
      ok: false,
      check: 'leaf_hash',
      message: `the entry text hashes to ${leaf.toString('hex')}, the log holds ${treeLeaf} at index ${index}`,
    };
  const r = verifyInclusion(index, size, leaf, proof, opened.checkpoint.rootHash);
  if (!r.ok)
    return { ok: false, check: r.check === 'root_mismatch' ? 'root_mismatch' : 'proof', message: r.message };
  return { ok: true };
}
