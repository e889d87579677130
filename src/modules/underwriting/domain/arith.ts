/**
 * Exact arithmetic for rating. Money stays integer minor units (DESIGN.md §4); factors are applied as
 * integers of ten-thousandths so a worksheet can be re-done by hand and gives the same cent.
 */
import { invalid } from '../../../core/errors';

/** Factors carry 4 decimals: 1.2345 is 12345 ten-thousandths. */
export const FACTOR_SCALE = 10_000;

/** Round half away from zero of a / b for BigInt (b > 0). */
function divRound(a: bigint, b: bigint): bigint {
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const q = (abs * 2n + b) / (2n * b);
  return neg ? -q : q;
}

/** round(a * b / c), half away from zero, exact for any safe integers (c > 0). */
export function mulDivRound(a: number, b: number, c: number): number {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || !Number.isSafeInteger(c) || c <= 0) {
    throw invalid(`mulDivRound needs safe integers and a positive divisor, got ${a} * ${b} / ${c}`);
  }
  const product = a * b;
  if (Number.isSafeInteger(product)) {
    // Exact in doubles: the product, the quotient's floor and the remainder are all safe integers.
    // BigInt is the fallback only: it allocates, and a worksheet calls this on every line.
    const abs = Math.abs(product);
    const q = Math.floor(abs / c);
    const rem = abs - q * c;
    const rounded = rem * 2 >= c ? q + 1 : q;
    return product < 0 ? -rounded : rounded;
  }
  const r = divRound(BigInt(a) * BigInt(b), BigInt(c));
  const n = Number(r);
  if (!Number.isSafeInteger(n)) throw invalid(`amount ${r} is beyond the safe integer range`);
  return n;
}

/**
 * A real factor to integer ten-thousandths, half away from zero. The tiny nudge undoes binary
 * representation error (1.00005 is stored as 1.0000499999...) so a factor that is exactly on a half
 * in decimal rounds the way a person rounding by hand would.
 */
export function toFactor4(x: number): number {
  if (!Number.isFinite(x)) throw invalid(`factor must be finite, got ${x}`);
  const scaled = x * FACTOR_SCALE;
  return Math.sign(scaled) * Math.round(Math.abs(scaled) + 1e-7);
}

/** Apply a 4-decimal factor to an amount of minor units, rounding the result half up to the unit. */
export const applyFactor = (amountMinor: number, factor4: number): number =>
  mulDivRound(amountMinor, factor4, FACTOR_SCALE);

export const formatFactor = (factor4: number): string => (factor4 / FACTOR_SCALE).toFixed(4);

export type Interpolation = 'linear' | 'log';

/**
 * Piecewise interpolation in a table of [x, y] points sorted by x. 'linear' is linear in x; 'log' is
 * linear in ln(x), the usual way to read an increased-limit or retention table between its points
 * because those curves are concave in the amount. Outside the table: clamp to the end value when
 * `clamp`, else undefined (the caller turns that into a rule break).
 */
export function interpolate(
  points: readonly (readonly [number, number])[],
  x: number,
  mode: Interpolation,
  clamp = false,
): number | undefined {
  const first = points[0];
  const last = points[points.length - 1];
  if (x < first[0]) return clamp ? first[1] : undefined;
  if (x > last[0]) return clamp ? last[1] : undefined;
  for (let i = 0; i < points.length; i++) {
    const [xi, yi] = points[i];
    if (x === xi) return yi;
    const [xj, yj] = points[i + 1];
    if (x < xj) {
      const t = mode === 'log' ? Math.log(x / xi) / Math.log(xj / xi) : (x - xi) / (xj - xi);
      return yi + (yj - yi) * t;
    }
  }
  return last[1];
}

/** 1234567 -> "1,234,567" for non-negative integers; toLocaleString is far slower in a rating loop. */
export function groupThousands(n: number): string {
  const digits = String(n);
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** "USD 5,000" or "USD 5,000.50": amounts as an underwriter writes them in a rule message. */
export function formatAmount(amountMinor: number, currency: string, exponent: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  const scale = 10 ** exponent;
  const major = Math.floor(abs / scale);
  const minor = abs % scale;
  const majorText = groupThousands(major);
  const minorText = minor === 0 ? '' : `.${String(minor).padStart(exponent, '0')}`;
  return `${currency} ${sign}${majorText}${minorText}`;
}
