/**
 * The rated premium beside the technical premium (filing UW-TP-1): a worksheet line that says how far
 * apart they are, and a referral when the rating and the simulation disagree beyond the filing's band.
 */
import { type Money, minorUnitExponent } from '../../../core/money';
import { formatAmount } from './arith';
import type { RateFiling } from './filing';
import { adequacy, type TechnicalPremium } from './insured-loss';
import type { RatingResult } from './rating';

/** The rating with the UW-TP-1 line appended (the premium is unchanged) and, outside the band, a referral. */
export function checkAgainstTechnical(
  result: RatingResult,
  technical: TechnicalPremium | null,
  filing: RateFiling,
): RatingResult {
  const band = filing.technicalPremium.adequacyBand;
  if (!band || !technical || !result.premium || result.status === 'invalid') return result;
  const ratio = adequacy(result.premium, technical.premium);
  if (ratio === null) return result;
  const e = minorUnitExponent(filing.currency);
  const fmt = (m: Money) => formatAmount(m.amount, m.currency, e);
  const inside = ratio >= band.min && ratio <= band.max;
  const derivation = `rated ${fmt(result.premium)} / technical ${fmt(technical.premium)} = ${ratio.toFixed(4)}; ${inside ? 'within' : 'OUTSIDE'} [${band.min}, ${band.max}]${inside ? '' : ': referred to an underwriter'}`;
  const worksheet = [
    ...result.worksheet,
    {
      step: result.worksheet.length + 1,
      clause: band.clause,
      name: 'Technical premium check',
      factor: null,
      value: ratio.toFixed(4),
      derivation,
      source: 'measurement' as const,
      inputs: ['technicalPremium', band.clause],
      premiumAfter: result.premium,
    },
  ];
  if (inside) return { ...result, worksheet };
  const referrals = [
    ...result.referrals,
    {
      ruleId: band.clause,
      action: 'refer' as const,
      reason: `rated premium is ${ratio.toFixed(2)}x the technical premium (outside ${band.min}x-${band.max}x)`,
      facts: {
        ratedPremium: fmt(result.premium),
        technicalPremium: fmt(technical.premium),
        adequacy: ratio,
      },
    },
  ];
  const status = result.status === 'declined' ? 'declined' : 'referred';
  return { ...result, worksheet, referrals, status };
}
