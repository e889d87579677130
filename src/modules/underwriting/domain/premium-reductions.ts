/**
 * "What would lower it": measured changes to the insured's fleet and controls, each applied alone to
 * the assessment, re-scored by the risk module and re-rated on the policy's own filing and terms; the
 * saving is the difference from re-rating the assessment as it stands (same filing, terms, date).
 */

import type { Money } from '../../../core/money';
import { minorUnitExponent } from '../../../core/money';
import {
  type AssessedDevice,
  type ControlName,
  type OrganisationAssessment,
  type OrganisationRiskScore,
  scoreOrganisation,
} from '../../risk';
import { formatAmount } from './arith';
import { assessmentFromRiskScore } from './assessment-summary';
import type { RateFiling } from './filing';
import { rate } from './rating';
import type { Submission } from './submission';

export interface PremiumReduction {
  id: string;
  kind: 'patch_kev' | 'credentials' | 'exposure' | 'segmentation' | 'control';
  /** e.g. "patch CVE-2021-36260 on 12 cameras". */
  action: string;
  devices: number;
  premium: Money;
  /** Positive: how much lower the annual premium would be. */
  saving: Money;
  /** Saving as a share of the current premium, 0..1. */
  savingShare: number;
  text: string;
}

export interface PremiumReductions {
  /** The policy's terms re-rated on today's assessment (the base every saving is measured from). */
  premium: Money | null;
  items: PremiumReduction[];
}

interface Change {
  id: string;
  kind: PremiumReduction['kind'];
  action: string;
  devices: number;
  assessment: OrganisationAssessment;
  attest?: ControlName;
}

const plural = (n: number, kind: string) =>
  `${n} ${kind.replace(/_/g, ' ')}${n === 1 ? '' : kind.endsWith('s') ? '' : 's'}`;

/** The kind shared by all of some devices, to say "12 cameras"; "device" when they are of mixed kinds (or none). */
function kindOf(devices: AssessedDevice[]): string {
  const kinds = new Set(devices.map((d) => d.kind));
  return kinds.size === 1 ? devices[0].kind : 'device';
}

function withDevices(
  a: OrganisationAssessment,
  pick: (x: OrganisationAssessment['devices'][number]) => boolean,
  change: (x: OrganisationAssessment['devices'][number]) => OrganisationAssessment['devices'][number],
): { assessment: OrganisationAssessment; devices: AssessedDevice[] } {
  const devices: AssessedDevice[] = [];
  const next = a.devices.map((x) => {
    if (x.device.status !== 'active' || !pick(x)) return x;
    devices.push(x.device);
    return change(x);
  });
  return { assessment: { ...a, devices: next }, devices };
}

function candidates(
  a: OrganisationAssessment,
  score: OrganisationRiskScore,
  s: Submission,
  filing: RateFiling,
  asOf: Date,
): Change[] {
  const measuredNow = assessmentFromRiskScore(score, []).measuredControls ?? {};
  const out: Change[] = [];
  // KEV findings, one change per CVE, the widest first (CISA KEV; BOD 22-01).
  const byCve = new Map<string, number>();
  for (const x of a.devices) {
    if (x.device.status !== 'active') continue;
    for (const v of x.vulnerabilities)
      if (v.kev && v.status === 'affected') byCve.set(v.cveId, (byCve.get(v.cveId) ?? 0) + 1);
  }
  for (const [cve] of [...byCve.entries()].sort((p, q) => q[1] - p[1]).slice(0, 5)) {
    const r = withDevices(
      a,
      (x) => x.vulnerabilities.some((v) => v.cveId === cve),
      (x) => ({ ...x, vulnerabilities: x.vulnerabilities.filter((v) => v.cveId !== cve) }),
    );
    const exposed = r.devices.filter((d) => d.internetExposed).length;
    out.push({
      id: `patch:${cve}`,
      kind: 'patch_kev',
      action: `patch ${cve} (CISA KEV) on ${plural(r.devices.length, kindOf(r.devices))}${exposed ? `, ${exposed} internet-exposed` : ''}`,
      devices: r.devices.length,
      assessment: r.assessment,
    });
  }
  const cred = withDevices(
    a,
    (x) => x.device.credentialState === 'default' || x.device.credentialState === 'shared',
    (x) => ({ ...x, device: { ...x.device, credentialState: 'unique' } }),
  );
  if (cred.devices.length)
    out.push({
      id: 'credentials',
      kind: 'credentials',
      action: `replace default or shared passwords on ${plural(cred.devices.length, kindOf(cred.devices))}`,
      devices: cred.devices.length,
      assessment: cred.assessment,
    });
  const exp = withDevices(
    a,
    (x) => x.device.internetExposed,
    (x) => ({ ...x, device: { ...x.device, internetExposed: false } }),
  );
  if (exp.devices.length)
    out.push({
      id: 'exposure',
      kind: 'exposure',
      action: `take ${plural(exp.devices.length, kindOf(exp.devices))} off the internet (VPN or gateway)`,
      devices: exp.devices.length,
      assessment: exp.assessment,
    });
  const seg = withDevices(
    a,
    (x) => x.device.segmentedFromOffice !== true,
    (x) => ({ ...x, device: { ...x.device, segmentedFromOffice: true } }),
  );
  if (seg.devices.length)
    out.push({
      id: 'segmentation',
      kind: 'segmentation',
      action: `segment ${plural(seg.devices.length, kindOf(seg.devices))} from the office network`,
      devices: seg.devices.length,
      assessment: seg.assessment,
    });
  // Controls the filing credits that are neither measured nor validly attested today.
  for (const ctl of filing.controls) {
    const c = ctl.control as ControlName;
    // Measured as the assessment stands today (not as it stood at quoting).
    const measured = measuredNow[c];
    const attested = s.attestedControls.some(
      (x) => x.control === c && new Date(x.attestedAt) <= asOf && asOf < new Date(x.expiresAt),
    );
    if (measured !== undefined || attested) continue;
    out.push({
      id: `control:${c}`,
      kind: 'control',
      action: `attest ${c.replace(/_/g, ' ')} with evidence (${ctl.clause})`,
      devices: 0,
      assessment: {
        ...a,
        attestations: [
          ...a.attestations,
          { control: c, attested: true, evidence: 'proposed', expiresAt: yearOn(asOf) },
        ],
      },
      attest: c,
    });
  }
  return out;
}

const yearOn = (d: Date) => new Date(d.getTime() + 365 * 86_400_000).toISOString();

/** Rank the changes by how much each alone lowers the annual premium; changes that save nothing are left out. */
export function premiumReductions(
  submission: Submission,
  filing: RateFiling,
  assessment: OrganisationAssessment,
  asOf: Date,
): PremiumReductions {
  const reRate = (score: OrganisationRiskScore, attest?: ControlName): Money | null => {
    const s: Submission = {
      ...submission,
      assessment: assessmentFromRiskScore(score, submission.assessment.baselines),
      attestedControls: attest
        ? [
            ...submission.attestedControls,
            {
              control: attest,
              attestedAt: asOf.toISOString(),
              expiresAt: yearOn(asOf),
              evidence: 'proposed',
            },
          ]
        : submission.attestedControls,
    };
    return rate(s, filing, { asOf }).premium;
  };
  // The assessment as it stands is scored once: the base premium and the measured controls both read it.
  const score = scoreOrganisation(assessment);
  const premium = reRate(score);
  if (!premium) return { premium: null, items: [] };
  const e = minorUnitExponent(premium.currency);
  const items: PremiumReduction[] = [];
  for (const c of candidates(assessment, score, submission, filing, asOf)) {
    const p = reRate(scoreOrganisation(c.assessment), c.attest);
    if (!p || p.amount >= premium.amount) continue;
    const saving = premium.amount - p.amount;
    const share = saving / premium.amount;
    items.push({
      id: c.id,
      kind: c.kind,
      action: c.action,
      devices: c.devices,
      premium: p,
      saving: { amount: saving, currency: premium.currency },
      savingShare: share,
      text: `${c.action}: premium −${formatAmount(saving, premium.currency, e)} (−${(share * 100).toFixed(1)} %)`,
    });
  }
  items.sort((a, b) => b.saving.amount - a.saving.amount || a.id.localeCompare(b.id));
  return { premium, items };
}
