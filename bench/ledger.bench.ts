import { createHash, hash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { buildBundle, verifyBundle } from '../src/modules/ledger/domain/bundle';
import { generateSigner, verifierKeyOf } from '../src/modules/ledger/domain/checkpoint';
import { createEntry, entryLeafBytes, type LedgerEntry } from '../src/modules/ledger/domain/entry';
import { leafHash, verifyConsistency, verifyInclusion } from '../src/modules/ledger/domain/merkle';
import { MemoryNodeStore } from '../src/modules/ledger/domain/node-store';
import { MerkleTree } from '../src/modules/ledger/domain/tree';

/**
 * Ledger: in-memory appends/s (target >= 100,000/s), proof generation + verification at 1,000,000
 * leaves (target < 1 ms), and the node:crypto SHA-256 rate on 64-byte inputs as the physical limit
 * (an append costs ~2 hashes amortised: the leaf and on average one interior node).
 */
const N = 1_000_000;

/**
 * Wall-clock and this process's CPU time (user + system). On a shared, oversubscribed machine the
 * wall clock includes time spent waiting for a core; CPU time does not, so both are reported.
 */
async function timed(fn: () => Promise<void> | void): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

const cpuNote = (count: number, t: { wallMs: number; cpuMs: number }, unit: string) =>
  `per CPU-second: ${Math.round((count * 1000) / t.cpuMs).toLocaleString('en-US')} ${unit}`;

async function hashRate(label: string, fn: (b: Buffer) => Buffer) {
  const input = Buffer.alloc(64, 7);
  const count = 1_000_000;
  for (let i = 0; i < 50_000; i++) fn(input);
  const t = await timed(() => {
    for (let i = 0; i < count; i++) fn(input);
  });
  return {
    name: `SHA-256 64-byte inputs (${label})`,
    value: (count * 1000) / t.wallMs,
    unit: 'hashes/s',
    note: `physical limit; ${cpuNote(count, t, 'hashes')}`,
  };
}

export async function run() {
  const rows: Array<{ name: string; value: number; unit: string; target?: string; note?: string }> = [];
  rows.push(await hashRate('crypto.hash one-shot', (b) => hash('sha256', b, 'buffer')));
  rows.push(await hashRate('createHash', (b) => createHash('sha256').update(b).digest()));

  // A realistic ~190-byte canonical entry; the counter is written into a reused buffer.
  const template = entryLeafBytes(
    createEntry({
      type: 'alert',
      org: 'org_0123456789',
      time: '2026-11-25T11:40:00.000Z',
      ref: 'alr_0000000000',
      payload: { x: 1 },
    }),
  );
  const refAt = template.indexOf('alr_') + 4;
  const entry = Buffer.from(template);
  const setRef = (i: number) => entry.write(String(i).padStart(10, '0'), refAt, 'latin1');

  const tree = await MerkleTree.open(new MemoryNodeStore());
  let t = await timed(async () => {
    for (let i = 0; i < N; i++) {
      setRef(i);
      await tree.append(entry);
    }
  });
  rows.push({
    name: `append, one await each (${N.toLocaleString('en-US')} entries)`,
    value: (N * 1000) / t.wallMs,
    unit: 'appends/s',
    target: '>= 100,000',
    note: `${entry.length}-byte entries incl. leaf hash; ${cpuNote(N, t, 'appends')}`,
  });

  const batched = await MerkleTree.open(new MemoryNodeStore());
  t = await timed(async () => {
    for (let i = 0; i < N; i += 1000) {
      const leaves: Buffer[] = [];
      for (let j = i; j < i + 1000; j++) {
        setRef(j);
        leaves.push(leafHash(entry));
      }
      await batched.appendLeafHashes(leaves);
    }
  });
  rows.push({
    name: 'append, batches of 1,000 (one putMany each)',
    value: (N * 1000) / t.wallMs,
    unit: 'appends/s',
    target: '>= 100,000',
    note: cpuNote(N, t, 'appends'),
  });

  const rng = xoroshiro128plus(2026);
  const reps = 2000;
  const root = await tree.root();
  let sink = 0;
  t = await timed(async () => {
    for (let r = 0; r < reps; r++) {
      const i = uniformInt(rng, 0, N - 1);
      const proof = await tree.inclusionProof(i, N);
      sink += verifyInclusion(i, N, await tree.leafHash(i), proof, root).ok ? 1 : 0;
    }
  });
  rows.push({
    name: 'inclusion proof generate + verify at 1,000,000 leaves',
    value: (t.wallMs * 1000) / reps,
    unit: 'µs/proof',
    target: '< 1,000',
    note: `CPU time ${((t.cpuMs * 1000) / reps).toFixed(0)} µs/proof`,
  });

  t = await timed(async () => {
    for (let r = 0; r < reps; r++) {
      const m = uniformInt(rng, 1, N - 1);
      const proof = await tree.consistencyProof(m, N);
      sink += verifyConsistency(m, N, proof, await tree.root(m), root).ok ? 1 : 0;
    }
  });
  rows.push({
    name: 'consistency proof generate + verify at 1,000,000 leaves',
    value: (t.wallMs * 1000) / reps,
    unit: 'µs/proof',
    target: '< 1,000',
    note: `old root read from store too; CPU time ${((t.cpuMs * 1000) / reps).toFixed(0)} µs/proof`,
  });
  if (sink !== 2 * reps) throw new Error(`only ${sink} of ${2 * reps} proofs verified`);

  // Export and offline verification of a claim-sized bundle (100 entries) from a real entry log.
  const signer = generateSigner('coverwatch.example/org_bench');
  const log = await MerkleTree.open(new MemoryNodeStore());
  const entries: LedgerEntry[] = [];
  for (let i = 0; i < 10_000; i++) {
    const e = createEntry({
      type: 'alert',
      org: 'org_bench',
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      ref: `alr_${i}`,
      payload: { seq: i, score: i / 10_000 },
    });
    entries.push(e);
    await log.append(entryLeafBytes(e));
  }
  const picked = Array.from({ length: 100 }, (_, k) => ({ index: k * 97, entry: entries[k * 97] }));
  let bundle: Awaited<ReturnType<typeof buildBundle>> | undefined;
  const built = await timed(async () => {
    bundle = await buildBundle({ tree: log, signer, origin: signer.name, entries: picked, olderSize: 5000 });
  });
  let report: ReturnType<typeof verifyBundle> | undefined;
  const verified = await timed(() => {
    report = verifyBundle(JSON.parse(JSON.stringify(bundle)), verifierKeyOf(signer));
  });
  if (!report?.ok) throw new Error(report?.failures[0]?.message ?? 'bundle did not verify');
  rows.push({
    name: 'buildBundle, 100 entries of 10,000 (+ older checkpoint)',
    value: built.wallMs,
    unit: 'ms',
    note: `CPU time ${built.cpuMs.toFixed(1)} ms`,
  });
  rows.push({
    name: 'verifyBundle, 100 entries + consistency',
    value: verified.wallMs,
    unit: 'ms',
    note: `${report.checks.length} checks; CPU time ${verified.cpuMs.toFixed(1)} ms`,
  });
  return rows;
}
