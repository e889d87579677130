import {
  type AssessedDevice,
  CONTROL_LABELS,
  type ControlName,
  type ControlState,
  type DeviceRiskInput,
  deviceSecureUpdate,
} from './assessment';
import {
  CONTROL_MULTIPLIERS,
  IMPACT_POINTS,
  LIKELIHOOD_WEIGHTS,
  QUARANTINE_MULTIPLIER,
  RISKY_NAMES,
  RISKY_PORTS,
} from './risk-weights';

/**
 * Explainable device risk scores, 0 (lowest) .. 100 (organisation-score.ts aggregates them).
 *
 * Device: score = 100 x likelihood x impact.
 *  - likelihood = (1 - e^(-P/50)) x control multipliers, where P is the sum of the likelihood factor
 *    points (risk-weights.ts). The saturating curve keeps every fix visible (no hard cap at 100) and is monotone:
 *    more findings never lower it.
 *  - impact = min(100, impact points) / 100 x control multipliers.
 *  - each likelihood factor's contribution is its share of P of the score before controls; the
 *    reduction by controls is split over the controls by the log of their multipliers; impact factors
 *    scale the score and carry no contribution of their own. Contributions sum to the score.
 *
 * The weights live in risk-weights.ts.
 */
export type FactorGroup = 'likelihood' | 'impact' | 'control';

export interface RiskFactor {
  /** Stable id, e.g. "kev", "credentials", "control:mfa_remote_access". */
  id: string;
  group: FactorGroup;
  name: string;
  /** Points on the factor's own scale (likelihood or impact points; multiplier for controls). */
  points: number;
  /** Share of the score, in score points; negative for controls. Contributions sum to the score. */
  contribution: number;
  detail: string;
  /** Where the fact comes from. Attested controls are shown as attested, not measured. */
  source: 'inventory' | 'vulnerabilities' | 'detection' | 'measured' | 'attested' | 'assessment';
}

export interface DeviceRiskScore {
  deviceId: string;
  name: string;
  kind: AssessedDevice['kind'];
  score: number;
  /** 0..1 after controls. */
  likelihood: number;
  /** 0..1 after controls. */
  impact: number;
  /** Likelihood before controls, 0..1 (what FAIR vulnerability builds on). */
  likelihoodBeforeControls: number;
  factors: RiskFactor[];
}

export function riskyServices(device: AssessedDevice): string[] {
  const found = new Set<string>();
  for (const s of device.openServices) {
    const byPort = RISKY_PORTS[s.port];
    const name = s.service?.toLowerCase() ?? null;
    if (byPort && !(s.port === 161 && s.protocol === 'tcp')) found.add(`${byPort}/${s.port}`);
    else if (name && RISKY_NAMES.has(name)) found.add(`${name}/${s.port}`);
  }
  return [...found].sort();
}

interface RawFactor {
  id: string;
  name: string;
  points: number;
  detail: string;
  source: RiskFactor['source'];
}

const W = LIKELIHOOD_WEIGHTS;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** The likelihood factors of one device, with their points (only factors with points > 0). */
export function likelihoodFactors(input: DeviceRiskInput, asOf: string): RawFactor[] {
  const d = input.device;
  const f: RawFactor[] = [];
  const add = (id: string, name: string, points: number, detail: string, source: RawFactor['source']) => {
    if (points > 0) f.push({ id, name, points, detail, source });
  };

  const weight = (v: { status: string }) => (v.status === 'affected' ? 1 : 0.5);
  let worst = 0;
  let worstId = '';
  for (const v of input.vulnerabilities) {
    const e = (v.cvssBaseScore ?? W.cvssUnknown) * weight(v);
    if (e > worst) {
      worst = e;
      worstId = v.cveId;
    }
  }
  if (input.vulnerabilities.length > 0) {
    const others = Math.min(W.breadthMax, (input.vulnerabilities.length - 1) * W.breadthPerFinding);
    add(
      'exploitability',
      'Vulnerabilities (CVSS)',
      worst * W.cvssPerPoint + others,
      `worst ${worstId} (effective CVSS ${round1(worst)}), ${input.vulnerabilities.length} finding(s)`,
      'vulnerabilities',
    );
  }
  const kev = input.vulnerabilities.filter((v) => v.kev);
  if (kev.length > 0) {
    const first = Math.max(...kev.map((v) => W.kevFirst * weight(v)));
    const more = Math.min(W.kevAdditionalMax, (kev.length - 1) * W.kevAdditional);
    add(
      'kev',
      'Known exploited (CISA KEV)',
      first + more,
      kev.map((v) => `${v.cveId} (${v.status})`).join(', '),
      'vulnerabilities',
    );
  }
  const ransomware = kev.filter((v) => v.knownRansomwareCampaignUse);
  if (ransomware.length > 0) {
    add(
      'ransomware_kev',
      'KEV used in ransomware campaigns',
      Math.max(...ransomware.map((v) => W.ransomwareKev * weight(v))),
      ransomware.map((v) => v.cveId).join(', '),
      'vulnerabilities',
    );
  }
  const withEpss = input.vulnerabilities.filter((v) => v.epss !== null);
  if (withEpss.length > 0) {
    const top = withEpss.reduce((a, b) => (b.epss! * weight(b) > a.epss! * weight(a) ? b : a));
    add(
      'epss',
      'Exploit prediction (EPSS)',
      top.epss! * weight(top) * W.epss,
      `${top.cveId} EPSS ${top.epss}`,
      'vulnerabilities',
    );
  }
  if (d.internetExposed)
    add(
      'internet_exposure',
      'Reachable from the internet',
      W.internetExposed,
      'internet-exposed',
      'inventory',
    );
  add(
    'credentials',
    'Credentials',
    W.credentials[d.credentialState],
    `credential state: ${d.credentialState}`,
    'inventory',
  );
  const risky = riskyServices(d);
  if (risky.length > 0) {
    const each = d.internetExposed ? W.riskyServiceExposed : W.riskyService;
    add(
      'risky_services',
      'Risky open services',
      Math.min(W.riskyServiceMax, risky.length * each),
      risky.join(', '),
      'inventory',
    );
  }
  if (d.supportEndDate !== null && Date.parse(d.supportEndDate) <= Date.parse(asOf)) {
    add(
      'past_support_end',
      'Past end of support',
      W.pastSupportEnd,
      `support ended ${d.supportEndDate}`,
      'inventory',
    );
  }
  const { last30Days, highOrCritical30Days } = input.alerts;
  if (highOrCritical30Days > 0) {
    const extra = Math.min(
      W.alertsHighOrCriticalEachMax,
      (highOrCritical30Days - 1) * W.alertsHighOrCriticalEach,
    );
    add(
      'alerts',
      'Detection alerts (30 days)',
      W.alertsHighOrCritical + extra,
      `${highOrCritical30Days} high/critical of ${last30Days} alerts in 30 days`,
      'detection',
    );
  } else if (last30Days > 0) {
    add(
      'alerts',
      'Detection alerts (30 days)',
      W.alertsAny,
      `${last30Days} low/medium alerts in 30 days`,
      'detection',
    );
  }
  if (input.configFindings.length > 0) {
    const pts = input.configFindings.reduce((s, c) => s + W.configFinding[c.severity], 0);
    add(
      'config_findings',
      'Configuration findings',
      Math.min(W.configFindingsMax, pts),
      input.configFindings.map((c) => `${c.id} (${c.severity})`).join(', '),
      'assessment',
    );
  }
  if (d.segmentedFromOffice === false)
    add('segmentation', 'Not segmented from office network', W.notSegmented, 'flat network', 'inventory');
  else if (d.segmentedFromOffice === null) {
    add(
      'segmentation',
      'Segmentation unknown',
      W.segmentationUnknown,
      'segmentation from the office network unknown',
      'inventory',
    );
  }
  if (d.secureBoot === false)
    add('no_secure_boot', 'No secure boot', W.noSecureBoot, 'secure boot absent', 'inventory');
  if (d.updateMechanism === 'none')
    add('no_updates', 'No update mechanism', W.noUpdateMechanism, 'firmware cannot be updated', 'inventory');
  return f;
}

export function impactFactors(d: AssessedDevice): RawFactor[] {
  const f: RawFactor[] = [
    {
      id: 'criticality',
      name: 'Criticality',
      points: IMPACT_POINTS.criticality[d.criticality],
      detail: d.criticality,
      source: 'inventory',
    },
  ];
  if (d.safetyCritical) {
    f.push({
      id: 'safety_critical',
      name: 'Safety-critical',
      points: IMPACT_POINTS.safetyCritical,
      detail: `${d.kind} is safety-critical`,
      source: 'inventory',
    });
  }
  const data = IMPACT_POINTS.dataHeld[d.dataHeld];
  if (data > 0)
    f.push({
      id: 'data_held',
      name: 'Data held',
      points: data,
      detail: `holds ${d.dataHeld} data`,
      source: 'inventory',
    });
  return f;
}

/** Score one device given the organisation's control states (see effectiveControls). */
export function scoreDevice(
  input: DeviceRiskInput,
  controls: Record<ControlName, ControlState>,
  asOf: string,
): DeviceRiskScore {
  const d = input.device;
  const lf = likelihoodFactors(input, asOf);
  const P = lf.reduce((s, x) => s + x.points, 0);
  const l0 = 1 - Math.exp(-P / W.saturation);
  const imf = impactFactors(d);
  const i0 =
    Math.min(
      100,
      imf.reduce((s, x) => s + x.points, 0),
    ) / 100;
  const s0 = 100 * l0 * i0;

  const applied: {
    id: string;
    name: string;
    multiplier: number;
    detail: string;
    source: RiskFactor['source'];
  }[] = [];
  let lMul = 1;
  let iMul = 1;
  for (const state of Object.values(controls)) {
    const c = state.control === 'vendor_secure_update' ? deviceSecureUpdate(d, state) : state;
    if (!c.present) continue;
    const m = CONTROL_MULTIPLIERS[c.control];
    if (m.likelihood === 1 && m.impact === 1) continue;
    lMul *= m.likelihood;
    iMul *= m.impact;
    applied.push({
      id: `control:${c.control}`,
      name: CONTROL_LABELS[c.control],
      multiplier: m.likelihood * m.impact,
      detail: c.detail,
      source: c.source === 'measured' ? 'measured' : 'attested',
    });
  }
  if (d.status === 'quarantined') {
    lMul *= QUARANTINE_MULTIPLIER;
    applied.push({
      id: 'quarantined',
      name: 'Quarantined',
      multiplier: QUARANTINE_MULTIPLIER,
      detail: 'isolated from the network',
      source: 'inventory',
    });
  }
  const likelihood = l0 * lMul;
  const impact = i0 * iMul;
  const score = 100 * likelihood * impact;

  const factors: RiskFactor[] = lf.map((x) => ({
    ...x,
    group: 'likelihood',
    contribution: P > 0 ? (s0 * x.points) / P : 0,
  }));
  for (const x of imf) factors.push({ ...x, group: 'impact', contribution: 0 });
  const logSum = applied.reduce((s, a) => s + Math.log(a.multiplier), 0);
  for (const a of applied) {
    factors.push({
      id: a.id,
      group: 'control',
      name: a.name,
      points: a.multiplier,
      contribution: logSum < 0 ? ((score - s0) * Math.log(a.multiplier)) / logSum : 0,
      detail: a.detail,
      source: a.source,
    });
  }
  return {
    deviceId: d.id,
    name: d.name,
    kind: d.kind,
    score,
    likelihood,
    impact,
    likelihoodBeforeControls: l0,
    factors,
  };
}
