import {
  CONTROL_LABELS,
  CONTROLS,
  type ControlName,
  type DeviceKind,
  type DeviceRiskInput,
  effectiveControls,
  type OrganisationAssessment,
} from './assessment';
import { aggregateScores } from './organisation-score';
import { riskyServices, scoreDevice } from './risk-score';

export type ActionKind =
  | 'patch_cve'
  | 'change_credentials'
  | 'remove_internet_exposure'
  | 'close_service'
  | 'replace_unsupported'
  | 'segment_from_office'
  | 'fix_config_finding'
  | 'resolve_alerts'
  | 'implement_control';

export interface Recommendation {
  kind: ActionKind;
  /** What the action targets: a CVE id, a service, a config finding id, a control. */
  target: string;
  /** "patch CVE-2021-36260 on 12 cameras: -14.2 points" */
  summary: string;
  deviceIds: string[];
  scoreBefore: number;
  scoreAfter: number;
  /** scoreBefore - scoreAfter, by re-scoring the organisation with the fix applied. */
  reduction: number;
}

interface Candidate {
  kind: ActionKind;
  target: string;
  deviceIds: Set<string>;
  /** The action, with {devices} where the device phrase goes. */
  verb: string;
  /** The device input with the fix applied. */
  fix: (x: DeviceRiskInput) => DeviceRiskInput;
  /** Organisation-level control made present (implement_control only). */
  control?: ControlName;
}

const PLURAL: Record<DeviceKind, string> = {
  camera: 'cameras',
  nvr: 'NVRs',
  plc: 'PLCs',
  hmi: 'HMIs',
  rtu: 'RTUs',
  router: 'routers',
  switch: 'switches',
  firewall: 'firewalls',
  nas: 'NAS devices',
  voip: 'phone systems',
  badge_reader: 'badge readers',
  door_controller: 'door controllers',
  infusion_pump: 'infusion pumps',
  patient_monitor: 'patient monitors',
  imaging: 'imaging devices',
  smart_hub: 'smart hubs',
  sensor: 'sensors',
  gateway: 'gateways',
  printer: 'printers',
  other: 'devices',
};

function devicesPhrase(inputs: readonly DeviceRiskInput[], ids: Set<string>): string {
  const kinds = new Set(inputs.filter((x) => ids.has(x.device.id)).map((x) => x.device.kind));
  const n = ids.size;
  if (kinds.size === 1) {
    const k = [...kinds][0];
    return n === 1 ? `1 ${PLURAL[k].replace(/(ch)es$|s$/, '$1')}` : `${n} ${PLURAL[k]}`;
  }
  return n === 1 ? '1 device' : `${n} devices`;
}

function candidates(active: readonly DeviceRiskInput[], asOf: string): Candidate[] {
  const byKey = new Map<string, Candidate>();
  const add = (key: string, c: Omit<Candidate, 'deviceIds'>, deviceId: string) => {
    const cur = byKey.get(key) ?? { ...c, deviceIds: new Set<string>() };
    cur.deviceIds.add(deviceId);
    byKey.set(key, cur);
  };
  const at = Date.parse(asOf);
  for (const x of active) {
    const d = x.device;
    for (const v of x.vulnerabilities) {
      add(
        `cve:${v.cveId}`,
        {
          kind: 'patch_cve',
          target: v.cveId,
          verb: `confirm (needs review) and patch ${v.cveId} on {devices}`,
          fix: (y) => ({ ...y, vulnerabilities: y.vulnerabilities.filter((w) => w.cveId !== v.cveId) }),
        },
        d.id,
      );
      // A finding confirmed on any device makes it a plain patch action.
      if (v.status === 'affected') byKey.get(`cve:${v.cveId}`)!.verb = `patch ${v.cveId} on {devices}`;
    }
    if (d.credentialState !== 'unique') {
      add(
        'credentials',
        {
          kind: 'change_credentials',
          target: 'credentials',
          verb: 'set unique credentials on {devices}',
          fix: (y) => ({ ...y, device: { ...y.device, credentialState: 'unique' } }),
        },
        d.id,
      );
    }
    if (d.internetExposed) {
      add(
        'exposure',
        {
          kind: 'remove_internet_exposure',
          target: 'internet_exposure',
          verb: 'remove internet exposure of {devices}',
          fix: (y) => ({ ...y, device: { ...y.device, internetExposed: false } }),
        },
        d.id,
      );
    }
    for (const svc of riskyServices(d)) {
      const port = Number(svc.split('/')[1]);
      add(
        `svc:${svc}`,
        {
          kind: 'close_service',
          target: svc,
          verb: `close ${svc} on {devices}`,
          fix: (y) => ({
            ...y,
            device: { ...y.device, openServices: y.device.openServices.filter((s) => s.port !== port) },
          }),
        },
        d.id,
      );
    }
    if (d.supportEndDate !== null && Date.parse(d.supportEndDate) <= at) {
      add(
        'unsupported',
        {
          kind: 'replace_unsupported',
          target: 'support_end',
          verb: 'replace {devices} past support end (or buy extended support)',
          fix: (y) => ({ ...y, device: { ...y.device, supportEndDate: null } }),
        },
        d.id,
      );
    }
    if (d.segmentedFromOffice !== true) {
      add(
        'segment',
        {
          kind: 'segment_from_office',
          target: 'segmentation',
          verb: 'segment {devices} from the office network',
          fix: (y) => ({ ...y, device: { ...y.device, segmentedFromOffice: true } }),
        },
        d.id,
      );
    }
    for (const c of x.configFindings) {
      add(
        `cfg:${c.id}`,
        {
          kind: 'fix_config_finding',
          target: c.id,
          verb: `fix ${c.id} on {devices}`,
          fix: (y) => ({ ...y, configFindings: y.configFindings.filter((z) => z.id !== c.id) }),
        },
        d.id,
      );
    }
    if (x.alerts.last30Days > 0) {
      add(
        'alerts',
        {
          kind: 'resolve_alerts',
          target: 'alerts',
          verb: 'investigate and resolve the alerts on {devices}',
          fix: (y) => ({ ...y, alerts: { last30Days: 0, highOrCritical30Days: 0 } }),
        },
        d.id,
      );
    }
  }
  return [...byKey.values()];
}

/**
 * What would lower the organisation score most. Each candidate action is applied to a copy of the
 * facts and the organisation re-scored with the same function that produced the score: the
 * reductions are computed, not guessed. Only the devices an action touches are re-scored.
 */
export function recommendations(assessment: OrganisationAssessment, limit = 10): Recommendation[] {
  const { asOf } = assessment;
  const controls = effectiveControls(assessment.attestations, assessment.measuredControls, asOf);
  const active = assessment.devices.filter((x) => x.device.status !== 'retired');
  const base = active.map((x) => scoreDevice(x, controls, asOf).score);
  const before = aggregateScores(base).score;
  const index = new Map(active.map((x, i) => [x.device.id, i]));
  const out: Recommendation[] = [];
  const round1 = (x: number) => Math.round(x * 10) / 10;

  for (const c of candidates(active, asOf)) {
    const scores = base.slice();
    for (const id of c.deviceIds) {
      const i = index.get(id)!;
      scores[i] = scoreDevice(c.fix(active[i]), controls, asOf).score;
    }
    const after = aggregateScores(scores).score;
    const phrase = devicesPhrase(active, c.deviceIds);
    const summaryHead = c.verb.replace('{devices}', phrase);
    out.push({
      kind: c.kind,
      target: c.target,
      summary: `${summaryHead}: -${round1(before - after)} points`,
      deviceIds: [...c.deviceIds],
      scoreBefore: before,
      scoreAfter: after,
      reduction: before - after,
    });
  }

  for (const control of CONTROLS) {
    if (controls[control].present) continue;
    const withControl = {
      ...controls,
      [control]: { ...controls[control], present: true, source: 'attested' as const },
    };
    const scores = active.map((x) => scoreDevice(x, withControl, asOf).score);
    const after = aggregateScores(scores).score;
    out.push({
      kind: 'implement_control',
      target: control,
      summary: `implement and attest ${CONTROL_LABELS[control]}: -${round1(before - after)} points`,
      deviceIds: [],
      scoreBefore: before,
      scoreAfter: after,
      reduction: before - after,
    });
  }
  return out
    .filter((r) => r.reduction >= 0.05)
    .sort((a, b) => b.reduction - a.reduction || a.summary.localeCompare(b.summary))
    .slice(0, limit);
}
