import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, type EvidenceBundle, verifyBundle } from './bundle';
import { generateSigner, type NoteSigner, signCheckpoint, verifierKeyOf } from './checkpoint';
import { createEntry, entryLeafBytes, type LedgerEntry } from './entry';
import { MemoryNodeStore } from './node-store';
import { MerkleTree } from './tree';

const ORIGIN = 'coverwatch.example/org_1';
const types = ['alert', 'device_change', 'response_action', 'claim_document', 'policy_document'] as const;

function makeEntry(i: number, variant = ''): LedgerEntry {
  return createEntry({
    type: types[i % types.length],
    org: 'org_1',
    time: new Date(Date.UTC(2026, 10, 25, 8, 0, i)),
    ref: `rec_${i}`,
    payload: {
      seq: i,
      note: `evidence ${i}${variant}`,
      device: { id: `dev_${i % 4}`, ip: '10.0.0.7' },
      tags: ['a', i],
    },
  });
}

async function makeLog(n: number, variant: (i: number) => string = () => '') {
  const tree = await MerkleTree.open(new MemoryNodeStore());
  const entries: LedgerEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = makeEntry(i, variant(i));
    entries.push(e);
    await tree.append(entryLeafBytes(e));
  }
  return { tree, entries };
}

const clone = (b: EvidenceBundle): EvidenceBundle => JSON.parse(JSON.stringify(b));
const failuresOf = (b: unknown, key?: string) => verifyBundle(b, key).failures;

describe('evidence bundles', () => {
  let signer: NoteSigner;
  let vkey: string;
  let log: Awaited<ReturnType<typeof makeLog>>;
  let bundle: EvidenceBundle;
  const picked = [3, 7, 8, 20, 33];

  beforeAll(async () => {
    signer = generateSigner(ORIGIN);
    vkey = verifierKeyOf(signer);
    log = await makeLog(41);
    bundle = await buildBundle({
      tree: log.tree,
      signer,
      origin: ORIGIN,
      subject: 'claim clm_9',
      entries: picked.map((index) => ({ index, entry: log.entries[index], withholdPayload: index === 20 })),
      olderSize: 12,
    });
  });

  it('an untouched bundle verifies, as JSON, with the pinned key', () => {
    const report = verifyBundle(clone(bundle), vkey);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      trustedKey: true,
      origin: ORIGIN,
      treeSize: 41,
      subject: 'claim clm_9',
    });
    // every entry got format, payload and inclusion checks; plus key, checkpoint, manifest, older, consistency
    expect(report.checks).toHaveLength(picked.length * 3 + 5);
    expect(report.checks.find((c) => c.check === 'payload_hash' && c.entryIndex === 20)?.message).toMatch(
      /withheld/,
    );
    expect(bundle.entries.find((e) => e.index === 20)).not.toHaveProperty('payload');
    const unpinned = verifyBundle(clone(bundle));
    expect(unpinned).toMatchObject({ ok: true, trustedKey: false });
  });

  it('changing any byte of any entry fails inclusion for exactly that entry', () => {
    for (let k = 0; k < bundle.entries.length; k++) {
      const text = bundle.entries[k].entry;
      for (let pos = 0; pos < text.length; pos++) {
        const b = clone(bundle);
        const ch = text.charCodeAt(pos);
        b.entries[k].entry =
          text.slice(0, pos) + String.fromCharCode(ch === 0x7a ? 0x79 : ch + 1) + text.slice(pos + 1);
        const failures = failuresOf(b, vkey);
        const named = failures.filter((f) => f.check === 'inclusion');
        expect(named.map((f) => f.entryIndex)).toEqual([picked[k]]);
        expect(named[0]).toMatchObject({ position: k, reason: 'root_mismatch' });
        expect(
          failures.some(
            (f) => f.check === 'manifest' && f.reason === 'leaf_hash_mismatch' && f.entryIndex === picked[k],
          ),
        ).toBe(true);
      }
    }
  });

  it('changing any value in any payload fails the payload hash of that entry', () => {
    for (let k = 0; k < bundle.entries.length; k++) {
      if (bundle.entries[k].payload === undefined) continue;
      const paths: Array<(p: Record<string, unknown>) => void> = [
        (p) => {
          p.seq = (p.seq as number) + 1;
        },
        (p) => {
          p.note = `${p.note}.`;
        },
        (p) => {
          (p.device as { ip: string }).ip = '10.0.0.8';
        },
        (p) => {
          (p.tags as unknown[]).reverse();
        },
        (p) => {
          p.extra = true;
        },
      ];
      for (const mutate of paths) {
        const b = clone(bundle);
        mutate(b.entries[k].payload as Record<string, unknown>);
        const failures = failuresOf(b, vkey);
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatchObject({
          check: 'payload_hash',
          entryIndex: picked[k],
          reason: 'payload_hash_mismatch',
        });
      }
    }
  });

  it('a deleted entry is named as missing', () => {
    for (let k = 0; k < picked.length; k++) {
      const b = clone(bundle);
      b.entries.splice(k, 1);
      const failures = failuresOf(b, vkey);
      expect(failures).toEqual([
        expect.objectContaining({ check: 'manifest', reason: 'missing', entryIndex: picked[k] }),
      ]);
    }
  });

  it('reordered entries are named', () => {
    const b = clone(bundle);
    [b.entries[1], b.entries[2]] = [b.entries[2], b.entries[1]];
    const failures = failuresOf(b, vkey);
    expect(failures).toEqual([
      expect.objectContaining({ check: 'manifest', reason: 'reordered', entryIndex: 7, position: 2 }),
    ]);
  });

  it('an entry smuggled in (with a valid proof) is named as not listed', async () => {
    const extra = await buildBundle({
      tree: log.tree,
      signer,
      origin: ORIGIN,
      entries: [{ index: 5, entry: log.entries[5] }],
    });
    const b = clone(bundle);
    b.entries.push(extra.entries[0]);
    const failures = failuresOf(b, vkey);
    expect(failures).toEqual([
      expect.objectContaining({ check: 'manifest', reason: 'not_listed', entryIndex: 5, position: 5 }),
    ]);
  });

  it('swapped proofs fail inclusion for both entries', () => {
    const b = clone(bundle);
    [b.entries[0].inclusionProof, b.entries[3].inclusionProof] = [
      b.entries[3].inclusionProof,
      b.entries[0].inclusionProof,
    ];
    const failures = failuresOf(b, vkey);
    expect(failures.map((f) => [f.check, f.entryIndex])).toEqual([
      ['inclusion', 3],
      ['inclusion', 20],
    ]);
    // a changed index is caught the same way
    const c = clone(bundle);
    c.entries[1].index = 6;
    expect(failuresOf(c, vkey).some((f) => f.check === 'inclusion' && f.entryIndex === 6)).toBe(true);
  });

  it('an altered checkpoint root, size or signature fails the checkpoint signature', () => {
    const [origin, size, root, blank, sig] = bundle.checkpoint.split('\n');
    const otherRoot = Buffer.from(root, 'base64');
    otherRoot[0] ^= 1;
    const sigBytes = Buffer.from(sig.split(' ')[2], 'base64');
    sigBytes[40] ^= 0x80;
    const variants = {
      root: [origin, size, otherRoot.toString('base64'), blank, sig, ''].join('\n'),
      size: [origin, '40', root, blank, sig, ''].join('\n'),
      signature: [
        origin,
        size,
        root,
        blank,
        `${sig.split(' ').slice(0, 2).join(' ')} ${sigBytes.toString('base64')}`,
        '',
      ].join('\n'),
    };
    for (const [what, checkpoint] of Object.entries(variants)) {
      const failures = failuresOf({ ...clone(bundle), checkpoint }, vkey);
      expect(failures[0], what).toMatchObject({ check: 'checkpoint', reason: 'bad_signature' });
    }
    // a re-signed checkpoint by another key is not trusted
    const mallory = generateSigner(ORIGIN);
    const forged = signCheckpoint(
      { origin: ORIGIN, size: 41, rootHash: Buffer.from(root, 'base64') },
      mallory,
    );
    const failures = failuresOf({ ...clone(bundle), checkpoint: forged }, vkey);
    expect(failures).toEqual([
      expect.objectContaining({ check: 'checkpoint', reason: 'no_known_signature' }),
    ]);
  });

  it('a bundle made with another key fails against the pinned key', async () => {
    const mallory = generateSigner(ORIGIN);
    const forged = await buildBundle({
      tree: log.tree,
      signer: mallory,
      origin: ORIGIN,
      entries: [{ index: 3, entry: log.entries[3] }],
    });
    expect(verifyBundle(forged).ok).toBe(true); // internally consistent...
    const failures = failuresOf(forged, vkey); // ...but not by the log's key
    expect(failures.map((f) => f.check)).toEqual(['verifier_key', 'checkpoint', 'manifest']);
  });

  it('an older checkpoint from a forked history is named inconsistent', async () => {
    const fork = await makeLog(12, (i) => (i === 9 ? ' (rewritten)' : ''));
    const forkedOld = signCheckpoint({ origin: ORIGIN, size: 12, rootHash: await fork.tree.root() }, signer);
    const b = clone(bundle);
    b.older = { checkpoint: forkedOld, consistencyProof: b.older!.consistencyProof };
    const failures = failuresOf(b, vkey);
    expect(failures).toEqual([
      expect.objectContaining({ check: 'consistency', reason: 'old_root_mismatch' }),
    ]);
    expect(failures[0].message).toMatch(/not consistent with the older one at size 12/);
  });

  it('malformed bundles are rejected with the field', () => {
    expect(failuresOf({ ...clone(bundle), entries: 'nope' }, vkey)[0]).toMatchObject({
      check: 'bundle_format',
      message: /entries/,
    });
    const b = clone(bundle);
    b.entries[0].inclusionProof[0] = '***';
    expect(failuresOf(b, vkey)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'inclusion', reason: 'proof_encoding', entryIndex: 3 }),
      ]),
    );
    const c = clone(bundle);
    c.entries[2].entry = c.entries[2].entry.replace('{"org"', '{ "org"');
    expect(failuresOf(c, vkey).map((f) => [f.check, f.entryIndex])).toEqual(
      expect.arrayContaining([
        ['entry_format', 8],
        ['inclusion', 8],
      ]),
    );
  });

  it('refuses to export an entry that is not the stored leaf', async () => {
    await expect(
      buildBundle({ tree: log.tree, signer, origin: ORIGIN, entries: [{ index: 4, entry: log.entries[5] }] }),
    ).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('random logs, subsets and single tampers (seeded): clean bundles pass, each tamper names its entry', async () => {
    const rng = xoroshiro128plus(8785);
    for (let trial = 0; trial < 12; trial++) {
      const n = uniformInt(rng, 2, 120);
      const { tree, entries } = await makeLog(n);
      const chosen = [
        ...new Set(
          Array.from({ length: uniformInt(rng, 1, Math.min(n, 8)) }, () => uniformInt(rng, 0, n - 1)),
        ),
      ];
      const older = uniformInt(rng, 1, n);
      const b = await buildBundle({
        tree,
        signer,
        origin: ORIGIN,
        entries: chosen.map((index) => ({ index, entry: entries[index] })),
        olderSize: older,
      });
      expect(verifyBundle(clone(b), vkey).failures).toEqual([]);
      const k = uniformInt(rng, 0, b.entries.length - 1);
      const target = b.entries[k].index;
      const t = clone(b);
      switch (uniformInt(rng, 0, 3)) {
        case 0: {
          const pos = uniformInt(rng, 0, t.entries[k].entry.length - 1);
          const text = t.entries[k].entry;
          t.entries[k].entry = `${text.slice(0, pos)}${text[pos] === '0' ? '1' : '0'}${text.slice(pos + 1)}`;
          expect(failuresOf(t, vkey).some((f) => f.check === 'inclusion' && f.entryIndex === target)).toBe(
            true,
          );
          break;
        }
        case 1:
          (t.entries[k].payload as { seq: number }).seq += 1;
          expect(failuresOf(t, vkey)).toEqual([
            expect.objectContaining({ check: 'payload_hash', entryIndex: target }),
          ]);
          break;
        case 2:
          t.entries.splice(k, 1);
          expect(failuresOf(t, vkey)).toEqual([
            expect.objectContaining({ reason: 'missing', entryIndex: target }),
          ]);
          break;
        default: {
          if (t.entries[k].inclusionProof.length === 0) break; // size-1 tree: nothing to alter
          const j = uniformInt(rng, 0, t.entries[k].inclusionProof.length - 1);
          const h = Buffer.from(t.entries[k].inclusionProof[j], 'base64');
          h[uniformInt(rng, 0, 31)] ^= 1 << uniformInt(rng, 0, 7);
          t.entries[k].inclusionProof[j] = h.toString('base64');
          expect(failuresOf(t, vkey)).toEqual([
            expect.objectContaining({ check: 'inclusion', entryIndex: target }),
          ]);
        }
      }
    }
  });
});
