import { describe, expect, it } from 'vitest';
import { iotCyberFiling202601 as filing } from './catalogue';
import { manufacturerSubmission, retailerSubmission } from './fixtures';
import { rate } from './rating';
import { parseSubmission } from './submission';
import { increasedLimitFactor } from './tables';

const lines = (r: ReturnType<typeof rate>) =>
  r.worksheet.map((l) => [l.clause, l.factor, l.premiumAfter.amount] as const);

describe('rate: quote A, a manufacturer (every line worked by hand)', () => {
  // Amounts in cents. Each factor is rounded to 4 decimals, the premium half-up to the cent.
  //  1 RB-3  revenue 30,000,000: 6,000 + 120 x (30M - 25M)/1M = 6,600.00             -> 660,000
  //  2 IND-MFG 1.25                                        660,000 x 1.25   = 825,000
  //  3 ILF-1 aggregate 2,000,000 is a table point: 1.35     825,000 x 1.35   = 1,113,750
  //  4 RET-1 retention 10,000 is a table point: 0.93        1,113,750 x 0.93 = 1,035,787.5 -> 1,035,788
  //  5 COV-1 sections (extortion and regulatory default to 50% of 2M = 1M, ILF 1.00):
  //      0.15 + 0.15 + 0.25 + 0.15 x 1/1.35 + 0.08 + 0.15 + 0.07 x 1/1.35 x (1 - 0.5 x 1/2 [GB: no])
  //      = 0.78 + 0.111111 + 0.038889 = 0.9300             1,035,788 x 0.93 = 963,282.84 -> 963,283
  //  6 WP-1 12 h -> 0.96; 1 - 0.25 x 0.04 = 0.99          963,283 x 0.99 = 953,650.17 -> 953,650
  //  7 BI-1 6,000 x 8760 / 30M = 1.752; 1 + 0.3 x 0.752/2 = 1.1128; 1 + 0.25 x 0.1128 = 1.0282
  //                                                         953,650 x 1.0282 = 980,542.93 -> 980,543
  //  8 REC-1 50,000: 1 + 0.1 x 40,000/90,000 = 1.0444       980,543 x 1.0444 = 1,024,079.11 -> 1,024,079
  //  9 SEC-1 score 60: 1 + 0.25 x 10/25 = 1.10              1,024,079 x 1.1 = 1,126,486.9 -> 1,126,487
  // 10 IOT-1 units 40x2 + 10x2 + 200x1 + 20x1.2 = 324: 1.05 + 0.1 x 224/900 = 1.0749
  //                                                         1,126,487 x 1.0749 = 1,210,860.88 -> 1,210,861
  // 11 IOT-2 27/270 = 10%: 1.04                             1,210,861 x 1.04 = 1,259,295.44 -> 1,259,295
  // 12 IOT-3 12 devices: 1.12                               1,259,295 x 1.12 = 1,410,410.4 -> 1,410,410
  // 13 CMP-1 met 34 of 68: 1 - 0.1 x 0.5 = 0.95            1,410,410 x 0.95 = 1,339,889.5 -> 1,339,890
  // 14 CTL-1 offline backups attested, in force: 0.95      1,339,890 x 0.95 = 1,272,895.5 -> 1,272,896
  // 15 CTL-2 MFA measured true: 0.95                        1,272,896 x 0.95 = 1,209,251.2 -> 1,209,251
  // 16 CTL-3 training attestation expired 2026-01-01: 1
  // 17 CTL-4 IR plan neither measured nor attested: 1
  // 18 CTL-5 secure boot attested but measured false: 1
  // 19 MIN-1 1,209,251 >= 150,000                                                     -> 1,209,251
  const r = rate(parseSubmission(manufacturerSubmission()), filing);

  it('quotes with no referrals and no errors', () => {
    expect(r.errors).toEqual([]);
    expect(r.referrals).toEqual([]);
    expect(r.status).toBe('quoted');
  });

  it('has every line as worked above', () => {
    expect(lines(r)).toEqual([
      ['RB-3', null, 660_000],
      ['IND-MFG', 1.25, 825_000],
      ['ILF-1', 1.35, 1_113_750],
      ['RET-1', 0.93, 1_035_788],
      ['COV-1', 0.93, 963_283],
      ['WP-1', 0.99, 953_650],
      ['BI-1', 1.0282, 980_543],
      ['REC-1', 1.0444, 1_024_079],
      ['SEC-1', 1.1, 1_126_487],
      ['IOT-1', 1.0749, 1_210_861],
      ['IOT-2', 1.04, 1_259_295],
      ['IOT-3', 1.12, 1_410_410],
      ['CMP-1', 0.95, 1_339_890],
      ['CTL-1', 0.95, 1_272_896],
      ['CTL-2', 0.95, 1_209_251],
      ['CTL-3', 1, 1_209_251],
      ['CTL-4', 1, 1_209_251],
      ['CTL-5', 1, 1_209_251],
      ['MIN-1', null, 1_209_251],
    ]);
    expect(r.premium).toEqual({ amount: 1_209_251, currency: 'USD' });
  });

  it('explains where each factor came from', () => {
    const by = (c: string) => r.worksheet.find((l) => l.clause === c)!;
    expect(by('CTL-1').source).toBe('attestation');
    expect(by('CTL-2').source).toBe('measurement');
    expect(by('CTL-3').derivation).toMatch(/not in force on 2026-03-02/);
    expect(by('CTL-5').derivation).toMatch(/attestation overridden by measurement/);
    expect(by('SEC-1').source).toBe('assessment');
    expect(by('SEC-1').inputs).toContain('assessment.riskScore');
    expect(by('COV-1').derivation).toMatch(/GB/);
    expect(by('REC-1').derivation).toMatch(/linear interpolation/);
    expect(r.worksheet.map((l) => l.step)).toEqual(r.worksheet.map((_, i) => i + 1));
  });

  it('resolves the default extortion and regulatory sublimits to 50% of the aggregate', () => {
    const s = (id: string) => r.terms!.sections.find((x) => x.sectionId === id)!;
    expect(s('cyber_extortion').sublimit.amount).toBe(100_000_000);
    expect(s('regulatory').sublimit.amount).toBe(100_000_000);
    expect(s('business_interruption').waitingPeriodHours).toBe(12);
    expect(s('cyber_extortion').coinsurance).toBe(0.1);
  });

  it('keeps every amount an integer of minor units', () => {
    for (const l of r.worksheet) expect(Number.isSafeInteger(l.premiumAfter.amount)).toBe(true);
  });
});

describe('rate: quote B, a small retailer at the minimum premium', () => {
  //  1 RB-1  revenue 2,000,000: 2,000 + 200 x 2 = 2,400.00                        -> 240,000
  //  2 IND-RET 1.10                                       -> 264,000
  //  3 ILF-1 250,000 is the first table point: 0.55      -> 145,200
  //  4 RET-1 2,500 is a table point: 1.05                 -> 152,460
  //  5 COV-1 BI left out; extortion 100,000 is below the table: ILF 0.55 x 100k/250k = 0.22,
  //      relativity 0.22/0.55 = 0.4; regulatory 125,000: ILF 0.275, relativity 0.5; DE is uncertain
  //      so no penalty credit: 0.15 + 0.15 + 0 + 0.06 + 0.08 + 0.15 + 0.035 = 0.625
  //                                                       152,460 x 0.625 = 95,287.5 -> 95,288
  //  6 WP-1 BI not purchased: 1; 7 BI-1: 1                -> 95,288
  //  8 REC-1 0 records: 0.95                              95,288 x 0.95 = 90,523.6 -> 90,524
  //  9 SEC-1 score 30: 0.9 + 0.1 x 5/25 = 0.92            90,524 x 0.92 = 83,282.08 -> 83,282
  // 10 IOT-1 units 10x0.8 + 5x1 + 5 thermostats as 'other' x1 = 18: 1 + 0.05 x 0.18 = 1.009
  //                                                       83,282 x 1.009 = 84,031.54 -> 84,032
  // 11-18 no exposure, no safety-critical devices, no baselines, no controls: 1
  // 19 MIN-1 84,032 < 150,000                                                        -> 150,000
  const r = rate(parseSubmission(retailerSubmission()), filing);

  it('has every line as worked above and lands on the minimum premium', () => {
    expect(r.status).toBe('quoted');
    expect(lines(r)).toEqual([
      ['RB-1', null, 240_000],
      ['IND-RET', 1.1, 264_000],
      ['ILF-1', 0.55, 145_200],
      ['RET-1', 1.05, 152_460],
      ['COV-1', 0.625, 95_288],
      ['WP-1', 1, 95_288],
      ['BI-1', 1, 95_288],
      ['REC-1', 0.95, 90_524],
      ['SEC-1', 0.92, 83_282],
      ['IOT-1', 1.009, 84_032],
      ['IOT-2', 1, 84_032],
      ['IOT-3', 1, 84_032],
      ['CMP-1', 1, 84_032],
      ['CTL-1', 1, 84_032],
      ['CTL-2', 1, 84_032],
      ['CTL-3', 1, 84_032],
      ['CTL-4', 1, 84_032],
      ['CTL-5', 1, 84_032],
      ['MIN-1', null, 150_000],
    ]);
    expect(r.worksheet.at(-1)!.derivation).toMatch(/below the minimum USD 1,500: minimum applies/);
  });
});

describe('interpolation between table points', () => {
  it('reads increased-limit factors linearly in ln(limit)', () => {
    // 1.5M between 1M -> 1.00 and 2M -> 1.35: 1 + 0.35 x ln(1.5)/ln(2) = 1 + 0.35 x 0.5849625 = 1.204737
    expect(increasedLimitFactor(filing, 150_000_000)).toBe(1.2047);
  });

  it('reads retention factors linearly in ln(retention) and names the interpolation', () => {
    // 7,500 between 5,000 -> 1.00 and 10,000 -> 0.93: 1 - 0.07 x 0.5849625 = 0.959053 -> 0.9591
    const input = manufacturerSubmission();
    input.requestedTerms.retention = { amount: 750_000, currency: 'USD' };
    const r = rate(parseSubmission(input), filing);
    const line = r.worksheet.find((l) => l.clause === 'RET-1')!;
    expect(line.factor).toBe(0.9591);
    expect(line.derivation).toMatch(/log interpolation/);
  });

  it('is proportional below the first limit point (sublimits only)', () => {
    expect(increasedLimitFactor(filing, 5_000_000)).toBe(0.11); // 0.55 x 50k/250k
  });
});

describe('money is never a float', () => {
  // A seeded walk over the filing's space: every amount on every line is an integer of cents and every
  // factor has at most 4 decimals; premium never falls as the risk score rises.
  let state = 20_260_101;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const industries = filing.industries.map((i) => i.industry);

  it('holds over 300 generated submissions', () => {
    let rated = 0;
    for (let i = 0; i < 300; i++) {
      const input = manufacturerSubmission();
      const revenue = Math.floor(next() * 25_000_000_000);
      input.organisation.annualRevenue = { amount: revenue, currency: 'USD' };
      input.organisation.industry = pick(industries);
      input.organisation.recordsHeld = Math.floor(next() * 5_000_000);
      input.organisation.hourlyDowntimeCost = { amount: Math.floor(next() * 10_000_000), currency: 'USD' };
      input.requestedTerms.aggregateLimit = {
        amount: 25_000_000 + Math.floor(next() * 975_000_000),
        currency: 'USD',
      };
      input.requestedTerms.retention = {
        amount: 2_500_000 + Math.floor(next() * 22_500_000),
        currency: 'USD',
      };
      input.requestedTerms.waitingPeriodHours = 12 + Math.floor(next() * 60);
      input.assessment.riskScore = Math.round(next() * 10_000) / 100;
      const r = rate(parseSubmission(input), filing);
      expect(r.errors).toEqual([]);
      rated++;
      for (const l of r.worksheet) {
        expect(Number.isSafeInteger(l.premiumAfter.amount)).toBe(true);
        if (l.factor !== null) expect(Number.isInteger(Math.round(l.factor * 10_000 * 1e6) / 1e6)).toBe(true);
      }
      expect(Number.isSafeInteger(r.premium!.amount)).toBe(true);
      expect(r.premium!.amount).toBeGreaterThanOrEqual(filing.minimumPremium.amountMinor);
      input.assessment.riskScore = Math.min(100, input.assessment.riskScore + 5);
      expect(rate(parseSubmission(input), filing).premium!.amount).toBeGreaterThanOrEqual(r.premium!.amount);
    }
    expect(rated).toBe(300);
  });

  it('refuses a submission with a fractional amount of cents', () => {
    const input = manufacturerSubmission();
    input.requestedTerms.retention = { amount: 1_000_000.5, currency: 'USD' };
    expect(() => parseSubmission(input)).toThrow(/requestedTerms\.retention\.amount/);
  });
});
