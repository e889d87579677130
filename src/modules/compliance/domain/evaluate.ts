import {
  type AssessedDevice,
  type ConfigFinding,
  configurationFindings,
  productName,
  type VulnerabilityFinding,
  vendorKey,
} from '../../vulnerabilities';
import type { Baseline, FactName, Requirement, Rule } from './baseline';

export type ComplianceResult = 'met' | 'not_met' | 'unknown';

/** Evidence given by the insured (DESIGN.md §5): shown as attested, and measured facts beat it. */
export interface Attestation {
  value: boolean;
  evidence?: string;
  attestedBy?: string;
  /** YYYY-MM-DD; an expired attestation decides nothing. */
  expires?: string;
}

/**
 * Attestations by key (e.g. "vulnerabilityDisclosurePolicy", or "<baseline>:<requirement>" for any
 * requirement). Looked up per device first, then per vendor/product, then for the organisation.
 */
export interface Attestations {
  organisation?: Record<string, Attestation>;
  /** Keyed by "vendor/product" as written; matched after normalising both. */
  products?: Record<string, Record<string, Attestation>>;
  devices?: Record<string, Record<string, Attestation>>;
}

export type Decider =
  | { kind: 'fact'; name: FactName; value: unknown }
  | { kind: 'finding'; ids: string[] }
  | { kind: 'vulnerability'; cveIds: string[] }
  | {
      kind: 'attestation';
      key: string;
      scope: 'device' | 'product' | 'organisation';
      attestation: Attestation;
    }
  | { kind: 'none' };

export interface RequirementResult {
  requirementId: string;
  result: ComplianceResult;
  basis: 'measured' | 'attested' | 'none';
  decidedBy: Decider[];
  explanation: string;
}

export interface EvaluationContext {
  /** YYYY-MM-DD (or a Date): the assessment date, from the caller's clock. */
  asOf: string | Date;
  configFindings?: ConfigFinding[];
  vulnFindings?: VulnerabilityFinding[];
  attestations?: Attestations;
}

interface Outcome {
  result: ComplianceResult;
  basis: 'measured' | 'attested' | 'none';
  decidedBy: Decider[];
  why: string[];
}

const unknown = (why: string, decidedBy: Decider[] = []): Outcome => ({
  result: 'unknown',
  basis: 'none',
  decidedBy,
  why: [why],
});
const show = (v: unknown) => (v === null ? 'unknown' : typeof v === 'string' ? `"${v}"` : String(v));

interface Env {
  device: AssessedDevice;
  asOf: string;
  config: ConfigFinding[];
  vulns: VulnerabilityFinding[];
  attestation: (key: string) => { a: Attestation; scope: 'device' | 'product' | 'organisation' } | null;
}

function evalRule(rule: Rule, env: Env): Outcome {
  const d = env.device;
  if ('fact' in rule) {
    const value = d[rule.fact];
    const decidedBy: Decider[] = [{ kind: 'fact', name: rule.fact, value }];
    if (rule.notMet.includes(value))
      return { result: 'not_met', basis: 'measured', decidedBy, why: [`${rule.fact} is ${show(value)}`] };
    if (rule.met.includes(value))
      return { result: 'met', basis: 'measured', decidedBy, why: [`${rule.fact} is ${show(value)}`] };
    return unknown(`${rule.fact} is ${show(value)}`, decidedBy);
  }
  if ('factPresent' in rule) {
    const value = d[rule.factPresent];
    const decidedBy: Decider[] = [{ kind: 'fact', name: rule.factPresent, value }];
    return value === null || value === ''
      ? unknown(`${rule.factPresent} is not recorded`, decidedBy)
      : {
          result: 'met',
          basis: 'measured',
          decidedBy,
          why: [`${rule.factPresent} is recorded (${show(value)})`],
        };
  }
  if ('dateNotPassed' in rule) {
    const value = d.supportEndDate;
    const decidedBy: Decider[] = [{ kind: 'fact', name: 'supportEndDate', value }];
    if (value === null) return unknown('support end date is not recorded', decidedBy);
    return value < env.asOf
      ? {
          result: 'not_met',
          basis: 'measured',
          decidedBy,
          why: [`support ended ${value}, before ${env.asOf}`],
        }
      : { result: 'met', basis: 'measured', decidedBy, why: [`supported until ${value}`] };
  }
  if ('noFindings' in rule) {
    const hit = env.config.filter((f) => rule.noFindings.includes(f.id));
    if (hit.length > 0)
      return {
        result: 'not_met',
        basis: 'measured',
        decidedBy: [{ kind: 'finding', ids: hit.map((f) => f.id) }],
        why: hit.map((f) => `${f.id}: ${f.title}`),
      };
    return {
      result: 'met',
      basis: 'measured',
      decidedBy: [{ kind: 'finding', ids: [] }],
      why: [`none of ${rule.noFindings.join(', ')}`],
    };
  }
  if ('noVulnerabilities' in rule) {
    const affected = env.vulns.filter(
      (f) =>
        f.status === 'affected' &&
        (rule.noVulnerabilities === 'affected' || (f.kev !== null && f.kev.dueDate < env.asOf)),
    );
    if (affected.length > 0)
      return {
        result: 'not_met',
        basis: 'measured',
        decidedBy: [{ kind: 'vulnerability', cveIds: affected.map((f) => f.cveId) }],
        why: [
          rule.noVulnerabilities === 'affected'
            ? `affected by ${affected.map((f) => f.cveId).join(', ')}`
            : `known exploited and past the KEV due date: ${affected.map((f) => `${f.cveId} (due ${f.kev!.dueDate})`).join(', ')}`,
        ],
      };
    const review = env.vulns.filter((f) => f.status === 'needs_review');
    if (review.length > 0)
      return unknown(`${review.length} vulnerability finding(s) await review`, [
        { kind: 'vulnerability', cveIds: review.map((f) => f.cveId) },
      ]);
    if (d.firmwareVersion === null)
      return unknown('firmware version unknown', [{ kind: 'fact', name: 'firmwareVersion', value: null }]);
    return {
      result: 'met',
      basis: 'measured',
      decidedBy: [{ kind: 'vulnerability', cveIds: [] }],
      why: [
        `no ${rule.noVulnerabilities === 'affected' ? 'affected' : 'overdue known-exploited'} vulnerability in the loaded feeds`,
      ],
    };
  }
  if ('attestation' in rule) return attested(rule.attestation, env);
  if ('all' in rule) {
    const parts = rule.all.map((r) => evalRule(r, env));
    const failed = parts.filter((p) => p.result === 'not_met');
    if (failed.length > 0) return merge('not_met', failed);
    if (parts.every((p) => p.result === 'met')) return merge('met', parts);
    return merge(
      'unknown',
      parts.filter((p) => p.result === 'unknown'),
    );
  }
  if ('any' in rule) {
    const parts = rule.any.map((r) => evalRule(r, env));
    const ok = parts.filter((p) => p.result === 'met');
    if (ok.length > 0) return merge('met', ok);
    if (parts.every((p) => p.result === 'not_met')) return merge('not_met', parts);
    return merge(
      'unknown',
      parts.filter((p) => p.result === 'unknown'),
    );
  }
  if ('first' in rule) {
    const seen: Outcome[] = [];
    for (const r of rule.first) {
      const o = evalRule(r, env);
      if (o.result !== 'unknown') return o;
      seen.push(o);
    }
    return merge('unknown', seen);
  }
  if ('onlyNotMet' in rule) {
    const o = evalRule(rule.onlyNotMet, env);
    return o.result === 'met'
      ? {
          ...o,
          result: 'unknown',
          basis: 'none',
          why: [...o.why, 'which alone does not show the requirement is met'],
        }
      : o;
  }
  if ('onlyMet' in rule) {
    const o = evalRule(rule.onlyMet, env);
    return o.result === 'not_met' ? { ...o, result: 'unknown', basis: 'none' } : o;
  }
  // ifFact
  const value = d[rule.ifFact.fact];
  if (rule.ifFact.in.includes(value)) return evalRule(rule.apply, env);
  const decidedBy: Decider[] = [{ kind: 'fact', name: rule.ifFact.fact, value }];
  return rule.otherwise === 'met'
    ? {
        result: 'met',
        basis: 'measured',
        decidedBy,
        why: [`not applicable: ${rule.ifFact.fact} is ${show(value)}`],
      }
    : unknown(`${rule.ifFact.fact} is ${show(value)}`, decidedBy);
}

function merge(result: ComplianceResult, parts: Outcome[]): Outcome {
  const basis =
    result === 'unknown' ? 'none' : parts.some((p) => p.basis === 'attested') ? 'attested' : 'measured';
  return { result, basis, decidedBy: parts.flatMap((p) => p.decidedBy), why: parts.flatMap((p) => p.why) };
}

function attested(key: string, env: Env): Outcome {
  const hit = env.attestation(key);
  if (!hit) return unknown(`no attestation "${key}"`);
  const { a, scope } = hit;
  const decidedBy: Decider[] = [{ kind: 'attestation', key, scope, attestation: a }];
  if (a.expires !== undefined && a.expires < env.asOf)
    return unknown(`attestation "${key}" expired ${a.expires}`, decidedBy);
  return {
    result: a.value ? 'met' : 'not_met',
    basis: 'attested',
    decidedBy,
    why: [`attested (${scope}) "${key}" = ${a.value}${a.evidence ? `: ${a.evidence}` : ''}`],
  };
}

function dateOf(d: string | Date): string {
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
}

function attestationLookup(device: AssessedDevice, at: Attestations | undefined): Env['attestation'] {
  if (!at) return () => null;
  const dev = at.devices?.[device.id];
  const vk = vendorKey(device.vendor);
  const pk = productName(device.product, vk).compact;
  let prod: Record<string, Attestation> | undefined;
  for (const [k, v] of Object.entries(at.products ?? {})) {
    const [vendor, ...rest] = k.split('/');
    if (vendorKey(vendor) === vk && productName(rest.join('/'), vk).compact === pk) prod = v;
  }
  return (key) => {
    if (dev?.[key]) return { a: dev[key], scope: 'device' };
    if (prod?.[key]) return { a: prod[key], scope: 'product' };
    if (at.organisation?.[key]) return { a: at.organisation[key], scope: 'organisation' };
    return null;
  };
}

export interface DeviceEvaluation {
  baselineId: string;
  deviceId: string;
  deviceName: string;
  results: RequirementResult[];
  counts: Record<ComplianceResult, number> & { attested: number };
}

export function evaluateDevice(
  b: Baseline,
  device: AssessedDevice,
  ctx: EvaluationContext,
): DeviceEvaluation {
  const asOf = dateOf(ctx.asOf);
  const env: Env = {
    device,
    asOf,
    config: ctx.configFindings ?? configurationFindings(device, asOf),
    vulns: (ctx.vulnFindings ?? []).filter((f) => f.deviceId === device.id),
    attestation: attestationLookup(device, ctx.attestations),
  };
  const results = b.requirements.map((req) => evaluateRequirement(b, req, env));
  const counts = { met: 0, not_met: 0, unknown: 0, attested: 0 };
  for (const r of results) {
    counts[r.result]++;
    if (r.basis === 'attested') counts.attested++;
  }
  return { baselineId: b.id, deviceId: device.id, deviceName: device.name, results, counts };
}

function evaluateRequirement(b: Baseline, req: Requirement, env: Env): RequirementResult {
  let o: Outcome = req.rule ? evalRule(req.rule, env) : unknown('no device fact decides this requirement');
  // Measured beats attested (DESIGN.md §5): a requirement-level attestation only fills an unknown.
  if (o.result === 'unknown') {
    const a = attested(`${b.id}:${req.id}`, env);
    if (a.result !== 'unknown') o = a;
  }
  return {
    requirementId: req.id,
    result: o.result,
    basis: o.basis,
    decidedBy: o.decidedBy.length > 0 ? o.decidedBy : [{ kind: 'none' }],
    explanation: o.why.join('; '),
  };
}

export interface RequirementSummary {
  requirementId: string;
  title: string;
  met: number;
  notMet: number;
  unknown: number;
  attested: number;
  failing: { deviceId: string; deviceName: string; explanation: string }[];
}

export interface OrganisationEvaluation {
  baselineId: string;
  asOf: string;
  deviceCount: number;
  totals: Record<ComplianceResult, number> & { attested: number };
  requirements: RequirementSummary[];
  devices: DeviceEvaluation[];
}

/**
 * Every active or quarantined device against a baseline; per requirement the counts and the devices
 * failing it, with the fact that decided each result.
 */
export function evaluateOrganisation(
  b: Baseline,
  devices: readonly AssessedDevice[],
  ctx: Omit<EvaluationContext, 'configFindings'> & { configFindings?: Record<string, ConfigFinding[]> },
): OrganisationEvaluation {
  const asOf = dateOf(ctx.asOf);
  const inScope = devices.filter((d) => d.status !== 'retired');
  const evals = inScope.map((d) =>
    evaluateDevice(b, d, {
      asOf,
      configFindings: ctx.configFindings?.[d.id],
      vulnFindings: ctx.vulnFindings,
      attestations: ctx.attestations,
    }),
  );
  const totals = { met: 0, not_met: 0, unknown: 0, attested: 0 };
  const requirements: RequirementSummary[] = b.requirements.map((req, i) => {
    const s: RequirementSummary = {
      requirementId: req.id,
      title: req.title,
      met: 0,
      notMet: 0,
      unknown: 0,
      attested: 0,
      failing: [],
    };
    for (const e of evals) {
      const r = e.results[i];
      if (r.result === 'met') s.met++;
      else if (r.result === 'not_met') {
        s.notMet++;
        s.failing.push({ deviceId: e.deviceId, deviceName: e.deviceName, explanation: r.explanation });
      } else s.unknown++;
      if (r.basis === 'attested') s.attested++;
    }
    totals.met += s.met;
    totals.not_met += s.notMet;
    totals.unknown += s.unknown;
    totals.attested += s.attested;
    return s;
  });
  return { baselineId: b.id, asOf, deviceCount: inScope.length, totals, requirements, devices: evals };
}
