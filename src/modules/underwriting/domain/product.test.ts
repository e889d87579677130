import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import { CONTROLS, LOSS_SECTIONS } from '../../risk';
import iotCyberFilingData from '../data/rate-filings/iot-cyber-2026-01.json';
import { filingInForce, iotCyberFiling202601, iotCyberProduct } from './catalogue';
import { parseRateFiling } from './filing';
import { kevCoinsuranceShare, parseProduct } from './product';

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isAppError(e)) return e;
  }
  throw new Error('expected an AppError');
};

describe('product data', () => {
  it('maps each loss section to exactly one coverage section', () => {
    const mapped = iotCyberProduct.sections.map((s) => s.respondsTo).sort();
    expect(mapped).toEqual([...LOSS_SECTIONS].sort());
  });

  it('has a rating weight for every section and three panel services', () => {
    for (const s of iotCyberProduct.sections)
      expect(iotCyberFiling202601.sectionWeights.weights[s.id]).toBeGreaterThan(0);
    expect(iotCyberProduct.panelServices.map((p) => p.service).sort()).toEqual([
      'forensics',
      'legal_advice',
      'technical_support',
    ]);
  });

  it('names the path of a bad field and of an unknown exclusion', () => {
    const bad = structuredClone(iotCyberProduct) as {
      sections: { respondsTo: string; exclusions: string[] }[];
    };
    bad.sections[2].respondsTo = 'weather';
    expect(errorOf(() => parseProduct(bad)).details[0].path).toBe('sections.2.respondsTo');
    const unknown = structuredClone(iotCyberProduct);
    unknown.sections[1].exclusions.push('EXC-NOPE');
    expect(errorOf(() => parseProduct(unknown)).details[0].path).toBe('sections[1].exclusions[6]');
  });
});

describe('EXC-KEV rising coinsurance (grace 14 days per CISA BOD 22-01, +10% per 30 days, max 50%)', () => {
  const rule = iotCyberProduct.exclusions.find((x) => x.id === 'EXC-KEV')!.coinsuranceRule!;
  it.each([
    [0, 0],
    [14, 0], // at the end of the grace period
    [15, 0.1], // one day past: the first period has started
    [44, 0.1],
    [45, 0.2],
    [134, 0.4],
    [135, 0.5],
    [500, 0.5], // capped
  ])('%d days unpatched -> share %d', (daysUnpatched, share) => {
    expect(kevCoinsuranceShare(0, daysUnpatched, rule)).toBe(share);
  });
  it('adds to the section base share', () => {
    expect(kevCoinsuranceShare(0.1, 15, rule)).toBe(0.2);
    expect(kevCoinsuranceShare(0.1, 500, rule)).toBe(0.5);
  });
});

describe('rate filing data', () => {
  it('refuses a table out of order, a gap between revenue bands and weights that do not sum to 1', () => {
    const unordered = structuredClone(iotCyberFilingData);
    unordered.retentionFactors.points.reverse();
    expect(errorOf(() => parseRateFiling(unordered)).details[0].path).toBe('retentionFactors.points');
    const gap = structuredClone(iotCyberFilingData);
    gap.revenueBands[2].floorMinor += 1;
    expect(errorOf(() => parseRateFiling(gap)).details[0].path).toBe('revenueBands[2]');
    const weights = structuredClone(iotCyberFilingData);
    weights.sectionWeights.weights.regulatory = 0.2;
    expect(errorOf(() => parseRateFiling(weights)).details[0].path).toBe('sectionWeights.weights');
    const noCurrency = structuredClone(iotCyberFilingData) as Record<string, unknown>;
    delete noCurrency.currency;
    expect(errorOf(() => parseRateFiling(noCurrency)).details[0].path).toBe('currency');
  });

  it('credits exactly the controls the risk module knows', () => {
    expect(iotCyberFiling202601.controls.map((c) => c.control).sort()).toEqual([...CONTROLS].sort());
  });

  it('finds the filing in force on a date', () => {
    expect(filingInForce('iot-cyber', new Date('2026-01-01T00:00:00Z'))?.id).toBe('iot-cyber-2026-01');
    expect(filingInForce('iot-cyber', new Date('2025-12-31T23:59:59Z'))).toBeUndefined();
    const later = { ...iotCyberFiling202601, id: 'later', effectiveDate: '2026-07-01' };
    const filings = [iotCyberFiling202601, later];
    expect(filingInForce('iot-cyber', new Date('2026-06-30T12:00:00Z'), filings)?.id).toBe(
      'iot-cyber-2026-01',
    );
    expect(filingInForce('iot-cyber', new Date('2026-07-01T00:00:00Z'), filings)?.id).toBe('later');
  });
});
