import { join } from 'node:path';
import { AppError, type Clock, conflict, forbidden, invalid, type Logger, newId, notFound } from '../../core';
import type { Db, TenantScope } from '../../store';
import type { RequestContext, TenancyService } from '../tenancy';
import { DbNodeStore, hexOf } from './db-node-store';
import { buildBundle, type EvidenceBundle } from './domain/bundle';
import { type NoteSigner, openCheckpoint, signCheckpoint, verifierKeyOf } from './domain/checkpoint';
import {
  createEntry,
  type EntryType,
  entryLeafText,
  type LedgerEntry,
  parseEntry,
  payloadHashOf,
} from './domain/entry';
import { HASH_SIZE, leafHash } from './domain/merkle';
import { MerkleTree, perfectSubtrees } from './domain/tree';
import { loadOrCreateSigner } from './keys';
import { type EntryFilter, type EntryWrite, ledgerRepo as repo } from './ledger.repo';
import type { LedgerCheckpointRow, LedgerEntryRow } from './schema';

export interface AppendInput {
  type: EntryType;
  /** Id of the record this is evidence of (alert id, device id, document id...). */
  ref: string;
  /** Plain JSON; Dates become ISO strings, undefined fields are dropped (as JSON.stringify does). */
  payload: unknown;
  /** When it happened; defaults to now. */
  time?: Date;
}

export interface AppendedEntry {
  id: string;
  index: number;
  leafHash: string;
  /** False when an identical (type, ref, payload) was already logged: nothing was written. */
  appended: boolean;
}

export interface EntryView {
  id: string;
  index: number;
  type: string;
  ref: string;
  time: string;
  payloadHash: string;
  leafHash: string;
  /** Exact leaf data (canonical JSON without payload). */
  entry: string;
  payload: unknown;
}

export interface CheckpointView {
  size: number;
  rootHash: string;
  /** The signed C2SP checkpoint note. */
  checkpoint: string;
  createdAt: string;
}

export interface ExportRequest {
  indices?: number[];
  types?: EntryType[];
  ref?: string;
  from?: Date;
  to?: Date;
  /** Prove consistency from this older size (signed now) ... */
  olderSize?: number;
  /** ... or from a checkpoint the recipient already holds. */
  olderCheckpoint?: string;
  subject?: string;
  withholdPayloads?: boolean;
}

export interface LedgerOptions {
  /** Folder of the deployment's state; the key is `${dataDir}/keys/ledger.key`. */
  dataDir: string;
  /** Checkpoint origin prefix and note key name (a host-like name). */
  originPrefix?: string;
}

/** Entries an export may hold; larger evidence sets are exported in parts. */
export const MAX_EXPORT_ENTRIES = 10_000;
const CHECKPOINT_EVERY_MS = 10 * 60 * 1000;

const identityKey = (e: { type: string; ref: string; payloadHash: string }) =>
  `${e.type}\u0000${e.ref}\u0000${e.payloadHash}`;

/**
 * Assigns positions from `size` on to the entries not in `known` (keyed by identity), in order; a
 * repeat within the batch gets the first one's result. Fills `known` with the new ones.
 */
function placeEntries(
  entries: ReadonlyArray<{ e: LedgerEntry; text: string; leaf: Buffer; payloadJson: string | null }>,
  known: Map<string, AppendedEntry>,
  size: number,
): { results: AppendedEntry[]; rows: EntryWrite[] } {
  const placed = new Map(known);
  const results: AppendedEntry[] = [];
  const rows: EntryWrite[] = [];
  let next = size;
  for (const { e, text, leaf, payloadJson } of entries) {
    const k = identityKey(e);
    const seen = placed.get(k);
    if (seen) {
      results.push(seen.appended ? { ...seen, appended: false } : seen);
      continue;
    }
    const r: AppendedEntry = { id: newId(), index: next++, leafHash: leaf.toString('hex'), appended: true };
    placed.set(k, r);
    results.push(r);
    rows.push({
      id: r.id,
      idx: r.index,
      type: e.type,
      ref: e.ref,
      payloadHash: e.payloadHash,
      time: e.time,
      entry: text,
      payloadJson,
      leafHash: leaf,
    });
  }
  return { results, rows };
}

const toEntryView = (r: LedgerEntryRow): EntryView => ({
  id: r.id,
  index: r.idx,
  type: r.type,
  ref: r.ref,
  time: r.time.toISOString(),
  payloadHash: r.payloadHash,
  leafHash: hexOf(r.leafHash),
  entry: r.entry,
  payload: r.payload ?? null,
});

const toCheckpointView = (r: LedgerCheckpointRow): CheckpointView => ({
  size: r.size,
  rootHash: hexOf(r.rootHash),
  checkpoint: r.note,
  createdAt: r.createdAt.toISOString(),
});

/**
 * The evidence ledger: one RFC 9162 Merkle log per organisation, persisted (entries, perfect-subtree
 * nodes, signed checkpoints), appended to inside the transaction of the write it records.
 */
export class LedgerService {
  private signerCache: NoteSigner | undefined;
  private dataDir: string;
  readonly originPrefix: string;

  constructor(
    private readonly db: Db,
    private readonly tenancy: TenancyService,
    private readonly clock: Clock,
    opts: LedgerOptions,
  ) {
    this.dataDir = opts.dataDir;
    this.originPrefix = opts.originPrefix ?? 'coverwatch.example';
  }

  /** Point the key at another data folder (the server's configured DATA_DIR, a test's temp dir). */
  setDataDir(dataDir: string): void {
    if (dataDir !== this.dataDir) this.signerCache = undefined;
    this.dataDir = dataDir;
  }

  get keyFile(): string {
    return join(this.dataDir, 'keys', 'ledger.key');
  }

  /** The deployment's signer, created on first use. */
  signer(): NoteSigner {
    this.signerCache ??= loadOrCreateSigner(this.keyFile, this.originPrefix);
    return this.signerCache;
  }

  /** Note verifier key (c2sp.org/signed-note) that insurers pin to verify checkpoints and bundles. */
  verifierKey(): string {
    return verifierKeyOf(this.signer());
  }

  private async origin(scope: TenantScope): Promise<string> {
    return `${this.originPrefix}/${await repo.orgSlug(scope)}`;
  }

  // ---- appending ----

  /** Appends one entry in the scope's transaction (a savepoint inside the writer's). Idempotent. */
  async append(scope: TenantScope, input: AppendInput): Promise<AppendedEntry> {
    const [r] = await this.appendMany(scope, [input]);
    return r;
  }

  /**
   * Appends entries in order as one write: the head row is locked, new leaves hashed, entry rows
   * inserted in bulk, and the new tree nodes written onto the right edge kept in the head row (no
   * node is read). Entries already logged with the same (type, ref, payload hash) are returned with
   * `appended: false`: the identity index refuses them (the insert skips them, or a large one writes
   * none: ledger.repo.ts insertNewEntries), and only when it did are this attempt's rows removed
   * and the rest placed again, so the common case costs no lookup.
   */
  async appendMany(scope: TenantScope, inputs: readonly AppendInput[]): Promise<AppendedEntry[]> {
    if (inputs.length === 0) return [];
    const now = this.clock.now();
    const entries = inputs.map((it) => {
      // What jsonb keeps: plain JSON (Dates as ISO strings, no undefined), stringified once; the text
      // is also what the row stores.
      const json = it.payload === undefined ? undefined : JSON.stringify(it.payload);
      const payload: unknown = json === undefined ? null : JSON.parse(json);
      const e = createEntry({ type: it.type, org: scope.orgId, time: it.time ?? now, ref: it.ref, payload });
      const text = entryLeafText(e);
      return {
        e,
        text,
        leaf: leafHash(Buffer.from(text, 'utf8')),
        // JSON.stringify of what JSON.parse made of its own output gives that output back.
        payloadJson: payload === null ? null : (json as string),
      };
    });
    return scope.transaction(async (s) => {
      const head = await repo.lockHead(s, () => this.origin(s), now);
      const known = new Map<string, AppendedEntry>();
      // Nothing is known yet, so the first plan places at least the first entry.
      let plan = placeEntries(entries, known, head.size);
      const written = await repo.insertNewEntries(s, plan.rows);
      if (written !== plan.rows.length) {
        // Some were logged before: undo this attempt (a large batch wrote none) and place only the new ones.
        if (written > 0)
          await repo.deleteEntries(
            s,
            plan.rows.map((r) => r.idx),
          );
        for (const row of await repo.byIdentity(s, plan.rows)) {
          known.set(identityKey(row), {
            id: row.id,
            index: row.idx,
            leafHash: hexOf(row.leafHash),
            appended: false,
          });
        }
        plan = placeEntries(entries, known, head.size);
        if (plan.rows.length > 0 && (await repo.insertNewEntries(s, plan.rows)) !== plan.rows.length)
          throw conflict('ledger entries changed while appending (a concurrent writer?)');
      }
      if (plan.rows.length === 0) return plan.results;
      const tree = await this.openForAppend(s, head);
      await tree.appendLeafHashes(plan.rows.map((r) => r.leafHash));
      await repo.setSize(s, tree.size, tree.frontierHashes(), now);
      return plan.results;
    });
  }

  /** The tree at the locked head, from the right edge stored with it (or, on older logs, the tiles). */
  private openForAppend(s: TenantScope, head: { size: number; frontier: Uint8Array | null }) {
    return this.openAtHead(new DbNodeStore(s, { inTransaction: true }), head);
  }

  private async openAtHead(
    store: DbNodeStore,
    head: { size: number; frontier: Uint8Array | null },
  ): Promise<MerkleTree> {
    const f = head.frontier;
    if (f && f.length === perfectSubtrees(0, head.size).length * HASH_SIZE) {
      const hashes = [];
      for (let o = 0; o < f.length; o += HASH_SIZE) hashes.push(f.subarray(o, o + HASH_SIZE));
      return MerkleTree.fromFrontier(store, head.size, hashes);
    }
    return MerkleTree.open(store, head.size);
  }

  // ---- reading ----

  async list(ctx: RequestContext, filter: EntryFilter, page: { limit: number; offset: number }) {
    ctx.require('read');
    const [rows, total] = await Promise.all([
      repo.entries(ctx.scope, filter, page, 'desc'),
      repo.countEntries(ctx.scope, filter),
    ]);
    return { items: rows.map(toEntryView), total };
  }

  async entry(ctx: RequestContext, index: number): Promise<EntryView> {
    ctx.require('read');
    const row = await repo.entryAt(ctx.scope, index);
    if (!row) throw notFound(`ledger entry ${index}`);
    return toEntryView(row);
  }

  /** The tree as stored in the tiles (what integrity checks compare against). */
  private async tree(scope: TenantScope): Promise<MerkleTree> {
    const head = await repo.head(scope);
    return MerkleTree.open(new DbNodeStore(scope), head?.size ?? 0);
  }

  /**
   * The tree for serving proofs: opened from the right edge in the log row (one read fewer). A
   * proof from tampered tiles then fails against the root it is served with, as it should.
   */
  private async proofTree(scope: TenantScope): Promise<MerkleTree> {
    const head = await repo.head(scope);
    if (!head) return MerkleTree.open(new DbNodeStore(scope), 0);
    return this.openAtHead(new DbNodeStore(scope), head);
  }

  /** Current size of the organisation's log. */
  async size(scope: TenantScope): Promise<number> {
    return (await repo.head(scope))?.size ?? 0;
  }

  // ---- checkpoints ----

  /** Signs and stores a checkpoint at the current size (or returns the one already at that size). */
  async publishCheckpoint(scope: TenantScope): Promise<CheckpointView> {
    return scope.transaction(async (s) => {
      const head = await repo.lockHead(s, () => this.origin(s), this.clock.now());
      const existing = await repo.checkpointAt(s, head.size);
      if (existing) return toCheckpointView(existing);
      const tree = await MerkleTree.open(new DbNodeStore(s), head.size);
      const rootHash = await tree.root();
      const note = signCheckpoint({ origin: head.origin, size: head.size, rootHash }, this.signer());
      const row = await repo.insertCheckpoint(s, {
        id: newId(),
        size: head.size,
        rootHash,
        note,
        createdAt: this.clock.now(),
      });
      return toCheckpointView(row!);
    });
  }

  async checkpointNow(ctx: RequestContext): Promise<CheckpointView> {
    if (ctx.access !== 'own' || ctx.actor.role !== 'admin')
      throw forbidden('publishing a checkpoint needs an administrator of the organisation');
    return this.publishCheckpoint(ctx.scope);
  }

  async latestCheckpoint(ctx: RequestContext): Promise<CheckpointView> {
    ctx.require('read');
    const row = await repo.latestCheckpoint(ctx.scope);
    if (!row) throw notFound('checkpoint (none published yet)');
    return toCheckpointView(row);
  }

  /** Checkpoints every log that grew since its last checkpoint; returns how many were published. */
  async checkpointGrownLogs(logger?: Logger): Promise<number> {
    const grown = await repo.logsNeedingCheckpoint(this.db);
    let n = 0;
    for (const g of grown) {
      try {
        await this.publishCheckpoint(this.tenancy.scope(g.orgId));
        n++;
      } catch (e) {
        logger?.error({ orgId: g.orgId, err: (e as Error).message }, 'ledger checkpoint failed');
      }
    }
    return n;
  }

  /** Publishes checkpoints of grown logs every `everyMs` (default 10 minutes); returns a stop function. */
  startSchedule(logger?: Logger, everyMs = CHECKPOINT_EVERY_MS): () => Promise<void> {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() => this.checkpointGrownLogs(logger)).catch(() => undefined);
    }, everyMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  }

  // ---- proofs ----

  private async proofSize(
    scope: TenantScope,
    size: number | undefined,
  ): Promise<{ size: number; checkpoint: string | null }> {
    if (size === undefined) {
      const cp = await repo.checkpointNote(scope);
      if (!cp) throw notFound('checkpoint (none published yet): pass size or publish one');
      return { size: cp.size, checkpoint: cp.note };
    }
    const cp = await repo.checkpointNote(scope, size);
    return { size, checkpoint: cp?.note ?? null };
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of the entry at `index` in the tree of `size` (default: latest checkpoint). */
  async inclusionProof(ctx: RequestContext, index: number, size?: number) {
    const [p] = await this.inclusionProofs(ctx, [index], size);
    return p;
  }

  /**
   * Inclusion proofs of several entries in one tree (as {@link inclusionProof}, in order): the
   * checkpoint, log head, root, entry rows and leaves are read once for all of them. `size` may be the
   * checkpoint itself when the caller has just read it (then it is not read again).
   */
  async inclusionProofs(
    ctx: RequestContext,
    indices: readonly number[],
    size?: number | Pick<CheckpointView, 'size' | 'checkpoint'>,
  ) {
    ctx.require('read');
    const at =
      typeof size === 'object'
        ? { size: size.size, checkpoint: size.checkpoint }
        : await this.proofSize(ctx.scope, size);
    const tree = await this.proofTree(ctx.scope);
    const stored = await repo.existingIndices(ctx.scope, indices);
    const leaves = await repo.leafNodes(
      ctx.scope,
      indices.filter((i) => stored.has(i)),
    );
    let rootHash: string | undefined;
    const out = [];
    for (const index of indices) {
      if (!stored.has(index)) throw notFound(`ledger entry ${index}`);
      if (index >= at.size)
        throw invalid(`entry ${index} is not in the tree of size ${at.size}`, [
          { field: 'size', message: 'too small' },
        ]);
      const proof = await tree.inclusionProof(index, at.size);
      const leafNode = leaves.get(index);
      // As tree.leafHash: index < at.size <= the tree's size here, so only a missing node can fail.
      if (!leafNode) throw new AppError('unavailable', `node store lacks node (0, ${index})`);
      const leaf = hexOf(leafNode);
      rootHash ??= hexOf(await tree.root(at.size));
      out.push({
        index,
        treeSize: at.size,
        leafHash: leaf,
        rootHash,
        inclusionProof: proof.map((h) => h.toString('base64')),
        checkpoint: at.checkpoint,
      });
    }
    return out;
  }

  /** RFC 9162 §2.1.4.1 consistency proof between two sizes. */
  async consistencyProof(ctx: RequestContext, from: number, to?: number) {
    ctx.require('read');
    const tree = await this.proofTree(ctx.scope);
    const size2 = to ?? tree.size;
    const proof = await tree.consistencyProof(from, size2);
    return {
      from,
      to: size2,
      fromRoot: hexOf(await tree.root(from)),
      toRoot: hexOf(await tree.root(size2)),
      consistencyProof: proof.map((h) => h.toString('base64')),
    };
  }

  // ---- integrity and export ----

  /**
   * Checks stored rows against the stored tree: every position below the size has exactly its row,
   * each row's leaf text hashes to the stored leaf node, its columns and payload agree with the text,
   * and the latest checkpoint's root is the tree's root at that size. Returns every problem found.
   */
  async integrityProblems(
    scope: TenantScope,
    rows?: LedgerEntryRow[],
  ): Promise<Array<{ index: number | null; message: string }>> {
    const problems: Array<{ index: number | null; message: string }> = [];
    const size = await this.size(scope);
    const total = await repo.countEntries(scope);
    if (total !== size) {
      for (const i of await repo.missingIndices(scope, size))
        problems.push({ index: i, message: `entry ${i} is missing from the database (deleted)` });
      if (problems.length === 0)
        problems.push({
          index: null,
          message: `the log holds ${total} entry rows for a tree of ${size} leaves`,
        });
    }
    const checkRows =
      rows ?? (await repo.entries(scope, {}, { limit: MAX_EXPORT_ENTRIES, offset: 0 }, 'asc'));
    const leaves = await repo.leafNodes(
      scope,
      checkRows.map((r) => r.idx),
    );
    for (const r of checkRows) {
      const at = `entry ${r.idx} (${r.type} ${r.ref})`;
      const leaf = leafHash(Buffer.from(r.entry, 'utf8'));
      const stored = leaves.get(r.idx);
      if (r.idx >= size) problems.push({ index: r.idx, message: `${at} lies beyond the log size ${size}` });
      else if (!stored || !leaf.equals(stored)) {
        problems.push({
          index: r.idx,
          message: `${at} does not hash to the leaf stored at index ${r.idx} (altered or moved)`,
        });
        continue;
      }
      let e: LedgerEntry;
      try {
        e = parseEntry(JSON.parse(r.entry));
      } catch (err) {
        problems.push({ index: r.idx, message: `${at} is not a valid entry: ${(err as Error).message}` });
        continue;
      }
      if (e.type !== r.type || e.ref !== r.ref || e.payloadHash !== r.payloadHash || e.org !== scope.orgId)
        problems.push({
          index: r.idx,
          message: `${at}: type, ref, payload hash or organisation columns differ from the logged entry`,
        });
      if (r.payload !== null && payloadHashOf(r.payload) !== e.payloadHash)
        problems.push({
          index: r.idx,
          message: `${at}: stored payload does not match the payload hash it was logged with`,
        });
    }
    const cp = await repo.latestCheckpoint(scope);
    if (cp && cp.size <= size) {
      const root = await (await this.tree(scope)).root(cp.size);
      if (!root.equals(cp.rootHash))
        problems.push({
          index: null,
          message: `the tree no longer has the root of checkpoint ${cp.size} (nodes rewritten)`,
        });
      const opened = openCheckpoint(cp.note, this.signer());
      if (!opened.ok)
        problems.push({ index: null, message: `stored checkpoint ${cp.size}: ${opened.message}` });
    } else if (cp) {
      problems.push({
        index: null,
        message: `checkpoint ${cp.size} is beyond the log size ${size} (entries removed)`,
      });
    }
    return problems;
  }

  /**
   * An evidence bundle of the selected entries with proofs at a fresh checkpoint (and optionally an
   * older one with a consistency proof). Refuses, naming each entry, when stored rows no longer
   * match the tree: evidence that fails its own check is not exported.
   */
  async exportBundle(ctx: RequestContext, req: ExportRequest): Promise<EvidenceBundle> {
    ctx.require('read');
    const filter: EntryFilter = {
      types: req.types,
      ref: req.ref,
      from: req.from,
      to: req.to,
      indices: req.indices,
    };
    const total = await repo.countEntries(ctx.scope, filter);
    if (total > MAX_EXPORT_ENTRIES) {
      throw invalid(`the selection holds ${total} entries; export at most ${MAX_EXPORT_ENTRIES} at a time`, [
        { field: 'types', message: 'narrow the selection (types, from, to, indices)' },
      ]);
    }
    const rows = await repo.entries(ctx.scope, filter, { limit: MAX_EXPORT_ENTRIES, offset: 0 }, 'asc');
    const problems = await this.integrityProblems(ctx.scope, rows);
    if (problems.length) {
      throw conflict(
        `ledger integrity check failed: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
        problems.map((p) => ({
          field: p.index === null ? 'log' : `entries[${p.index}]`,
          message: p.message,
        })),
      );
    }
    const cp = await this.publishCheckpoint(ctx.scope);
    const head = await repo.head(ctx.scope);
    const tree = await MerkleTree.open(new DbNodeStore(ctx.scope), cp.size);
    return buildBundle({
      tree,
      signer: this.signer(),
      origin: head?.origin ?? (await this.origin(ctx.scope)),
      size: cp.size,
      subject: req.subject,
      entries: rows
        .filter((r) => r.idx < cp.size)
        .map((r) => ({
          index: r.idx,
          entry: {
            ...parseEntry(JSON.parse(r.entry)),
            ...(r.payload === null ? {} : { payload: r.payload }),
          },
          withholdPayload: req.withholdPayloads,
        })),
      olderCheckpoint: req.olderCheckpoint,
      olderSize: req.olderSize,
    });
  }
}
