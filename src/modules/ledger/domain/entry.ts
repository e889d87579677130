/**
 * Ledger entries: the versioned, canonical record of one piece of evidence.
 *
 * The Merkle leaf is the RFC 8785 canonical JSON of the entry WITHOUT its payload; the payload is
 * bound through `payloadHash` (hex SHA-256 of the payload's canonical JSON). That way an entry can
 * be proven in the log and shown to an insurer, auditor or court while the payload itself (personal
 * data, a claim document) is withheld or erased later, and whoever does receive the payload can
 * check it against the proven entry. The cost: the log proves the hash, not the content, so a
 * withheld payload cannot be inspected until it is produced.
 *
 * Identity for idempotency is (type, ref, payloadHash): re-logging the same record with the same
 * content is a duplicate the service skips; the same ref with new content is a new entry (a change).
 */
import { z } from 'zod';
import { invalid } from '../../../core/errors';
import { canonicalJson, canonicalJsonBytes } from './canonical-json';
import { leafHash, sha256Digest } from './merkle';

export const ENTRY_VERSION = 1;

export const ENTRY_TYPES = [
  'alert',
  'device_change',
  'incident_update',
  'response_action',
  'claim_document',
  'claim_decision',
  'policy_document',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** An entry as logged. `payload` is never part of the leaf; see the module comment. */
export interface LedgerEntry {
  v: 1;
  type: EntryType;
  org: string;
  /** ISO-8601 UTC with milliseconds, as Date.prototype.toISOString writes it. */
  time: string;
  /** Lower-case hex SHA-256 of canonicalJson(payload). */
  payloadHash: string;
  /** Id of the record this entry is evidence of (alert id, device id, document id...). */
  ref: string;
  payload?: unknown;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const entrySchema = z
  .object({
    v: z.literal(ENTRY_VERSION),
    type: z.enum(ENTRY_TYPES),
    org: z.string().min(1).max(200),
    time: z
      .string()
      .regex(ISO_UTC, 'must be ISO-8601 UTC with milliseconds, e.g. 2026-11-25T11:40:00.000Z')
      .refine((t) => new Date(t).toISOString() === t, 'is not a real instant'),
    payloadHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
    ref: z.string().min(1).max(500),
    payload: z.unknown().optional(),
  })
  .strict();

/** Hex SHA-256 of the payload's canonical JSON. */
export function payloadHashOf(payload: unknown): string {
  return sha256Digest(canonicalJsonBytes(payload)).toString('hex');
}

export interface NewEntry {
  type: EntryType;
  org: string;
  time: Date | string;
  ref: string;
  payload: unknown;
}

const TYPE_SET: ReadonlySet<string> = new Set(ENTRY_TYPES);
const isText = (s: unknown, max: number): s is string =>
  typeof s === 'string' && s.length >= 1 && s.length <= max;

/** Builds a validated entry, hashing its payload. */
export function createEntry(input: NewEntry): LedgerEntry {
  const time = typeof input.time === 'string' ? new Date(input.time) : input.time;
  if (Number.isNaN(time.getTime())) {
    throw invalid('entry time is not a valid date', [{ field: 'time', message: String(input.time) }]);
  }
  const entry: LedgerEntry = {
    v: ENTRY_VERSION,
    type: input.type,
    org: input.org,
    time: time.toISOString(),
    payloadHash: payloadHashOf(input.payload),
    ref: input.ref,
    payload: input.payload,
  };
  // The hash and time are ours and well formed (bar years outside 0..9999); checking the caller's
  // fields by hand skips the schema on the bulk append path. Anything odd gets the full schema and
  // its error naming each field.
  const plain =
    TYPE_SET.has(entry.type) && isText(entry.org, 200) && isText(entry.ref, 500) && ISO_UTC.test(entry.time);
  return plain ? entry : parseEntry(entry);
}

/** Validates an entry object (e.g. from a bundle); throws AppError(invalid) naming each bad field. */
export function parseEntry(value: unknown): LedgerEntry {
  const r = entrySchema.safeParse(value);
  if (!r.success) {
    throw invalid(
      'invalid ledger entry',
      r.error.issues.map((i) => ({
        path: i.path.join('.') || '$',
        field: String(i.path[0] ?? ''),
        message: i.message,
      })),
    );
  }
  return r.data as LedgerEntry;
}

/** The entry without its payload: exactly what the leaf commits to. */
export function entryHeader(entry: LedgerEntry): Omit<LedgerEntry, 'payload'> {
  const { payload: _omitted, ...header } = entry;
  return header;
}

const HEADER_KEYS: ReadonlySet<string> = new Set([
  'v',
  'type',
  'org',
  'time',
  'payloadHash',
  'ref',
  'payload',
]);
const SURROGATE = /[\uD800-\uDFFF]/;

/** Canonical JSON text of the entry without payload (the leaf data, as a string). */
export function entryLeafText(entry: LedgerEntry): string {
  // Fast path for the usual shape: members written in RFC 8785 §3.2.3 order (org, payloadHash, ref,
  // time, type, v), strings through JSON.stringify exactly as canonicalJson does. Strings with any
  // surrogate, or extra members, take the general serialiser (which refuses lone surrogates).
  let usual = entry.v === ENTRY_VERSION;
  for (const k in entry) if (!HEADER_KEYS.has(k)) usual = false;
  const { org, payloadHash, ref, time, type } = entry;
  if (
    usual &&
    typeof org === 'string' &&
    typeof payloadHash === 'string' &&
    typeof ref === 'string' &&
    typeof time === 'string' &&
    typeof type === 'string' &&
    !SURROGATE.test(org) &&
    !SURROGATE.test(ref) &&
    !SURROGATE.test(payloadHash) &&
    !SURROGATE.test(time) &&
    !SURROGATE.test(type)
  ) {
    const q = JSON.stringify;
    return `{"org":${q(org)},"payloadHash":${q(payloadHash)},"ref":${q(ref)},"time":${q(time)},"type":${q(type)},"v":1}`;
  }
  return canonicalJson(entryHeader(entry));
}

/** UTF-8 bytes of {@link entryLeafText}: the RFC 9162 leaf data. */
export function entryLeafBytes(entry: LedgerEntry): Buffer {
  return Buffer.from(entryLeafText(entry), 'utf8');
}

/** RFC 9162 leaf hash of the entry. */
export function entryLeafHash(entry: LedgerEntry): Buffer {
  return leafHash(entryLeafBytes(entry));
}

/** The idempotency key (type, ref, payloadHash) as one string; the service skips duplicates of it. */
export function entryIdentity(entry: Pick<LedgerEntry, 'type' | 'ref' | 'payloadHash'>): string {
  return canonicalJson([entry.type, entry.ref, entry.payloadHash]);
}

/** Whether `payload` is the one the entry committed to. */
export function payloadMatches(entry: Pick<LedgerEntry, 'payloadHash'>, payload: unknown): boolean {
  return payloadHashOf(payload) === entry.payloadHash;
}
