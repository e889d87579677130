import { invalid } from './errors';

/** Money is integer minor units with an ISO 4217 currency, never a float (DESIGN.md §4). */
export interface Money {
  amount: number; // integer minor units (cents)
  currency: string; // ISO 4217, e.g. "USD"
}

/** Minor-unit exponent per ISO 4217; default 2. */
const EXPONENT: Record<string, number> = { JPY: 0, KRW: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

export const minorUnitExponent = (currency: string): number => EXPONENT[currency] ?? 2;

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount))
    throw invalid(`money amount must be an integer of minor units, got ${amount}`);
  if (!/^[A-Z]{3}$/.test(currency)) throw invalid(`currency must be an ISO 4217 code, got ${currency}`);
  return { amount, currency };
}

/** Round a float (e.g. a simulated loss in major units) to money, once, half away from zero. */
export function fromMajor(major: number, currency: string): Money {
  const scale = 10 ** minorUnitExponent(currency);
  const v = major * scale;
  return money(Math.sign(v) * Math.round(Math.abs(v)), currency);
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw invalid(`cannot add ${a.currency} to ${b.currency}`);
  return money(a.amount + b.amount, a.currency);
}

export function formatMoney(m: Money): string {
  const e = minorUnitExponent(m.currency);
  const major = m.amount / 10 ** e;
  return `${m.currency} ${major.toLocaleString('en-US', { minimumFractionDigits: e, maximumFractionDigits: e })}`;
}
