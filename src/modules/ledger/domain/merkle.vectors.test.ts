import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import {
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from './merkle';

// transparency-dev/merkle @ 417fb0c testdata (see shared/data/merkle/PROVENANCE.txt).
const dir = sharedData('merkle/testdata');

function jsonFiles(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

// Go's encoding/json decodes []byte from standard base64; null proofs mean "no hashes".
const b64 = (s: string | null): Buffer => Buffer.from(s ?? '', 'base64');
const proofOf = (p: string[] | null): Buffer[] => (p ?? []).map(b64);

interface Probe {
  file: string;
  desc: string;
  wantErr: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: vector files differ in shape per folder
  data: any;
}

function load(sub: string): Probe[] {
  if (!dir) return [];
  return jsonFiles(join(dir, sub)).map((file) => {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    return { file: relative(dir, file), desc: data.desc, wantErr: data.wantErr, data };
  });
}

describe.skipIf(!dir)('transparency-dev/merkle vectors', () => {
  const inclusion = load('inclusion');
  const consistency = load('consistency');
  const subInclusion = load('subtreeinclusion');
  const subConsistency = load('subtreeconsistency');

  it('loads every vector folder', () => {
    expect(inclusion.length).toBeGreaterThan(90);
    expect(consistency.length).toBeGreaterThan(80);
    expect(subInclusion.length).toBeGreaterThan(90);
    expect(subConsistency.length).toBeGreaterThan(80);
    // both outcomes are exercised, so a verifier that always fails (or always passes) cannot pass
    for (const set of [inclusion, consistency, subInclusion, subConsistency]) {
      expect(set.some((p) => p.wantErr)).toBe(true);
      expect(set.some((p) => !p.wantErr)).toBe(true);
    }
  });

  it.each(inclusion.map((p) => [p.file, p] as const))('inclusion %s', (_f, p) => {
    const d = p.data;
    const r = verifyInclusion(d.leafIdx, d.treeSize, b64(d.leafHash), proofOf(d.proof), b64(d.root));
    expect(r.ok, `${p.desc}: ${r.ok ? 'accepted' : r.message}`).toBe(!p.wantErr);
  });

  it.each(consistency.map((p) => [p.file, p] as const))('consistency %s', (_f, p) => {
    const d = p.data;
    const r = verifyConsistency(d.size1, d.size2, proofOf(d.proof), b64(d.root1), b64(d.root2));
    expect(r.ok, `${p.desc}: ${r.ok ? 'accepted' : r.message}`).toBe(!p.wantErr);
  });

  it.each(subInclusion.map((p) => [p.file, p] as const))('subtree inclusion %s', (_f, p) => {
    const d = p.data;
    const r = verifySubtreeInclusion(
      d.leafIdx,
      d.start,
      d.end,
      b64(d.leafHash),
      proofOf(d.proof),
      b64(d.root),
    );
    expect(r.ok, `${p.desc}: ${r.ok ? 'accepted' : r.message}`).toBe(!p.wantErr);
  });

  it.each(subConsistency.map((p) => [p.file, p] as const))('subtree consistency %s', (_f, p) => {
    const d = p.data;
    const r = verifySubtreeConsistency(d.start, d.end, d.size, proofOf(d.proof), b64(d.root1), b64(d.root2));
    expect(r.ok, `${p.desc}: ${r.ok ? 'accepted' : r.message}`).toBe(!p.wantErr);
  });
});
