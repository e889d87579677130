import { describe, expect, it } from 'vitest';
import { iotCyberFiling202601 as filing } from './catalogue';
import { manufacturerSubmission } from './fixtures';
import { rate } from './rating';
import { parseSubmission, type SubmissionInput } from './submission';

const cents = (major: number) => Math.round(major * 100);
const usd = (minor: number) => ({ amount: minor, currency: 'USD' });

/** Quote A's submission with one change; rated against the 2026-01 filing. */
function rateWith(change: (s: SubmissionInput) => void) {
  const s = manufacturerSubmission();
  change(s);
  return rate(parseSubmission(s), filing);
}
const ruleIds = (r: ReturnType<typeof rate>) => r.errors.map((e) => /^rule (\S+):/.exec(e.message)?.[1]);
const referralIds = (r: ReturnType<typeof rate>) => r.referrals.map((x) => x.ruleId);

describe('UW-RET-1 minimum retention by revenue band', () => {
  it('names the rule, the revenue and the minimum', () => {
    const r = rateWith((s) => {
      s.requestedTerms.retention = usd(cents(4_999.99));
    });
    expect(r.status).toBe('invalid');
    expect(r.premium).toBeNull();
    expect(r.errors[0].kind).toBe('invalid');
    expect(r.errors[0].message).toBe(
      'rule UW-RET-1: minimum retention for revenue USD 30,000,000 is USD 5,000',
    );
    expect(r.errors[0].details[0].field).toBe('requestedTerms.retention');
  });

  const cases: [revenue: number, retention: number, ok: boolean][] = [
    [25_000_000, 2_499.99, false],
    [25_000_000, 2_500, true],
    [25_000_000.01, 2_500, false], // just above 25M the minimum is 5,000
    [25_000_000.01, 5_000, true],
    [50_000_000, 4_999.99, false],
    [50_000_000, 5_000, true],
    [50_000_000.01, 5_000, false],
    [50_000_000.01, 10_000, true],
    [100_000_000, 9_999.99, false],
    [100_000_000, 10_000, true],
    [100_000_000.01, 10_000, false],
    [100_000_000.01, 25_000, true],
  ];
  it.each(cases)('revenue %d, retention %d -> accepted %s', (revenue, retention, ok) => {
    const r = rateWith((s) => {
      s.organisation.annualRevenue = usd(cents(revenue));
      s.requestedTerms.retention = usd(cents(retention));
    });
    expect(ruleIds(r).includes('UW-RET-1')).toBe(!ok);
  });
});

describe('retention and limit tables', () => {
  it.each([
    [250_000, true],
    [250_000.01, false],
  ])('UW-RET-2 retention %d accepted %s', (retention, ok) => {
    const r = rateWith((s) => {
      s.requestedTerms.retention = usd(cents(retention));
    });
    expect(ruleIds(r).includes('UW-RET-2')).toBe(!ok);
  });

  it.each([
    [249_999.99, false],
    [250_000, true],
    [10_000_000, true],
    [10_000_000.01, false],
  ])('UW-LIM-1 aggregate %d accepted %s', (agg, ok) => {
    const r = rateWith((s) => {
      s.requestedTerms.aggregateLimit = usd(cents(agg));
      s.requestedTerms.sections = {
        cyber_extortion: { sublimit: usd(cents(100_000)) },
        regulatory: { sublimit: usd(cents(100_000)) },
      };
    });
    expect(ruleIds(r).includes('UW-LIM-1')).toBe(!ok);
  });

  it.each([
    [0, false],
    [2_000_000, true],
    [2_000_000.01, false],
  ])('UW-LIM-2 section sublimit %d within a 2M aggregate accepted %s', (sub, ok) => {
    const r = rateWith((s) => {
      s.requestedTerms.sections = { data_restoration: { sublimit: usd(cents(sub)) } };
    });
    expect(ruleIds(r).includes('UW-LIM-2')).toBe(!ok);
  });

  it.each([
    [9_999.99, false],
    [10_000, true],
  ])('UW-RET-3 section retention %d against a 10,000 policy retention accepted %s', (ret, ok) => {
    const r = rateWith((s) => {
      s.requestedTerms.sections = { business_interruption: { retention: usd(cents(ret)) } };
    });
    expect(ruleIds(r).includes('UW-RET-3')).toBe(!ok);
  });
});

describe('UW-EXT-1 extortion sublimit cap', () => {
  it.each([
    [2_000_000, 1_000_000, true], // 50% of the aggregate
    [2_000_000, 1_000_000.01, false],
    [10_000_000, 2_500_000, true], // absolute cap below 50% of 10M
    [10_000_000, 2_500_000.01, false],
  ])('aggregate %d, extortion sublimit %d accepted %s', (agg, sub, ok) => {
    const r = rateWith((s) => {
      s.requestedTerms.aggregateLimit = usd(cents(agg));
      s.requestedTerms.sections = { cyber_extortion: { sublimit: usd(cents(sub)) } };
    });
    expect(ruleIds(r).includes('UW-EXT-1')).toBe(!ok);
  });

  it('defaults the sublimit to the absolute cap on a large aggregate', () => {
    const r = rateWith((s) => {
      s.requestedTerms.aggregateLimit = usd(cents(10_000_000));
    });
    expect(r.terms!.sections.find((x) => x.sectionId === 'cyber_extortion')!.sublimit.amount).toBe(
      cents(2_500_000),
    );
  });
});

describe('UW-BI-1 waiting period by industry', () => {
  it.each([
    ['manufacturing', 11, false],
    ['manufacturing', 12, true],
    ['logistics', 9, false],
    ['logistics', 10, true],
    ['retail', 7, false],
    ['retail', 8, true],
    ['retail', 72, true],
    ['retail', 73, false],
  ])('%s, %d h accepted %s', (industry, hours, ok) => {
    const r = rateWith((s) => {
      s.organisation.industry = industry;
      s.requestedTerms.waitingPeriodHours = hours;
    });
    expect(ruleIds(r).includes('UW-BI-1')).toBe(!ok);
  });

  it('does not apply when business interruption is not bought', () => {
    const r = rateWith((s) => {
      s.requestedTerms.waitingPeriodHours = 0;
      s.requestedTerms.sections = { business_interruption: { included: false } };
    });
    expect(r.errors).toEqual([]);
  });
});

describe('appetite referrals', () => {
  it.each([
    [0, false],
    [1, true],
  ])('UW-APP-1 %d KEV findings on exposed devices -> referred %s', (kev, refer) => {
    const r = rateWith((s) => {
      s.assessment.kevOnExposed = kev;
    });
    expect(referralIds(r).includes('UW-APP-1')).toBe(refer);
    expect(r.status).toBe(refer ? 'referred' : 'quoted');
    if (refer) {
      expect(r.premium).not.toBeNull();
      expect(r.referrals[0].facts).toEqual({ kevOnExposed: 1, internetExposed: 27 });
    }
  });

  it.each([
    [79.99, false],
    [80, true],
  ])('UW-APP-3 risk score %d -> referred %s', (score, refer) => {
    expect(
      referralIds(
        rateWith((s) => {
          s.assessment.riskScore = score;
        }),
      ).includes('UW-APP-3'),
    ).toBe(refer);
  });

  it.each([
    [5_000_000, false],
    [5_000_000.01, true],
  ])('UW-APP-4 aggregate %d -> referred %s', (agg, refer) => {
    const r = rateWith((s) => {
      s.requestedTerms.aggregateLimit = usd(cents(agg));
    });
    expect(referralIds(r).includes('UW-APP-4')).toBe(refer);
  });

  it.each([
    [250_000_000, 'quoted'],
    [250_000_000.01, 'declined'],
  ])('UW-APP-2 revenue %d -> %s', (revenue, status) => {
    const r = rateWith((s) => {
      s.organisation.annualRevenue = usd(cents(revenue));
      s.requestedTerms.retention = usd(cents(25_000));
    });
    expect(r.status).toBe(status);
    if (status === 'declined') {
      expect(r.premium).toBeNull();
      expect(r.referrals).toMatchObject([{ ruleId: 'UW-APP-2', action: 'decline' }]);
    } else {
      expect(r.worksheet[0]).toMatchObject({ clause: 'RB-5', premiumAfter: { amount: 2_600_000 } });
    }
  });
});

describe('revenue bands', () => {
  it.each([
    [5_000_000, 'RB-1', 300_000], // 2,000 + 200 x 5
    [5_000_000.01, 'RB-2', 300_000], // 3,000 + 150 x 0.00000001 -> 3,000.00: continuous at the edge
    [25_000_000, 'RB-2', 600_000],
    [25_000_001, 'RB-3', 600_000], // 6,000 + 120 x 0.000001 = 6,000.00012 -> 6,000.00
    [0, 'RB-1', 200_000],
  ])('revenue %d rates in %s at %d cents', (revenue, clause, base) => {
    const r = rateWith((s) => {
      s.organisation.annualRevenue = usd(cents(revenue));
      s.requestedTerms.retention = usd(cents(5_000));
    });
    expect(r.worksheet[0]).toMatchObject({ clause, premiumAfter: { amount: base } });
  });
});

describe('preconditions', () => {
  it('UW-CUR-1 names every field in another currency', () => {
    const r = rateWith((s) => {
      s.organisation.annualRevenue = { amount: 1, currency: 'EUR' };
      s.requestedTerms.retention = { amount: 1_000_000, currency: 'EUR' };
    });
    expect(ruleIds(r)).toEqual(['UW-CUR-1', 'UW-CUR-1']);
    expect(r.errors.map((e) => e.details[0].field)).toEqual([
      'organisation.annualRevenue',
      'requestedTerms.retention',
    ]);
  });

  it.each([
    ['2025-12-31T23:59:59Z', false],
    ['2026-01-01T00:00:00Z', true],
  ])('UW-FIL-1 submitted %s accepted %s', (at, ok) => {
    const r = rateWith((s) => {
      s.submittedAt = at;
      s.attestedControls = [];
    });
    expect(ruleIds(r).includes('UW-FIL-1')).toBe(!ok);
  });

  it('UW-IND-1, UW-SEC-1, UW-SEC-2 and UW-DAT-1', () => {
    expect(
      ruleIds(
        rateWith((s) => {
          s.organisation.industry = 'mining';
        }),
      ),
    ).toEqual(['UW-IND-1']);
    expect(
      ruleIds(
        rateWith((s) => {
          s.requestedTerms.sections = { crypto_theft: {} };
        }),
      ),
    ).toEqual(['UW-SEC-1']);
    const none = Object.fromEntries(
      [
        'incident_response',
        'data_restoration',
        'business_interruption',
        'cyber_extortion',
        'breach_notification',
        'network_privacy_liability',
        'regulatory',
      ].map((id) => [id, { included: false }]),
    );
    expect(
      ruleIds(
        rateWith((s) => {
          s.requestedTerms.sections = none;
        }),
      ),
    ).toEqual(['UW-SEC-2']);
    expect(
      ruleIds(
        rateWith((s) => {
          s.assessment.internetExposed = 271;
        }),
      ),
    ).toEqual(['UW-DAT-1']);
    expect(
      ruleIds(
        rateWith((s) => {
          s.assessment.internetExposed = 270;
        }),
      ),
    ).toEqual([]);
  });
});
