/** Reading the rate filing's tables, and saying in words how a value was read from them. */
import { interpolate, toFactor4 } from './arith';
import type { RateFiling, RateTable } from './filing';

/** ILF of an amount: the filing table between its points; proportional below the first (sublimits). */
export function increasedLimitFactor(filing: RateFiling, amountMinor: number): number | undefined {
  const t = filing.increasedLimitFactors;
  const [x0, y0] = t.points[0];
  const raw =
    amountMinor < x0 ? (y0 * amountMinor) / x0 : interpolate(t.points, amountMinor, t.interpolation);
  return raw === undefined ? undefined : toFactor4(raw) / 10_000;
}

export const lookup = (t: RateTable, x: number): number | undefined =>
  interpolate(t.points, x, t.interpolation, t.clamp ?? false);

/** How `x` was read from table `t`, for the worksheet's derivation column. */
export function describeTable(t: RateTable, x: number, fmtX: (x: number) => string): string {
  const pts = t.points;
  const exact = pts.find((p) => p[0] === x);
  if (exact) return `table point ${fmtX(x)} -> ${exact[1]}`;
  if (x < pts[0][0]) return t.clamp ? `below the table: clamped to ${pts[0][1]}` : `below the table`;
  if (x > pts[pts.length - 1][0])
    return t.clamp ? `above the table: clamped to ${pts[pts.length - 1][1]}` : 'above the table';
  const i = pts.findIndex((p) => p[0] > x) - 1;
  const [x0, y0] = pts[i];
  const [x1, y1] = pts[i + 1];
  const how =
    t.interpolation === 'log'
      ? `ln(x/${fmtX(x0)}) / ln(${fmtX(x1)}/${fmtX(x0)})`
      : `(x - ${fmtX(x0)}) / (${fmtX(x1)} - ${fmtX(x0)})`;
  return `between ${fmtX(x0)} -> ${y0} and ${fmtX(x1)} -> ${y1}, ${t.interpolation} interpolation: ${y0} + ${(y1 - y0).toFixed(4)} x ${how}`;
}
