import { type ControlState, effectiveControls, type OrganisationAssessment } from './assessment';
import { type DeviceRiskScore, scoreDevice } from './risk-score';

/**
 * Organisation score from its device scores (retired devices excluded):
 *   top = 100 x (1 - prod_{i<=k} (1 - s_i/100)^(1/i)), s_1 >= s_2 >= ... the k = 10 worst devices
 *   (one weak device sets the floor; each further bad device adds less: harmonic weights),
 *   breadth = share of devices scoring >= 40,
 *   score = top + (100 - top) x 0.25 x breadth.
 * Monotone in every device score; equals the device score for a single device with a low score.
 */
export const ORGANISATION_AGGREGATION = { topK: 10, highScore: 40, breadthWeight: 0.25 } as const;

export interface OrganisationFactor {
  id: string;
  name: string;
  contribution: number;
  devices: number;
  detail: string;
}

export interface OrganisationRiskScore {
  score: number;
  /** The noisy-OR over the worst devices, before breadth. */
  topDevices: number;
  breadth: { highScoringDevices: number; activeDevices: number; contribution: number };
  devices: DeviceRiskScore[];
  /** Organisation-level factors: device factor contributions weighted by each device's share. */
  factors: OrganisationFactor[];
  controls: ControlState[];
  /** Counts underwriting's submission asks for. */
  summary: {
    devicesByKind: Record<string, number>;
    internetExposed: number;
    safetyCritical: number;
    kevOnExposed: number;
  };
}

export function aggregateScores(scores: readonly number[]): {
  score: number;
  top: number;
  high: number;
  weights: number[];
} {
  const { topK, highScore, breadthWeight } = ORGANISATION_AGGREGATION;
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const weights = new Array<number>(scores.length).fill(0);
  let logSurvive = 0;
  for (let r = 0; r < Math.min(topK, order.length); r++) {
    const [s, i] = order[r];
    const w = -Math.log(1 - Math.min(s, 99.999) / 100) / (r + 1);
    weights[i] = w;
    logSurvive -= w;
  }
  const top = 100 * (1 - Math.exp(logSurvive));
  const high = scores.filter((s) => s >= highScore).length;
  const breadth = scores.length > 0 ? high / scores.length : 0;
  return { score: top + (100 - top) * breadthWeight * breadth, top, high, weights };
}

export function scoreOrganisation(assessment: OrganisationAssessment): OrganisationRiskScore {
  const controls = effectiveControls(assessment.attestations, assessment.measuredControls, assessment.asOf);
  const active = assessment.devices.filter((x) => x.device.status !== 'retired');
  const devices = active.map((x) => scoreDevice(x, controls, assessment.asOf));
  const agg = aggregateScores(devices.map((d) => d.score));
  const breadthContribution = agg.score - agg.top;
  const weightSum = agg.weights.reduce((a, b) => a + b, 0);

  const byId = new Map<string, OrganisationFactor & { devicesSet: Set<string> }>();
  devices.forEach((d, i) => {
    const share = weightSum > 0 && d.score > 0 ? (agg.top * agg.weights[i]) / weightSum / d.score : 0;
    for (const f of d.factors) {
      if (f.group === 'impact') continue;
      const cur = byId.get(f.id) ?? {
        id: f.id,
        name: f.name,
        contribution: 0,
        devices: 0,
        detail: '',
        devicesSet: new Set(),
      };
      cur.contribution += f.contribution * share;
      cur.devicesSet.add(d.deviceId);
      byId.set(f.id, cur);
    }
  });
  const factors: OrganisationFactor[] = [...byId.values()]
    .map(({ devicesSet, ...f }) => ({
      ...f,
      devices: devicesSet.size,
      detail: `on ${devicesSet.size} device(s)`,
    }))
    .filter((f) => Math.abs(f.contribution) > 1e-9);
  if (breadthContribution > 0) {
    factors.push({
      id: 'breadth',
      name: 'Breadth of high-risk devices',
      contribution: breadthContribution,
      devices: agg.high,
      detail: `${agg.high} of ${devices.length} devices score >= ${ORGANISATION_AGGREGATION.highScore}`,
    });
  }
  factors.sort((a, b) => b.contribution - a.contribution);

  const devicesByKind: Record<string, number> = {};
  for (const x of active) devicesByKind[x.device.kind] = (devicesByKind[x.device.kind] ?? 0) + 1;
  return {
    score: agg.score,
    topDevices: agg.top,
    breadth: {
      highScoringDevices: agg.high,
      activeDevices: devices.length,
      contribution: breadthContribution,
    },
    devices,
    factors,
    controls: Object.values(controls),
    summary: {
      devicesByKind,
      internetExposed: active.filter((x) => x.device.internetExposed).length,
      safetyCritical: active.filter((x) => x.device.safetyCritical).length,
      kevOnExposed: active.filter(
        (x) => x.device.internetExposed && x.vulnerabilities.some((v) => v.kev && v.status === 'affected'),
      ).length,
    },
  };
}
