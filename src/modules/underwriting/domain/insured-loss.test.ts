import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import { LOSS_SECTIONS, type LossSection, SECTION_COUNT, type SimulationResult } from '../../risk';
import { iotCyberFiling202601 as filing, iotCyberProduct } from './catalogue';
import { adequacy, insuredLoss, technicalPremium } from './insured-loss';
import { kevCoinsuranceByScenario } from './kev-coinsurance';
import type { QuotedTerms, SectionTerms } from './terms';

interface HandEvent {
  year: number;
  hours?: number;
  loss: Partial<Record<LossSection, number>>; // major units (USD)
}

/** A SimulationResult built by hand: only the events matter to insured loss. */
function sim(years: number, events: HandEvent[], currency = 'USD'): SimulationResult {
  const n = events.length;
  const loss = new Float64Array(n * SECTION_COUNT);
  events.forEach((e, i) => {
    for (const [k, v] of Object.entries(e.loss))
      loss[i * SECTION_COUNT + LOSS_SECTIONS.indexOf(k as LossSection)] = v;
  });
  const summary = { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, exceedance: [] };
  return {
    years,
    seed: 1,
    currency,
    scenarios: [],
    annualLoss: new Float64Array(years),
    summary,
    events: {
      count: n,
      year: Int32Array.from(events.map((e) => e.year)),
      scenario: new Uint16Array(n),
      outageHours: Float64Array.from(events.map((e) => e.hours ?? 0)),
      loss,
    },
  };
}

const usd = (major: number) => ({ amount: Math.round(major * 100), currency: 'USD' });

/** Every section bought, all limits at the aggregate, no retention, no coinsurance, unless overridden. */
function terms(
  aggregate: number,
  over: Partial<
    Record<
      LossSection,
      Partial<Omit<SectionTerms, 'limit' | 'sublimit' | 'retention'>> & {
        limit?: number;
        sublimit?: number;
        retention?: number;
      }
    >
  > = {},
  waiting = 8,
): QuotedTerms {
  return {
    productId: 'iot-cyber',
    filingId: filing.id,
    filingVersion: filing.version,
    currency: 'USD',
    aggregateLimit: usd(aggregate),
    retention: usd(0),
    waitingPeriodHours: waiting,
    jurisdictions: [],
    regulatoryPenaltyShare: 0.5,
    sections: iotCyberProduct.sections.map((s) => {
      const o = over[s.respondsTo] ?? {};
      return {
        sectionId: s.id,
        name: s.name,
        party: s.party,
        respondsTo: s.respondsTo,
        included: o.included ?? true,
        limit: usd(o.limit ?? aggregate),
        sublimit: usd(o.sublimit ?? aggregate),
        retention: usd(o.retention ?? 0),
        waitingPeriodHours: s.hasWaitingPeriod ? waiting : null,
        coinsurance: o.coinsurance ?? 0,
        exclusions: [],
      };
    }),
  };
}

const cents = (m: { amount: number }) => m.amount;

describe('insuredLoss: retention', () => {
  const t = terms(1_000_000, {
    incident_response: { retention: 10_000 },
    restoration: { retention: 25_000 },
    notification: { retention: 5_000 },
  });

  it('applies only the single highest retention when three sections trigger (DESIGN.md §5)', () => {
    // IR 20,000 + restoration 30,000 + notification 5,000 = 55,000 gross. Highest retention among the
    // triggered sections: 25,000 (restoration), applied once in LOSS_SECTIONS order: IR keeps 20,000,
    // restoration keeps 5,000, notification keeps 0. Insured: 0 + 25,000 + 5,000 = 30,000.
    // (Summing the three retentions would have kept 40,000.)
    const r = insuredLoss(
      sim(1, [{ year: 0, loss: { incident_response: 20_000, restoration: 30_000, notification: 5_000 } }]),
      t,
    );
    expect(cents(r.grossMean)).toBe(5_500_000);
    expect(cents(r.retentionMean)).toBe(2_500_000);
    expect(cents(r.insuredMean)).toBe(3_000_000);
    const by = (s: LossSection) => cents(r.bySection.find((x) => x.lossSection === s)!.insuredMean);
    expect([by('incident_response'), by('restoration'), by('notification')]).toEqual([0, 2_500_000, 500_000]);
  });

  it('ignores the retention of a section the event does not trigger', () => {
    // Restoration (25,000) has no loss: the highest triggered retention is IR's 10,000.
    // 20,000 + 5,000 - 10,000 = 15,000.
    const r = insuredLoss(sim(1, [{ year: 0, loss: { incident_response: 20_000, notification: 5_000 } }]), t);
    expect(cents(r.retentionMean)).toBe(1_000_000);
    expect(cents(r.insuredMean)).toBe(1_500_000);
  });

  it('applies a retention per event, not per year', () => {
    // Two IR events of 20,000 in one year: 2 x (20,000 - 10,000) = 20,000.
    const r = insuredLoss(
      sim(1, [
        { year: 0, loss: { incident_response: 20_000 } },
        { year: 0, loss: { incident_response: 20_000 } },
      ]),
      t,
    );
    expect(cents(r.insuredMean)).toBe(2_000_000);
  });
});

describe('insuredLoss: business interruption waiting period', () => {
  const t = terms(
    1_000_000,
    { business_interruption: { retention: 50_000 }, incident_response: { retention: 10_000 } },
    8,
  );
  const bi = (hours: number) =>
    insuredLoss(
      sim(1, [{ year: 0, hours, loss: { business_interruption: 120_000, incident_response: 30_000 } }]),
      t,
    );

  it('pays no BI when the outage lasts exactly the waiting period, and BI does not trigger its retention', () => {
    // 8 h outage, 8 h waiting: BI share max(0, 8 - 8)/8 = 0. Only IR triggers: 30,000 - 10,000 = 20,000.
    const r = bi(8);
    expect(cents(r.waitingPeriodMean)).toBe(12_000_000);
    expect(cents(r.retentionMean)).toBe(1_000_000);
    expect(cents(r.insuredMean)).toBe(2_000_000);
  });

  it('pays BI for the hours past the waiting period just above the boundary', () => {
    // 12 h: BI 120,000 x 4/12 = 40,000; both trigger; highest retention 50,000 (BI):
    // IR 30,000 is eroded first (0 left), BI keeps 20,000 -> insured 0 + 20,000 = 20,000.
    const r = bi(12);
    expect(cents(r.waitingPeriodMean)).toBe(8_000_000);
    expect(cents(r.retentionMean)).toBe(5_000_000);
    expect(cents(r.insuredMean)).toBe(2_000_000);
    // 8.5 h: BI 120,000 x 0.5/8.5 = 7,058.82; retention 50,000 takes all of 37,058.82 -> 0.
    expect(cents(bi(8.5).insuredMean)).toBe(0);
    // 80 h: BI 120,000 x 72/80 = 108,000; 108,000 + 30,000 - 50,000 = 88,000.
    expect(cents(bi(80).insuredMean)).toBe(8_800_000);
  });

  it('pays no BI for an event without outage hours', () => {
    const r = insuredLoss(sim(1, [{ year: 0, hours: 0, loss: { business_interruption: 10_000 } }]), t);
    expect(cents(r.insuredMean)).toBe(0);
    expect(cents(r.waitingPeriodMean)).toBe(1_000_000);
  });
});

describe('insuredLoss: limits inside the aggregate', () => {
  it('exhausts the aggregate mid-year and starts afresh the next year', () => {
    // Aggregate 100,000. Year 0: 60,000 + 60,000 + 30,000 -> paid 60,000, 40,000, 0 (= 100,000).
    // Year 1: 30,000 paid. Mean over 2 years: 130,000 / 2 = 65,000; over the aggregate (20,000 +
    // 30,000) / 2 = 25,000.
    const r = insuredLoss(
      sim(2, [
        { year: 0, loss: { incident_response: 60_000 } },
        { year: 0, loss: { restoration: 60_000 } },
        { year: 0, loss: { liability: 30_000 } },
        { year: 1, loss: { liability: 30_000 } },
      ]),
      terms(100_000),
    );
    expect(Array.from(r.annualInsured)).toEqual([10_000_000, 3_000_000]);
    expect(cents(r.insuredMean)).toBe(6_500_000);
    expect(cents(r.aggregateMean)).toBe(2_500_000);
    expect(r.yearsAggregateExhausted).toBe(1);
    // Technical premium TP-1: 65,000 / 0.6 = 108,333.333 -> 10,833,333 cents; + 25,000 expense load.
    const tp = technicalPremium(r, filing);
    expect(cents(tp.lossCost)).toBe(10_833_333);
    expect(cents(tp.premium)).toBe(10_858_333);
    expect(adequacy({ amount: 21_716_666, currency: 'USD' }, tp.premium)).toBe(2);
  });

  it('takes events in year order, keeping their order within a year', () => {
    // The same four events as above with year 1 first: the same years and the same payments.
    const r = insuredLoss(
      sim(2, [
        { year: 1, loss: { liability: 30_000 } },
        { year: 0, loss: { incident_response: 60_000 } },
        { year: 0, loss: { restoration: 60_000 } },
        { year: 0, loss: { liability: 30_000 } },
      ]),
      terms(100_000),
    );
    expect(Array.from(r.annualInsured)).toEqual([10_000_000, 3_000_000]);
    const by = (s: LossSection) => cents(r.bySection.find((x) => x.lossSection === s)!.insuredMean);
    // Year 0's third event (liability) found the aggregate used up: liability is paid only in year 1.
    expect(by('liability')).toBe(1_500_000);
    expect(r.yearsAggregateExhausted).toBe(1);
  });

  it('refuses an event outside the simulated years', () => {
    try {
      insuredLoss(sim(2, [{ year: 2, loss: { liability: 1 } }]), terms(100_000));
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.details[0].path).toBe('events.year[0]');
    }
  });

  it('holds extortion to its annual sublimit, each-event limit and coinsurance', () => {
    // Extortion: coinsurance 10%, each-event limit 40,000, annual sublimit 50,000, no retention.
    // Year 0: 30,000 -> 27,000 (sublimit left 23,000); 30,000 -> 27,000 capped at 23,000 (4,000 over).
    // Year 1: 60,000 -> 54,000 capped at the event limit 40,000 (14,000 over).
    // Coinsurance kept: 3,000 + 3,000 + 6,000 = 12,000. Mean: (50,000 + 40,000) / 2 = 45,000.
    const t = terms(1_000_000, { extortion: { coinsurance: 0.1, limit: 40_000, sublimit: 50_000 } });
    const r = insuredLoss(
      sim(2, [
        { year: 0, loss: { extortion: 30_000 } },
        { year: 0, loss: { extortion: 30_000 } },
        { year: 1, loss: { extortion: 60_000 } },
      ]),
      t,
    );
    expect(cents(r.coinsuranceMean)).toBe(600_000);
    expect(cents(r.sublimitMean)).toBe(200_000);
    expect(cents(r.eventLimitMean)).toBe(700_000);
    expect(cents(r.insuredMean)).toBe(4_500_000);
  });

  it('counts loss in sections not bought as not covered', () => {
    const r = insuredLoss(
      sim(1, [{ year: 0, loss: { extortion: 10_000, notification: 2_000 } }]),
      terms(1_000_000, { extortion: { included: false } }),
    );
    expect(cents(r.notCoveredMean)).toBe(1_000_000);
    expect(cents(r.insuredMean)).toBe(200_000);
  });
});

describe('insuredLoss: uninsurable fines', () => {
  it('pays no fines for the jurisdictions where they are uninsurable', () => {
    // Regulatory loss 40,000 in GB (fines uninsurable) and US (insurable): penalty share 0.5 x 1/2 of
    // jurisdictions = 25% not payable -> 10,000 uninsurable, 30,000 insured.
    const t = terms(1_000_000);
    t.jurisdictions = [
      { code: 'GB', penaltiesInsurable: 'no', source: 'test' },
      { code: 'US', penaltiesInsurable: 'yes', source: 'test' },
    ];
    const r = insuredLoss(sim(1, [{ year: 0, loss: { regulatory: 40_000 } }]), t);
    expect(cents(r.uninsurableMean)).toBe(1_000_000);
    expect(cents(r.insuredMean)).toBe(3_000_000);
  });
});

describe('insuredLoss: money', () => {
  it('rounds once, at the mean, not per event', () => {
    // Three events of USD 1/3 in one year: 1.00 insured. Rounding each event first would give 0.99.
    const third = 1 / 3;
    const r = insuredLoss(
      sim(
        1,
        [0, 0, 0].map((year) => ({ year, loss: { incident_response: third } })),
      ),
      terms(1_000_000),
    );
    expect(r.insuredMean).toEqual({ amount: 100, currency: 'USD' });
    for (const k of ['grossMean', 'insuredMean', 'retentionMean'] as const)
      expect(Number.isInteger(r[k].amount)).toBe(true);
  });

  it('refuses a simulation in another currency', () => {
    try {
      insuredLoss(sim(1, [], 'EUR'), terms(1_000_000));
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.kind).toBe('invalid');
    }
  });
});

describe('insuredLoss: EXC-KEV coinsurance (product wording; CISA BOD 22-01 grace period)', () => {
  const rule = iotCyberProduct.exclusions.find((x) => x.id === 'EXC-KEV')!.coinsuranceRule!;
  /** Two scenarios: ransomware (through a KEV device and a clean one) and a service disruption. */
  function twoScenarios() {
    const s = sim(1, [
      { year: 0, loss: { restoration: 100_000 } },
      { year: 0, loss: { restoration: 40_000 } },
    ]);
    s.scenarios = ['ransomware_ot', 'service_disruption'].map((id) => ({
      id,
      name: id,
      annualLoss: new Float64Array(1),
      summary: s.summary,
    }));
    s.events.scenario[1] = 1;
    return s;
  }

  it("raises the insured's share on the KEV-caused part of a scenario's losses; other scenarios keep the base", () => {
    const t = terms(1_000_000, { extortion: { coinsurance: 0.1 } });
    // Drivers of ransomware: KEV device r=1 L=0.6 (weight 0.6/1) and clean device r=1 L=0.6 (0.6/2):
    // KEV share 0.6 / 0.9 = 2/3. Open at quoting 0 days + 182 (mid-period) = 182 days unpatched:
    // 168 past the 14-day grace = 6 started 30-day periods x 0.1 = 0.6, capped at 0.5.
    const kev = kevCoinsuranceByScenario(
      [
        {
          id: 'ransomware_ot',
          vulnerability: {
            drivers: [
              { deviceId: 'kev-cam', relevance: 1, likelihood: 0.6 },
              { deviceId: 'clean-plc', relevance: 1, likelihood: 0.6 },
            ],
          },
        },
        {
          id: 'service_disruption',
          vulnerability: { drivers: [{ deviceId: 'clean-plc', relevance: 1, likelihood: 0.6 }] },
        },
      ],
      new Set(['kev-cam']),
      t,
      rule,
    );
    expect(kev).toHaveLength(1);
    expect(kev[0].kevShare).toBeCloseTo(2 / 3, 12);
    expect(kev[0].daysUnpatched).toBe(182);
    const restoration = kev[0].sectionShares.find((x) => x.sectionId === 'data_restoration')!;
    expect(restoration).toEqual({ sectionId: 'data_restoration', base: 0, kev: 0.5 });
    // Extortion has a base share of 0.1: 0.1 + 6 x 0.1 = 0.7, capped at 0.5.
    expect(kev[0].sectionShares.find((x) => x.sectionId === 'cyber_extortion')!.kev).toBe(0.5);

    const without = insuredLoss(twoScenarios(), t);
    const withKev = insuredLoss(twoScenarios(), t, { kevCoinsurance: kev });
    // Without: 100,000 + 40,000 paid. With: ransomware coinsurance 0 + 2/3 x (0.5 - 0) = 1/3:
    // 100,000 x 2/3 = 66,666.67 paid, 33,333.33 kept; the service disruption's 40,000 is unchanged.
    expect(cents(without.insuredMean)).toBe(14_000_000);
    expect(cents(withKev.coinsuranceMean)).toBe(3_333_333);
    expect(cents(withKev.insuredMean)).toBe(10_666_667);
    expect(withKev.kevCoinsurance).toEqual(kev);
    // The technical premium prices it: loss cost falls by the coinsurance / target loss ratio.
    const tpWithout = technicalPremium(without, filing).lossCost.amount;
    const tpWith = technicalPremium(withKev, filing).lossCost.amount;
    expect(technicalPremium(withKev, filing).derivation).toContain(
      "EXC-KEV: KEV left unpatched 182 days at the average loss raises the insured's share (ransomware_ot 67% of events at up to 50% coinsurance)",
    );
    // (each loss cost is rounded once on its own, so the difference may be a cent off)
    const expected = 3_333_333.33 / filing.technicalPremium.targetLossRatio;
    expect(Math.abs(tpWithout - tpWith - expected)).toBeLessThanOrEqual(1);
  });
});
