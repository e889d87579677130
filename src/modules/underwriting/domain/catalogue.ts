/** The products and rate filings CoverWatch ships with, parsed once at import. */
import { notFound } from '../../../core/errors';
import iotCyberProductData from '../data/products/iot-cyber.json';
import iotCyber202601Data from '../data/rate-filings/iot-cyber-2026-01.json';
import { parseRateFiling, type RateFiling } from './filing';
import { type Product, parseProduct } from './product';

export const iotCyberProduct: Product = parseProduct(iotCyberProductData);
export const iotCyberFiling202601: RateFiling = parseRateFiling(iotCyber202601Data);

export const products: readonly Product[] = [iotCyberProduct];
export const rateFilings: readonly RateFiling[] = [iotCyberFiling202601];

export function productById(id: string): Product {
  const p = products.find((x) => x.id === id);
  if (!p) throw notFound(`product ${id}`);
  return p;
}

/**
 * The filing in force for a product on a date: the latest effective date on or before it (and not
 * expired). Undefined when none applies.
 */
export function filingInForce(productId: string, on: Date, filings = rateFilings): RateFiling | undefined {
  const day = on.toISOString().slice(0, 10);
  return filings
    .filter((f) => f.product === productId && f.effectiveDate <= day && (!f.expiryDate || day < f.expiryDate))
    .sort((a, b) => (a.effectiveDate < b.effectiveDate ? 1 : -1))[0];
}
