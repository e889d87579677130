/**
 * Policy wording EXC-KEV priced into the technical premium: where a loss arises from a CISA KEV
 * vulnerability left unpatched past the grace period, the insured's coinsurance share rises. The
 * simulation does not know which event came through which device, so each scenario's events are
 * attributed to KEV-affected devices in proportion to those devices' weight among the scenario's
 * weakest-link drivers (risk/domain/scenario-vulnerability.ts), and those events carry the raised share.
 */
import { type CoinsuranceRule, kevCoinsuranceShare } from './product';
import type { QuotedTerms } from './terms';

export interface ScenarioDriver {
  deviceId: string;
  likelihood: number;
  relevance: number;
}

export interface KevCoinsurance {
  scenarioId: string;
  /** Share of the scenario's loss events that arise through a device with an open KEV finding, 0..1. */
  kevShare: number;
  /** Days the KEV is assumed open when the loss happens. */
  daysUnpatched: number;
  /** Coinsurance per quoted section (terms.sections order) for the KEV-caused events. */
  sectionShares: { sectionId: string; base: number; kev: number }[];
}

/**
 * Days a KEV finding open at inception is unpatched at the time of an average loss: losses fall on
 * average mid-period (182 days in), plus however long it was already open at quoting.
 */
const MID_PERIOD_DAYS = 182;

/**
 * Each driver weighs r·L/i (i = its rank, 1-based), as in the scenario vulnerability formula; the KEV
 * share is the KEV drivers' part of that weight. Scenarios with no KEV driver are left out.
 */
export function kevCoinsuranceByScenario(
  explanations: readonly { id: string; vulnerability: { drivers: readonly ScenarioDriver[] } }[],
  kevDeviceIds: ReadonlySet<string>,
  terms: QuotedTerms,
  rule: CoinsuranceRule,
  daysOpenAtQuote = 0,
): KevCoinsurance[] {
  const out: KevCoinsurance[] = [];
  const daysUnpatched = daysOpenAtQuote + MID_PERIOD_DAYS;
  for (const x of explanations) {
    let all = 0;
    let kev = 0;
    x.vulnerability.drivers.forEach((d, i) => {
      const w = (d.relevance * d.likelihood) / (i + 1);
      all += w;
      if (kevDeviceIds.has(d.deviceId)) kev += w;
    });
    if (!(kev > 0) || !(all > 0)) continue;
    out.push({
      scenarioId: x.id,
      kevShare: kev / all,
      daysUnpatched,
      sectionShares: terms.sections.map((s) => ({
        sectionId: s.sectionId,
        base: s.coinsurance,
        kev: kevCoinsuranceShare(s.coinsurance, daysUnpatched, rule),
      })),
    });
  }
  return out;
}
