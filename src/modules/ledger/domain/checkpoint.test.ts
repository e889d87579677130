import { describe, expect, it } from 'vitest';
import {
  encodeSignerKey,
  encodeVerifierKey,
  formatCheckpoint,
  generateSigner,
  openCheckpoint,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKeyOf,
  verifyNote,
} from './checkpoint';
import { emptyRoot, leafHash } from './merkle';

// golang.org/x/mod/sumdb/note note_test.go / package doc example (Ed25519 is deterministic, RFC 8032,
// so our signature must match byte for byte).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_NOTE = `${PETER_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes (c2sp.org/signed-note)', () => {
  it('reproduces the Go sumdb/note reference signature and key encodings', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(verifierKeyOf(signer)).toBe(PETER_VKEY);
    expect(encodeSignerKey(signer)).toBe(PETER_SKEY);
    expect(signNote(PETER_TEXT, [signer])).toBe(PETER_NOTE);
    const v = parseVerifierKey(PETER_VKEY);
    expect(encodeVerifierKey(v.name, v.publicKey)).toBe(PETER_VKEY);
    expect(verifyNote(PETER_NOTE, [v])).toEqual({ ok: true, text: PETER_TEXT, verifiedBy: ['PeterNeumann'] });
  });

  it('rejects a changed text, ignores unknown keys, needs one known signature', () => {
    const v = parseVerifierKey(PETER_VKEY);
    expect(verifyNote(PETER_NOTE.replace('cryptography', 'cryptographY'), [v])).toMatchObject({
      ok: false,
      check: 'bad_signature',
      line: 4,
    });
    const other = generateSigner('example.com/other');
    const both = signNote(PETER_TEXT, [other, parseSignerKey(PETER_SKEY)]);
    expect(verifyNote(both, [v])).toMatchObject({ ok: true, verifiedBy: ['PeterNeumann'] });
    expect(verifyNote(PETER_NOTE, [other])).toMatchObject({ ok: false, check: 'no_known_signature' });
    // same name, different key: ignored (not the same key ID), so no trusted signature
    const impostor = generateSigner('PeterNeumann');
    expect(verifyNote(signNote(PETER_TEXT, [impostor]), [v])).toMatchObject({ check: 'no_known_signature' });
  });

  it('rejects malformed notes and keys, naming the part', () => {
    const v = parseVerifierKey(PETER_VKEY);
    expect(verifyNote(PETER_TEXT, [v])).toMatchObject({ check: 'note_format' });
    expect(verifyNote(PETER_NOTE.replace('\u2014', '-'), [v])).toMatchObject({
      check: 'note_format',
      line: 4,
    });
    expect(verifyNote(PETER_NOTE.replace('then', 'th\ten'), [v])).toMatchObject({ check: 'note_format' });
    expect(() => parseVerifierKey(PETER_VKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(/does not match/);
    expect(() => parseVerifierKey('PeterNeumann+c74f20a3')).toThrow();
    expect(() =>
      parseVerifierKey(`Peter Neumann+c74f20a3+${PETER_VKEY.split('+').slice(2).join('+')}`),
    ).toThrow(/key name/);
    expect(() => signNote('no newline', [parseSignerKey(PETER_SKEY)])).toThrow(/newline/);
  });
});

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  const signer = generateSigner('coverwatch.example/org_1');
  const verifier = parseVerifierKey(verifierKeyOf(signer));
  const cp = { origin: 'coverwatch.example/org_1', size: 20852163, rootHash: leafHash(Buffer.from('x')) };

  it('round-trips and has the exact body layout', () => {
    const note = signCheckpoint(cp, signer);
    expect(
      note.startsWith(
        `coverwatch.example/org_1\n20852163\n${cp.rootHash.toString('base64')}\n\n\u2014 coverwatch.example/org_1 `,
      ),
    ).toBe(true);
    const opened = openCheckpoint(note, verifier, 'coverwatch.example/org_1');
    expect(opened).toMatchObject({ ok: true, checkpoint: { origin: cp.origin, size: cp.size } });
    if (opened.ok) expect(opened.checkpoint.rootHash.equals(cp.rootHash)).toBe(true);
    expect(
      parseCheckpoint(formatCheckpoint({ ...cp, size: 0, rootHash: emptyRoot(), extensions: ['x y'] })),
    ).toMatchObject({
      size: 0,
      extensions: ['x y'],
    });
  });

  it('names what fails', () => {
    const note = signCheckpoint(cp, signer);
    expect(openCheckpoint(note.replace('20852163', '20852164'), verifier)).toMatchObject({
      check: 'bad_signature',
    });
    expect(openCheckpoint(note, verifier, 'someone.else/log')).toMatchObject({
      check: 'origin_mismatch',
      line: 1,
    });
    const badSize = signNote('origin\n0042\nAAAA\n', [signer]);
    expect(openCheckpoint(badSize, verifier)).toMatchObject({ check: 'checkpoint_format', line: 2 });
    const badRoot = signNote(`origin\n42\n${Buffer.alloc(31).toString('base64')}\n`, [signer]);
    expect(openCheckpoint(badRoot, verifier)).toMatchObject({ check: 'checkpoint_format', line: 3 });
    const sig = note.slice(note.lastIndexOf(' ') + 1, -1);
    const flipped = Buffer.from(sig, 'base64');
    flipped[10] ^= 1;
    expect(openCheckpoint(note.replace(sig, flipped.toString('base64')), verifier)).toMatchObject({
      check: 'bad_signature',
    });
  });
});
