/**
 * Rating: the rate filing applied to a submission, one worksheet line per factor, in the order the
 * filing lists them. Each factor is rounded to 4 decimals and the running premium to the minor unit
 * after every line, so the worksheet can be re-done by hand to the cent.
 */
import type { AppError } from '../../../core/errors';
import { type Money, minorUnitExponent } from '../../../core/money';
import { applyFactor, formatAmount, formatFactor, groupThousands, mulDivRound, toFactor4 } from './arith';
import { productById } from './catalogue';
import type { RateFiling } from './filing';
import type { Product } from './product';
import {
  checkAppetite,
  checkPreconditions,
  checkTerms,
  industryRow,
  type Referral,
  revenueBand,
} from './rules';
import { type Submission, totalDevices } from './submission';
import { describeTable, increasedLimitFactor, lookup } from './tables';
import { type QuotedTerms, resolveTerms } from './terms';

export type FactorSource = 'rate_filing' | 'submission' | 'assessment' | 'attestation' | 'measurement';

export interface WorksheetLine {
  step: number;
  /** Rate filing clause the factor comes from. */
  clause: string;
  name: string;
  /** The 4-decimal multiplier applied, or null for lines that set an amount (base, minimum). */
  factor: number | null;
  /** Displayed value: the factor as "1.2500" or an amount. */
  value: string;
  /** How the value was derived, with the numbers. */
  derivation: string;
  /** Where the inputs come from, and the field paths or clause ids read. */
  source: FactorSource;
  inputs: string[];
  premiumAfter: Money;
}

export type QuoteStatus = 'quoted' | 'referred' | 'declined' | 'invalid';

export interface RatingResult {
  status: QuoteStatus;
  filingId: string;
  filingVersion: string;
  /** The instant the rating applies to (attestation expiry is judged against it). */
  asOf: string;
  premium: Money | null;
  worksheet: WorksheetLine[];
  referrals: Referral[];
  errors: AppError[];
  terms: QuotedTerms | null;
}

export interface RateOptions {
  /** Defaults to the submission's submittedAt. */
  asOf?: Date;
  /** Defaults to the shipped product the filing rates. */
  product?: Product;
}

function status(errors: AppError[], referrals: Referral[]): QuoteStatus {
  if (errors.length) return 'invalid';
  if (referrals.some((r) => r.action === 'decline')) return 'declined';
  if (referrals.length) return 'referred';
  return 'quoted';
}

const fmtShare = (x: number) => `${(x * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

export function rate(submission: Submission, filing: RateFiling, options: RateOptions = {}): RatingResult {
  const product = options.product ?? productById(filing.product);
  const asOf = options.asOf ?? new Date(submission.submittedAt);
  const base = {
    filingId: filing.id,
    filingVersion: filing.version,
    asOf: asOf.toISOString(),
  };
  const pre = checkPreconditions(submission, product, filing);
  if (pre.length) {
    return {
      ...base,
      status: 'invalid',
      premium: null,
      worksheet: [],
      referrals: [],
      errors: pre,
      terms: null,
    };
  }
  const terms = resolveTerms(submission, product, filing);
  const referrals = checkAppetite(submission, filing);
  const band = revenueBand(filing, submission.organisation.annualRevenue.amount);
  if (!band) {
    return { ...base, status: 'declined', premium: null, worksheet: [], referrals, errors: [], terms };
  }
  const errors = checkTerms(submission, terms, product, filing);
  if (errors.length) {
    return { ...base, status: 'invalid', premium: null, worksheet: [], referrals, errors, terms };
  }
  const worksheet = worksheetFor(submission, filing, terms, band, asOf);
  const premium = worksheet[worksheet.length - 1].premiumAfter;
  return { ...base, status: status([], referrals), premium, worksheet, referrals, errors: [], terms };
}

function worksheetFor(
  s: Submission,
  filing: RateFiling,
  terms: QuotedTerms,
  band: NonNullable<ReturnType<typeof revenueBand>>,
  asOf: Date,
): WorksheetLine[] {
  const currency = filing.currency;
  const e = minorUnitExponent(currency);
  const fmt = (minor: number) => formatAmount(minor, currency, e);
  const lines: WorksheetLine[] = [];
  let premium = 0;

  const setAmount = (
    line: Omit<WorksheetLine, 'step' | 'premiumAfter' | 'factor' | 'value'>,
    amountMinor: number,
  ): void => {
    premium = amountMinor;
    lines.push({
      ...line,
      step: lines.length + 1,
      factor: null,
      value: fmt(amountMinor),
      premiumAfter: { amount: premium, currency },
    });
  };
  const applyLine = (
    line: Omit<WorksheetLine, 'step' | 'premiumAfter' | 'factor' | 'value'>,
    raw: number,
  ): void => {
    const f4 = toFactor4(raw);
    premium = applyFactor(premium, f4);
    lines.push({
      ...line,
      step: lines.length + 1,
      factor: f4 / 10_000,
      value: formatFactor(f4),
      premiumAfter: { amount: premium, currency },
    });
  };

  // RB-n: base premium at the reference limit and retention.
  const revenue = s.organisation.annualRevenue.amount;
  const perMillion = 1_000_000 * 10 ** e;
  const variable = mulDivRound(revenue - band.floorMinor, band.ratePerMillionMinor, perMillion);
  setAmount(
    {
      clause: band.clause,
      name: 'Base premium by revenue band',
      derivation: `${fmt(band.basePremiumMinor)} + ${fmt(band.ratePerMillionMinor)} per ${fmt(perMillion)} of revenue above ${fmt(band.floorMinor)}: revenue ${fmt(revenue)} -> ${fmt(band.basePremiumMinor)} + ${fmt(variable)} (reference limit ${fmt(filing.reference.limitMinor)}, retention ${fmt(filing.reference.retentionMinor)}, ${filing.reference.clause})`,
      source: 'rate_filing',
      inputs: ['organisation.annualRevenue', band.clause],
    },
    band.basePremiumMinor + variable,
  );

  const ind = industryRow(filing, s.organisation.industry)!;
  applyLine(
    {
      clause: ind.clause,
      name: 'Industry factor',
      derivation: `industry ${ind.industry}`,
      source: 'rate_filing',
      inputs: ['organisation.industry', ind.clause],
    },
    ind.factor,
  );

  const agg = terms.aggregateLimit.amount;
  const ilfAgg = increasedLimitFactor(filing, agg)!;
  applyLine(
    {
      clause: filing.increasedLimitFactors.clause,
      name: 'Increased limit factor',
      derivation: `aggregate limit ${fmt(agg)}; ${describeTable(filing.increasedLimitFactors, agg, fmt)}`,
      source: 'rate_filing',
      inputs: ['requestedTerms.aggregateLimit', filing.increasedLimitFactors.clause],
    },
    ilfAgg,
  );

  const ret = terms.retention.amount;
  const retFactor = lookup(filing.retentionFactors, ret)!;
  applyLine(
    {
      clause: filing.retentionFactors.clause,
      name: 'Retention factor',
      derivation: `retention ${fmt(ret)} each event; ${describeTable(filing.retentionFactors, ret, fmt)}`,
      source: 'rate_filing',
      inputs: ['requestedTerms.retention', filing.retentionFactors.clause],
    },
    retFactor,
  );

  // COV-1: each section's share of the loss cost, credited where it is sublimited or left out.
  const w = filing.sectionWeights;
  const uninsurable = terms.jurisdictions.filter((j) => j.penaltiesInsurable === 'no');
  const uninsurableShare = uninsurable.length / terms.jurisdictions.length;
  let coverage = 0;
  const parts: string[] = [];
  for (const sec of terms.sections) {
    const weight = w.weights[sec.sectionId] ?? 0;
    if (!sec.included) {
      parts.push(`${sec.sectionId} ${weight} x 0 (not purchased)`);
      continue;
    }
    const eff = Math.min(sec.limit.amount, sec.sublimit.amount, agg);
    const ilf = increasedLimitFactor(filing, eff)!;
    let rel = ilf / ilfAgg;
    let note = eff < agg ? `ILF(${fmt(eff)}) ${ilf.toFixed(4)} / ${ilfAgg.toFixed(4)}` : '1';
    if (sec.respondsTo === 'regulatory' && uninsurableShare > 0) {
      rel *= 1 - w.regulatoryPenaltyShare * uninsurableShare;
      note += ` x (1 - ${w.regulatoryPenaltyShare} penalty share x ${uninsurable.length}/${terms.jurisdictions.length} jurisdictions where fines are uninsurable: ${uninsurable.map((j) => j.code).join(', ')})`;
    }
    coverage += weight * rel;
    parts.push(`${sec.sectionId} ${weight} x ${note}`);
  }
  applyLine(
    {
      clause: w.clause,
      name: 'Coverage sections factor',
      derivation: `sum of section weight x relativity: ${parts.join('; ')} = ${coverage.toFixed(6)}`,
      source: 'rate_filing',
      inputs: [
        'requestedTerms.sections',
        'organisation.jurisdictions',
        w.clause,
        filing.jurisdictions.clause,
      ],
    },
    coverage,
  );

  const bi = terms.sections.find((x) => x.respondsTo === 'business_interruption');
  const wBi = bi ? (w.weights[bi.sectionId] ?? 0) : 0;
  const biIncluded = bi?.included ?? false;
  if (biIncluded) {
    const hours = terms.waitingPeriodHours;
    const rel = toFactor4(lookup(filing.waitingPeriod, hours)!) / 10_000;
    applyLine(
      {
        clause: filing.waitingPeriod.clause,
        name: 'Business interruption waiting period factor',
        derivation: `1 - BI weight ${wBi} x (1 - relativity ${rel.toFixed(4)} for ${hours} h; ${describeTable(filing.waitingPeriod, hours, String)})`,
        source: 'rate_filing',
        inputs: ['requestedTerms.waitingPeriodHours', filing.waitingPeriod.clause],
      },
      1 - wBi * (1 - rel),
    );
  } else {
    applyLine(
      {
        clause: filing.waitingPeriod.clause,
        name: 'Business interruption waiting period factor',
        derivation: 'business interruption not purchased',
        source: 'submission',
        inputs: ['requestedTerms.sections'],
      },
      1,
    );
  }

  const hourly = s.organisation.hourlyDowntimeCost.amount;
  const intensity = revenue > 0 ? (hourly * 8760) / revenue : 0;
  const intensityRel = toFactor4(lookup(filing.downtimeIntensity, intensity)!) / 10_000;
  applyLine(
    {
      clause: filing.downtimeIntensity.clause,
      name: 'Downtime cost factor',
      derivation: biIncluded
        ? `intensity = ${fmt(hourly)}/h x 8760 / ${fmt(revenue)} = ${intensity.toFixed(4)}; relativity ${intensityRel.toFixed(4)}; 1 + BI weight ${wBi} x (${intensityRel.toFixed(4)} - 1)`
        : 'business interruption not purchased',
      source: 'submission',
      inputs: [
        'organisation.hourlyDowntimeCost',
        'organisation.annualRevenue',
        filing.downtimeIntensity.clause,
      ],
    },
    biIncluded ? 1 + wBi * (intensityRel - 1) : 1,
  );

  const records = s.organisation.recordsHeld;
  applyLine(
    {
      clause: filing.recordsHeld.clause,
      name: 'Records held factor',
      derivation: `${groupThousands(records)} records; ${describeTable(filing.recordsHeld, records, groupThousands)}`,
      source: 'submission',
      inputs: ['organisation.recordsHeld', filing.recordsHeld.clause],
    },
    lookup(filing.recordsHeld, records)!,
  );

  const score = s.assessment.riskScore;
  applyLine(
    {
      clause: filing.securityModifier.clause,
      name: 'Security modifier (risk score)',
      derivation: `organisation risk score ${score}${topFactors(s)}; ${describeTable(filing.securityModifier, score, String)}`,
      source: 'assessment',
      inputs: ['assessment.riskScore', filing.securityModifier.clause],
    },
    lookup(filing.securityModifier, score)!,
  );

  const fleet = filing.iotExposure.fleet;
  let units = 0;
  const unitParts: string[] = [];
  for (const [kind, n] of Object.entries(s.assessment.devicesByKind)) {
    const weight = fleet.kindWeights[kind] ?? fleet.kindWeights.other ?? 1;
    units += n * weight;
    unitParts.push(`${n} ${kind} x ${weight}`);
  }
  applyLine(
    {
      clause: fleet.clause,
      name: 'IoT fleet factor',
      derivation: `weighted device units ${unitParts.join(' + ') || '0'} = ${units}; ${describeTable(fleet, units, String)}`,
      source: 'assessment',
      inputs: ['assessment.devicesByKind', fleet.clause],
    },
    lookup(fleet, units)!,
  );

  const devices = totalDevices(s);
  const exposed = s.assessment.internetExposed;
  const exposedShare = devices > 0 ? exposed / devices : 0;
  const ie = filing.iotExposure.internetExposed;
  applyLine(
    {
      clause: ie.clause,
      name: 'Internet exposure factor',
      derivation: `1 + ${ie.perShare} x ${exposed}/${devices} internet-exposed devices (${fmtShare(exposedShare)})`,
      source: 'assessment',
      inputs: ['assessment.internetExposed', 'assessment.devicesByKind', ie.clause],
    },
    1 + ie.perShare * exposedShare,
  );

  const sc = filing.iotExposure.safetyCritical;
  const safety = s.assessment.safetyCritical;
  applyLine(
    {
      clause: sc.clause,
      name: 'Safety-critical devices factor',
      derivation: `1 + min(${sc.max}, ${sc.perDevice} x ${safety} safety-critical devices)`,
      source: 'assessment',
      inputs: ['assessment.safetyCritical', sc.clause],
    },
    1 + Math.min(sc.max, sc.perDevice * safety),
  );

  const cc = filing.complianceCredit;
  let met = 0;
  let all = 0;
  for (const b of s.assessment.baselines) {
    met += b.met;
    all += b.met + b.notMet + b.unknown;
  }
  const ratio = all > 0 ? met / all : 0;
  applyLine(
    {
      clause: cc.clause,
      name: 'Baseline compliance credit',
      derivation: all
        ? `1 - ${cc.maxCredit} x ${met}/${all} provisions met (${s.assessment.baselines.map((b) => `${b.baseline}: ${b.met} met, ${b.notMet} not met, ${b.unknown} unknown`).join('; ')})`
        : 'no baseline results: no credit',
      source: 'assessment',
      inputs: ['assessment.baselines', cc.clause],
    },
    1 - cc.maxCredit * ratio,
  );

  for (const ctl of filing.controls) {
    const measured =
      s.assessment.measuredControls?.[ctl.control as keyof NonNullable<typeof s.assessment.measuredControls>];
    const attested = s.attestedControls.filter((a) => a.control === ctl.control);
    const valid = attested.find((a) => new Date(a.attestedAt) <= asOf && asOf < new Date(a.expiresAt));
    let raw = 1;
    let derivation: string;
    let source: FactorSource;
    let inputs: string[];
    // Measured beats attested wherever both exist (DESIGN.md §5).
    if (measured !== undefined) {
      raw = measured ? ctl.factor : 1;
      derivation = measured ? `measured in place: credit ${ctl.factor}` : 'measured absent: no credit';
      if (attested.length) derivation += ' (attestation overridden by measurement)';
      source = 'measurement';
      inputs = [`assessment.measuredControls.${ctl.control}`, ctl.clause];
    } else if (valid) {
      raw = ctl.factor;
      derivation = `attested ${valid.attestedAt.slice(0, 10)}, expires ${valid.expiresAt.slice(0, 10)}, evidence: ${valid.evidence}`;
      source = 'attestation';
      inputs = ['attestedControls', ctl.clause];
    } else {
      derivation = attested.length
        ? `attestation not in force on ${asOf.toISOString().slice(0, 10)} (expired or not yet given): no credit`
        : 'neither measured nor attested: no credit';
      source = 'attestation';
      inputs = ['attestedControls', ctl.clause];
    }
    applyLine({ clause: ctl.clause, name: `Control: ${ctl.control}`, derivation, source, inputs }, raw);
  }

  const min = filing.minimumPremium;
  const before = premium;
  setAmount(
    {
      clause: min.clause,
      name: 'Minimum premium',
      derivation:
        before < min.amountMinor
          ? `${fmt(before)} is below the minimum ${fmt(min.amountMinor)}: minimum applies`
          : `${fmt(before)} is at or above the minimum ${fmt(min.amountMinor)}`,
      source: 'rate_filing',
      inputs: [min.clause],
    },
    Math.max(before, min.amountMinor),
  );
  return lines;
}

function topFactors(s: Submission): string {
  const f = [...s.assessment.riskFactors].sort((a, b) => b.contribution - a.contribution).slice(0, 3);
  return f.length ? ` (largest contributors: ${f.map((x) => `${x.name} ${x.contribution}`).join(', ')})` : '';
}
