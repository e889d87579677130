/**
 * Signed tree heads as C2SP checkpoints (c2sp.org/tlog-checkpoint) inside C2SP signed notes
 * (c2sp.org/signed-note) with Ed25519 keys, interoperable with golang.org/x/mod/sumdb/note and the
 * transparency-dev tooling (witnesses, monitors).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { invalid } from '../../../core/errors';
import { HASH_SIZE, sha256Digest } from './merkle';

const ED25519_TYPE = 0x01; // signed-note "Signature types": 0x01 = Ed25519
const SIG_PREFIX = '\u2014 '; // signed-note "Format": em dash U+2014, space
// DER prefixes that wrap a raw 32-byte Ed25519 key (RFC 8410 §4 SubjectPublicKeyInfo, §7 PKCS#8).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const MAX_SIGNATURES = 100; // signed-note: verifiers limit signatures, but accept at least 16

export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
  key: KeyObject;
}

export interface NoteSigner extends NoteVerifier {
  privateKey: KeyObject;
}

function checkKeyName(name: string): void {
  // signed-note "Format": key names are non-empty and contain no Unicode spaces and no '+'.
  if (name.length === 0 || /[\s+]/u.test(name)) {
    throw invalid(`key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`, [
      { field: 'name', message: 'invalid key name' },
    ]);
  }
}

/** signed-note "Ed25519 signatures": key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function noteKeyId(name: string, publicKey: Uint8Array): Buffer {
  const data = Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0x0a, ED25519_TYPE]), publicKey]);
  return sha256Digest(data).subarray(0, 4);
}

/** Verifier key string `<name>+<hex key ID>+<base64(0x01 || public key)>`. */
export function encodeVerifierKey(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  const material = Buffer.concat([Buffer.from([ED25519_TYPE]), publicKey]).toString('base64');
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${material}`;
}

const strictBase64 = (s: string): Buffer | undefined => {
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
};

function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Parses and checks a verifier key string; throws AppError(invalid) naming the bad part. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // The base64 key material may itself contain '+', so split on the first two only.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0)
    throw invalid('verifier key must be <name>+<keyid>+<key>', [{ field: 'verifierKey', message: vkey }]);
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex))
    throw invalid('verifier key ID must be 8 lower-case hex digits', [{ field: 'keyId', message: idHex }]);
  const material = strictBase64(vkey.slice(second + 1));
  if (!material || material.length !== 1 + 32 || material[0] !== ED25519_TYPE) {
    throw invalid('verifier key material must be base64(0x01 || 32-byte Ed25519 public key)', [
      { field: 'key', message: 'not an Ed25519 note key' },
    ]);
  }
  const publicKey = material.subarray(1);
  const keyId = noteKeyId(name, publicKey);
  if (keyId.toString('hex') !== idHex) {
    throw invalid(`verifier key ID ${idHex} does not match the key (${keyId.toString('hex')})`, [
      { field: 'keyId', message: 'mismatch' },
    ]);
  }
  return { name, keyId, publicKey: Buffer.from(publicKey), key: publicKeyObject(Buffer.from(publicKey)) };
}

function signerFromSeed(name: string, seed: Buffer): NoteSigner {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const key = createPublicKey(privateKey);
  const publicKey = key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return { name, keyId: noteKeyId(name, publicKey), publicKey, key, privateKey };
}

/** A fresh Ed25519 note signer (node:crypto generateKeyPairSync). */
export function generateSigner(name: string): NoteSigner {
  checkKeyName(name);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return signerFromSeed(name, seed);
}

/** The verifier key string of a signer, to publish to insurers and auditors. */
export function verifierKeyOf(signer: NoteVerifier): string {
  return encodeVerifierKey(signer.name, signer.publicKey);
}

/** Signer key string `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` (sumdb/note format). */
export function encodeSignerKey(signer: NoteSigner): string {
  const seed = signer.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const material = Buffer.concat([Buffer.from([ED25519_TYPE]), seed]).toString('base64');
  return `PRIVATE+KEY+${signer.name}+${signer.keyId.toString('hex')}+${material}`;
}

/** Parses a signer key string; throws AppError(invalid) on any mismatch. */
export function parseSignerKey(skey: string): NoteSigner {
  const prefix = 'PRIVATE+KEY+';
  if (!skey.startsWith(prefix))
    throw invalid('signer key must start with PRIVATE+KEY+', [{ field: 'signerKey', message: 'bad prefix' }]);
  const rest = skey.slice(prefix.length);
  const first = rest.indexOf('+');
  const second = first < 0 ? -1 : rest.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw invalid('signer key must be PRIVATE+KEY+<name>+<keyid>+<key>');
  const name = rest.slice(0, first);
  checkKeyName(name);
  const material = strictBase64(rest.slice(second + 1));
  if (material?.length !== 33 || material[0] !== ED25519_TYPE) {
    throw invalid('signer key material must be base64(0x01 || 32-byte Ed25519 seed)');
  }
  const signer = signerFromSeed(name, material.subarray(1));
  if (signer.keyId.toString('hex') !== rest.slice(first + 1, second))
    throw invalid('signer key ID does not match the key');
  return signer;
}

// ---------------------------------------------------------------------------------------------
// Signed notes

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
  /** 1-based line number of the signature line in the whole note. */
  line: number;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

function checkNoteCharacters(message: string): void {
  // signed-note "Format": valid UTF-8, no ASCII control characters except newline.
  const bad = /[\u0000-\u0009\u000b-\u001f]/.exec(message);
  if (bad) {
    throw invalid('signed note contains a control character', [
      { offset: bad.index, message: `U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}` },
    ]);
  }
  if (/[\ud800-\udfff]/.test(message.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    throw invalid('signed note is not valid UTF-8 (lone surrogate)');
  }
}

/** Signs `text` (which must end in a newline) with each signer: the C2SP signed-note encoding. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkNoteCharacters(text);
  if (!text.endsWith('\n'))
    throw invalid('note text must end with a newline', [{ field: 'text', message: 'no final newline' }]);
  if (signers.length === 0) throw invalid('a signed note needs at least one signer');
  const data = Buffer.from(text, 'utf8');
  const lines = signers.map((s) => {
    const sig = sign(null, data, s.privateKey); // RFC 8032 Ed25519 over the note text
    return `${SIG_PREFIX}${s.name} ${Buffer.concat([s.keyId, sig]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** Splits a signed note into text and signature lines; throws AppError(invalid) naming the line. */
export function parseNote(message: string | Uint8Array): ParsedNote {
  let str: string;
  if (typeof message === 'string') str = message;
  else {
    try {
      str = new TextDecoder('utf-8', { fatal: true }).decode(message);
    } catch {
      throw invalid('signed note is not valid UTF-8');
    }
  }
  checkNoteCharacters(str);
  if (!str.endsWith('\n')) throw invalid('signed note must end with a newline');
  // The text is separated from the signatures by the last empty line.
  const sep = str.lastIndexOf('\n\n');
  if (sep < 0) throw invalid('signed note has no blank line before its signatures');
  const text = str.slice(0, sep + 1);
  const sigLines = str.slice(sep + 2, -1).split('\n');
  const textLines = text.split('\n').length - 1;
  if (sigLines.length > MAX_SIGNATURES)
    throw invalid(`signed note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = sigLines.map((l, i) => {
    const line = textLines + 2 + i;
    const m = /^\u2014 ([^ ]+) ([^ ]+)$/.exec(l);
    const sig = m ? strictBase64(m[2]) : undefined;
    if (!m || !sig || sig.length < 5 || /[\s+]/u.test(m[1])) {
      throw invalid(`signed note line ${line} is not a signature line`, [{ line, message: l.slice(0, 80) }]);
    }
    return { name: m[1], keyId: sig.subarray(0, 4), signature: sig.subarray(4), line };
  });
  return { text, signatures };
}

export type NoteCheck = 'note_format' | 'no_known_signature' | 'bad_signature';
export type NoteVerification =
  | { ok: true; text: string; verifiedBy: string[] }
  | { ok: false; check: NoteCheck; message: string; line?: number };

/**
 * Verifies a signed note against known keys. Per signed-note "Signatures": signatures of unknown
 * keys (name and ID not both matching) are ignored; a known key whose signature fails rejects the
 * whole note; at least one known key must have signed.
 */
export function verifyNote(
  message: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): NoteVerification {
  let note: ParsedNote;
  try {
    note = parseNote(message);
  } catch (e) {
    const detail = (e as { details?: Array<{ line?: number }> }).details?.[0];
    return { ok: false, check: 'note_format', message: (e as Error).message, line: detail?.line };
  }
  const data = Buffer.from(note.text, 'utf8');
  const verifiedBy: string[] = [];
  for (const s of note.signatures) {
    const v = verifiers.find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (!v) continue;
    if (s.signature.length !== 64 || !verify(null, data, v.key, s.signature)) {
      return {
        ok: false,
        check: 'bad_signature',
        message: `signature of ${s.name} (key ${s.keyId.toString('hex')}) on line ${s.line} does not verify`,
        line: s.line,
      };
    }
    verifiedBy.push(s.name);
  }
  if (verifiedBy.length === 0) {
    const names = note.signatures.map((s) => `${s.name}+${s.keyId.toString('hex')}`).join(', ');
    return {
      ok: false,
      check: 'no_known_signature',
      message: `no signature by a trusted key (found: ${names || 'none'})`,
    };
  }
  return { ok: true, text: note.text, verifiedBy };
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** Optional extension lines (c2sp.org/tlog-checkpoint: opaque, non-empty, NOT RECOMMENDED). */
  extensions?: string[];
}

/** The checkpoint note text: origin, decimal size, base64 root, extension lines, each ending "\n". */
export function formatCheckpoint(cp: Checkpoint): string {
  if (cp.origin.length === 0 || cp.origin.includes('\n'))
    throw invalid('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0)
    throw invalid(`checkpoint size ${cp.size} is not a non-negative integer`);
  if (cp.rootHash.length !== HASH_SIZE) throw invalid(`checkpoint root hash must be ${HASH_SIZE} bytes`);
  const ext = cp.extensions ?? [];
  for (const e of ext)
    if (e.length === 0 || e.includes('\n'))
      throw invalid('checkpoint extension lines must be non-empty single lines');
  return [cp.origin, String(cp.size), cp.rootHash.toString('base64'), ...ext].map((l) => `${l}\n`).join('');
}

/** Parses checkpoint note text; throws AppError(invalid) naming the line. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw invalid('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3)
    throw invalid('checkpoint needs origin, tree size and root hash lines', [
      { line: lines.length, message: 'too few lines' },
    ]);
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin.length === 0)
    throw invalid('checkpoint origin is empty', [{ line: 1, field: 'origin', message: 'empty' }]);
  // tlog-checkpoint: ASCII decimal, no leading zeroes (except "0").
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw invalid(`checkpoint tree size ${JSON.stringify(sizeLine)} is not a decimal integer`, [
      { line: 2, field: 'size', message: sizeLine },
    ]);
  }
  const root = strictBase64(rootLine);
  if (!root || root.length !== HASH_SIZE) {
    throw invalid('checkpoint root hash is not base64 of 32 bytes', [
      { line: 3, field: 'rootHash', message: rootLine },
    ]);
  }
  extensions.forEach((e, i) => {
    if (e.length === 0)
      throw invalid('checkpoint extension lines must be non-empty', [{ line: 4 + i, message: 'empty line' }]);
  });
  return { origin, size: Number(sizeLine), rootHash: root, ...(extensions.length ? { extensions } : {}) };
}

/** A signed checkpoint note. */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(cp), [signer]);
}

export type CheckpointCheck = NoteCheck | 'checkpoint_format' | 'origin_mismatch';
export type CheckpointVerification =
  | { ok: true; checkpoint: Checkpoint; text: string }
  | { ok: false; check: CheckpointCheck; message: string; line?: number };

/** Verifies a checkpoint note's signature with `verifier`, then parses its body. */
export function openCheckpoint(
  message: string,
  verifier: NoteVerifier,
  expectedOrigin?: string,
): CheckpointVerification {
  const note = verifyNote(message, [verifier]);
  if (!note.ok) return note;
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(note.text);
  } catch (e) {
    const detail = (e as { details?: Array<{ line?: number }> }).details?.[0];
    return { ok: false, check: 'checkpoint_format', message: (e as Error).message, line: detail?.line };
  }
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    return {
      ok: false,
      check: 'origin_mismatch',
      message: `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(expectedOrigin)}`,
      line: 1,
    };
  }
  return { ok: true, checkpoint, text: note.text };
}
