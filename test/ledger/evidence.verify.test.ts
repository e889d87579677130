import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  createEntry,
  entryLeafText,
  generateSigner,
  leafHash,
  MemoryNodeStore,
  MerkleTree,
  type NoteSigner,
  signCheckpoint,
  verifierKeyOf,
} from '../../src/modules/ledger';
import type { LedgerEvidence } from '../../web/src/api';
import {
  canonicalJson as browserCanonicalJson,
  rootFromInclusionProof,
  toHex,
  type VerificationReport,
  verifyEvidence,
} from '../../web/src/ledger-verify';
import { sharedData } from '../support/shared-data';

/**
 * The dashboard's verifier (web/src/ledger-verify.ts) run on Node's WebCrypto, which implements the
 * same SHA-256 and Ed25519 as Chromium: against the RFC 9162 vectors, and against evidence built
 * with the server's own domain code, intact and altered one piece at a time.
 */
const subtle = globalThis.crypto.subtle;
const ORG = 'org-1';
const REF = 'alert-1';

async function buildEvidence(signer: NoteSigner, versions = 3, others = 4): Promise<LedgerEvidence> {
  const tree = await MerkleTree.open(new MemoryNodeStore(), 0);
  const logged: Array<{ index: number; text: string; payload: unknown; payloadHash: string; time: string }> =
    [];
  for (let i = 0; i < versions + others; i++) {
    const mine = i % 2 === 0 && logged.length < versions;
    const payload = mine ? { status: 'open', windows: i + 1, score: 0.91, note: 'é ✓' } : { other: i };
    const e = createEntry({
      type: mine ? 'alert' : 'device_change',
      org: ORG,
      time: new Date(Date.UTC(2026, 10, 1, 9, i)),
      ref: mine ? REF : `device-${i}`,
      payload,
    });
    const text = entryLeafText(e);
    await tree.appendLeafHashes([leafHash(Buffer.from(text, 'utf8'))]);
    if (mine) logged.push({ index: i, text, payload, payloadHash: e.payloadHash, time: e.time });
  }
  const size = tree.size;
  const root = await tree.root(size);
  const note = signCheckpoint({ origin: 'coverwatch.example/acme', size, rootHash: root }, signer);
  const entries = [];
  for (const l of logged.reverse()) {
    entries.push({
      index: l.index,
      time: l.time,
      entry: l.text,
      payloadHash: l.payloadHash,
      payload: l.payload,
      leafHash: (await tree.leafHash(l.index)).toString('hex'),
      treeSize: size,
      inclusionProof: (await tree.inclusionProof(l.index, size)).map((h) => h.toString('base64')),
      serverCheck: { ok: true as const },
    });
  }
  return {
    type: 'alert',
    ref: REF,
    total: entries.length,
    verifierKey: verifierKeyOf(signer),
    checkpoint: {
      size,
      rootHash: root.toString('hex'),
      checkpoint: note,
      createdAt: '2026-11-01T09:30:00.000Z',
      publishedNow: false,
    },
    entries,
  };
}

const failedChecks = (r: VerificationReport) => {
  if (r.mode !== 'browser') throw new Error(`not verified in the browser code: ${r.reason}`);
  return r.entries.map((e) => e.failures.map((f) => f.check));
};

describe('browser ledger verifier (web/src/ledger-verify.ts)', () => {
  const signer = generateSigner('coverwatch.example');

  it('verifies intact evidence: signature, root and size from the note, every proof', async () => {
    const ev = await buildEvidence(signer);
    const r = await verifyEvidence(ev, subtle);
    expect(failedChecks(r)).toEqual([[], [], []]);
    if (r.mode !== 'browser') return;
    expect(r.checkpoint).toMatchObject({
      origin: 'coverwatch.example/acme',
      size: 7,
      rootHex: ev.checkpoint.rootHash,
      keyName: 'coverwatch.example',
      keyId: signer.keyId.toString('hex'),
    });
    expect(r.entries.every((e) => e.ok)).toBe(true);
  });

  it('names an altered entry text: leaf hash and root mismatch, for that entry only', async () => {
    const ev = await buildEvidence(signer);
    ev.entries[1].entry = ev.entries[1].entry.replace('"alert"', '"alerT"');
    const r = await verifyEvidence(ev, subtle);
    expect(failedChecks(r)).toEqual([[], ['entry', 'leaf_hash', 'root_mismatch'], []]);
    // Same text, a changed time (one byte): the leaf no longer leads to the signed root.
    const ev2 = await buildEvidence(signer);
    ev2.entries[0].entry = ev2.entries[0].entry.replace('.000Z', '.001Z');
    expect(failedChecks(await verifyEvidence(ev2, subtle))[0]).toEqual(['leaf_hash', 'root_mismatch']);
  });

  it('rejects a server that also rewrites the leaf hash it reports: the root still does not match', async () => {
    const ev = await buildEvidence(signer);
    const forged = ev.entries[0].entry.replace('.000Z', '.001Z');
    expect(forged).not.toBe(ev.entries[0].entry);
    ev.entries[0].entry = forged;
    ev.entries[0].leafHash = leafHash(Buffer.from(forged, 'utf8')).toString('hex');
    expect(failedChecks(await verifyEvidence(ev, subtle))[0]).toEqual(['root_mismatch']);
  });

  it('rejects a checkpoint whose body or signature was changed, or signed by another key', async () => {
    const ev = await buildEvidence(signer);
    const lines = ev.checkpoint.checkpoint.split('\n');
    lines[1] = String(Number(lines[1]) + 1); // claims a larger tree
    ev.checkpoint.checkpoint = lines.join('\n');
    const changed = failedChecks(await verifyEvidence(ev, subtle));
    expect(changed[0]).toContain('signature');
    expect(changed[0]).toContain('size');

    const other = generateSigner('coverwatch.example');
    const ev2 = await buildEvidence(signer);
    ev2.verifierKey = verifierKeyOf(other);
    expect(failedChecks(await verifyEvidence(ev2, subtle))[0]).toEqual(['signature']);

    const ev3 = await buildEvidence(signer);
    const sigLine = ev3.checkpoint.checkpoint.trimEnd().split('\n').pop()!;
    const sig = Buffer.from(sigLine.split(' ')[2], 'base64');
    sig[10] ^= 1;
    ev3.checkpoint.checkpoint = ev3.checkpoint.checkpoint.replace(
      sigLine,
      `${sigLine.split(' ').slice(0, 2).join(' ')} ${sig.toString('base64')}`,
    );
    const bad = await verifyEvidence(ev3, subtle);
    expect(failedChecks(bad)[0]).toEqual(['signature']);
    if (bad.mode === 'browser') expect(bad.entries[0].failures[0].message).toMatch(/does not verify/);
  });

  it('rejects a verifier key whose key ID is not its key', async () => {
    const ev = await buildEvidence(signer);
    const [name, id, key] = ev.verifierKey.split('+');
    ev.verifierKey = `${name}+${id.replace(/^./, (c) => (c === '0' ? '1' : '0'))}+${key}`;
    expect(failedChecks(await verifyEvidence(ev, subtle))[0]).toEqual(['key']);
  });

  it('rejects a shortened or reordered proof and a payload that is not the committed one', async () => {
    const ev = await buildEvidence(signer);
    ev.entries[0].inclusionProof.pop();
    ev.entries[1].inclusionProof.reverse();
    (ev.entries[2].payload as { windows: number }).windows += 1;
    const r = failedChecks(await verifyEvidence(ev, subtle));
    expect(r[0]).toEqual(['proof']);
    expect(r[1]).toEqual(['root_mismatch']);
    expect(r[2]).toEqual(['payload_hash']);
  });

  it('reports unsupported (for the labelled server fallback) when WebCrypto is missing', async () => {
    const ev = await buildEvidence(signer, 1, 0);
    const r = await verifyEvidence(ev, null);
    expect(r.mode).toBe('unsupported');
  });

  it('canonicalises payloads exactly as the server does (RFC 8785)', () => {
    const values = [
      { b: 1, a: [true, null, 'x'], é: 1e21, '\u20ac': -0, A: { z: 0.1, y: 1e-7 } },
      { '\ud83d\ude00': 'emoji key', '\ufb33': 'sort by UTF-16 units', nested: [[{ c: 2, b: 1 }]] },
      'line\nbreak "quoted" \u2028',
      123456789012345680000,
    ];
    for (const v of values)
      expect(browserCanonicalJson(JSON.parse(JSON.stringify(v)))).toBe(canonicalJson(v));
  });
});

// transparency-dev/merkle @ 417fb0c testdata (see shared/data/merkle/PROVENANCE.txt).
const vectors = sharedData('merkle/testdata/inclusion');

describe.skipIf(!vectors)('browser inclusion walk on the RFC 9162 vectors', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) files.push(p);
    }
  };
  if (vectors) walk(vectors);
  const b64 = (s: string | null) => new Uint8Array(Buffer.from(s ?? '', 'base64'));

  it('agrees with every vector (both outcomes present)', async () => {
    expect(files.length).toBeGreaterThan(90);
    let accepted = 0;
    for (const f of files) {
      const d = JSON.parse(readFileSync(f, 'utf8'));
      const leaf = b64(d.leafHash);
      const root = b64(d.root);
      const r =
        leaf.length === 32
          ? await rootFromInclusionProof(subtle, d.leafIdx, d.treeSize, leaf, (d.proof ?? []).map(b64))
          : { ok: false as const };
      const ok = r.ok && toHex(r.root) === toHex(root);
      expect(ok, `${f}: ${d.desc}`).toBe(!d.wantErr);
      if (ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(files.length);
  });
});
