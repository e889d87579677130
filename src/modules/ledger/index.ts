/** The ledger module's public surface: Merkle log, node storage, entries, checkpoints, bundles. */

export { DbNodeStore } from './db-node-store';
export type {
  BundleCheck,
  BundleCheckName,
  BundleEntry,
  BundleReport,
  BundleRequest,
  EvidenceBundle,
} from './domain/bundle';
export { BUNDLE_FORMAT, buildBundle, verifyBundle } from './domain/bundle';
export { canonicalJson, canonicalJsonBytes } from './domain/canonical-json';
export type {
  Checkpoint,
  CheckpointCheck,
  CheckpointVerification,
  NoteCheck,
  NoteSignature,
  NoteSigner,
  NoteVerification,
  NoteVerifier,
  ParsedNote,
} from './domain/checkpoint';
export {
  encodeSignerKey,
  encodeVerifierKey,
  formatCheckpoint,
  generateSigner,
  noteKeyId,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKeyOf,
  verifyNote,
} from './domain/checkpoint';
export type { EntryType, LedgerEntry, NewEntry } from './domain/entry';
export {
  createEntry,
  ENTRY_TYPES,
  ENTRY_VERSION,
  entryHeader,
  entryIdentity,
  entryLeafBytes,
  entryLeafHash,
  entryLeafText,
  parseEntry,
  payloadHashOf,
  payloadMatches,
} from './domain/entry';
export type { ProofCheck, VerifyFailure, VerifyResult } from './domain/merkle';
export {
  consistencyProofFromLeafHashes,
  emptyRoot,
  HASH_SIZE,
  inclusionProofFromLeafHashes,
  isValidSubtree,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  rootFromLeafHashes,
  sha256Digest,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from './domain/merkle';
export type { NodeKey, NodeStore, StoredNode } from './domain/node-store';
export { MemoryNodeStore } from './domain/node-store';
export { MerkleTree, perfectSubtrees } from './domain/tree';
export type { Evidence, EvidenceCheck, EvidenceItem, EvidenceLogOf, ServerCheck } from './evidence';
export { evidenceOf, MAX_EVIDENCE_ENTRIES } from './evidence';
export { ledgerKeyPath, loadOrCreateSigner } from './keys';
export type {
  AppendedEntry,
  AppendInput,
  CheckpointView,
  EntryView,
  ExportRequest,
  LedgerOptions,
} from './ledger.service';
export { LedgerService, MAX_EXPORT_ENTRIES } from './ledger.service';
export { registerLedgerRoutes } from './routes';
