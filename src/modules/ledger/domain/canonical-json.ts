/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by the UTF-16 code units of
 * their names, no whitespace, strings and numbers serialised as ECMAScript JSON.stringify does
 * (RFC 8785 §3.2.2.2 and §3.2.2.3 adopt exactly ES2015+ serialisation), literals as is.
 *
 * Values outside the I-JSON model (RFC 8785 §3.1, RFC 7493) are refused with the offending path:
 * NaN and infinities, bigint, functions, symbols, lone surrogates, cycles, and undefined inside
 * arrays. An object member whose value is undefined is omitted, as JSON.stringify does, so optional
 * fields of TypeScript objects canonicalise as absent. Objects with toJSON (Date) are serialised
 * through it, again like JSON.stringify.
 */
import { invalid } from '../../../core/errors';

// Lone surrogates cannot be encoded as UTF-8 (RFC 8785 §3.2.2.2, RFC 7493 §2.1).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function refuse(path: string, why: string): never {
  throw invalid(`cannot canonicalise ${path}: ${why}`, [{ path, message: why }]);
}

/**
 * Where a value sits, built only when an error names it: the append path canonicalises every
 * payload, and eager path strings were a third of the work.
 */
type Path = { parent: Path | undefined; key: string | number } | undefined;
const at = (p: Path): string =>
  p === undefined
    ? '$'
    : typeof p.key === 'number'
      ? `${at(p.parent)}[${p.key}]`
      : `${at(p.parent)}.${p.key}`;

function write(value: unknown, path: Path, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) refuse(at(path), `${value} is not a JSON number`);
      // ES Number-to-String is the RFC 8785 §3.2.2.3 number serialisation; -0 becomes "0".
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) refuse(at(path), 'string contains a lone surrogate');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      refuse(at(path), `${typeof value} is not a JSON value`);
  }
  const obj = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return write(obj.toJSON(), path, seen);
  if (seen.has(obj)) refuse(at(path), 'cyclic structure');
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out += ',';
      if (obj[i] === undefined) refuse(at({ parent: path, key: i }), 'undefined is not a JSON value');
      out += write(obj[i], { parent: path, key: i }, seen);
    }
    out += ']';
  } else {
    // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 prescribes.
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (i > 0) out += ',';
      if (LONE_SURROGATE.test(k))
        refuse(at({ parent: path, key: k }), 'member name contains a lone surrogate');
      out += `${JSON.stringify(k)}:${write(obj[k], { parent: path, key: k }, seen)}`;
    }
    out += '}';
  }
  seen.delete(obj);
  return out;
}

/** The RFC 8785 canonical JSON text of `value`. Throws AppError(invalid) naming the bad path. */
export function canonicalJson(value: unknown): string {
  return write(value, undefined, new Set());
}

/** UTF-8 bytes of {@link canonicalJson}: what gets hashed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
