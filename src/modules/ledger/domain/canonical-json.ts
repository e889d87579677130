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

function write(value: unknown, path: string, out: string[], seen: Set<object>): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `${value} is not a JSON number`);
      // ES Number-to-String is the RFC 8785 §3.2.2.3 number serialisation; -0 becomes "0".
      out.push(JSON.stringify(value));
      return;
    case 'string':
      if (LONE_SURROGATE.test(value)) refuse(path, 'string contains a lone surrogate');
      out.push(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      refuse(path, `${typeof value} is not a JSON value`);
  }
  const obj = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') {
    write(obj.toJSON(), path, out, seen);
    return;
  }
  if (seen.has(obj)) refuse(path, 'cyclic structure');
  seen.add(obj);
  if (Array.isArray(obj)) {
    out.push('[');
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      if (obj[i] === undefined) refuse(`${path}[${i}]`, 'undefined is not a JSON value');
      write(obj[i], `${path}[${i}]`, out, seen);
    }
    out.push(']');
  } else {
    // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 prescribes.
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    out.push('{');
    keys.forEach((k, i) => {
      if (i > 0) out.push(',');
      if (LONE_SURROGATE.test(k)) refuse(`${path}.${k}`, 'member name contains a lone surrogate');
      out.push(JSON.stringify(k), ':');
      write(obj[k], `${path}.${k}`, out, seen);
    });
    out.push('}');
  }
  seen.delete(obj);
}

/** The RFC 8785 canonical JSON text of `value`. Throws AppError(invalid) naming the bad path. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', out, new Set());
  return out.join('');
}

/** UTF-8 bytes of {@link canonicalJson}: what gets hashed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
