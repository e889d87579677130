import { and, asc, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { type Clock, forbidden, invalid, newId, notFound } from '../../core';
import type { TenantScope } from '../../store';
import type { Actor, RequestContext } from '../tenancy';
import {
  type Attestation,
  CONTROL_LABELS,
  CONTROLS,
  type ControlName,
  type ControlState,
  effectiveControls,
} from './domain/assessment';
import { CONTROL_MULTIPLIERS } from './domain/risk-weights';
import { SCENARIO_IDS, SCENARIO_VULNERABILITY } from './domain/scenario-vulnerability';
import { controlAttestations } from './schema';

type AttestationRow = typeof controlAttestations.$inferSelect;

/** How long an attestation may run before it must be renewed (a yearly renewal cycle, with slack). */
const MAX_ATTESTATION_DAYS = 3 * 366;
const DAY_MS = 86_400_000;

/** A credit a rate filing gives for a control (underwriting supplies them; risk does not import it). */
export interface ControlCredit {
  filingId: string;
  clause: string;
  control: string;
  factor: number;
}

export interface AttestationView {
  id: string;
  control: ControlName;
  attested: boolean;
  evidence: string;
  attestedBy: string;
  attestedByName: string | null;
  attestedAt: string;
  expiresAt: string;
  supersededAt: string | null;
}

export interface ControlDecision {
  decision: 'risk_score' | 'fair_scenarios' | 'rating';
  detail: string;
}

export interface ControlView {
  control: ControlName;
  label: string;
  /** present: in force (measured or attested with evidence, not expired); expired: the attestation ran out. */
  state: 'present' | 'absent' | 'expired';
  source: ControlState['source'];
  detail: string;
  attestation: AttestationView | null;
  /** Earlier attestations of this control, newest first (each superseded by the next). */
  previous: AttestationView[];
  feeds: ControlDecision[];
}

export interface AttestInput {
  attested: boolean;
  evidence: string;
  /** ISO 8601 date or instant. */
  expiresAt: string;
}

export interface Auditor {
  audit(
    scope: TenantScope,
    actor: Actor,
    entry: { action: string; entity: string; entityId?: string; details?: Record<string, unknown> },
  ): Promise<void>;
}

const isControl = (name: string): name is ControlName => (CONTROLS as readonly string[]).includes(name);

/** Stored attestation rows as risk reads them (rows naming an unknown control are left out). */
const toAttestations = (rows: readonly AttestationRow[]): Attestation[] =>
  rows
    .filter((r) => isControl(r.control))
    .map((r) => ({
      control: r.control as ControlName,
      attested: r.attested,
      evidence: r.evidence,
      expiresAt: r.expiresAt.toISOString(),
      attestedAt: r.attestedAt.toISOString(),
    }));

/** The attestations in force for the organisation: the latest per control (superseded ones excluded). */
export async function currentAttestations(scope: TenantScope): Promise<Attestation[]> {
  return toAttestations(await scope.select(controlAttestations, isNull(controlAttestations.supersededAt)));
}

const view = (r: AttestationRow): AttestationView => ({
  id: r.id,
  control: r.control as ControlName,
  attested: r.attested,
  evidence: r.evidence,
  attestedBy: r.attestedBy,
  attestedByName: r.attestedByName,
  attestedAt: r.attestedAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
  supersededAt: r.supersededAt?.toISOString() ?? null,
});

/** Accepts a date ("2027-01-31": the attestation runs through that day, UTC) or an instant. */
function parseExpiry(value: string): Date {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value);
  if (Number.isNaN(t))
    throw invalid('expiresAt is not a date', [{ field: 'expiresAt', message: 'ISO 8601 date or instant' }]);
  return new Date(t);
}

/**
 * Controls telemetry cannot see, attested by the insured with evidence and an expiry (DESIGN.md §5).
 * Attestations are append-only; each write is audited and re-records the organisation's risk.
 */
export class ControlService {
  constructor(
    private readonly auditor: Auditor,
    private readonly clock: Clock,
    /** Stores the organisation's risk again, in the attesting transaction (the trend shows the change). */
    private readonly recordRisk: (scope: TenantScope) => Promise<unknown>,
    /** The control credits of the rate filing in force, when underwriting is wired in. */
    private readonly credits: (asOf: Date) => readonly ControlCredit[] = () => [],
  ) {}

  async list(ctx: RequestContext): Promise<{ asOf: string; items: ControlView[] }> {
    ctx.require('read');
    const now = this.clock.now();
    const rows = await ctx.scope.select(controlAttestations, undefined, {
      orderBy: [desc(controlAttestations.attestedAt), asc(controlAttestations.id)],
    });
    const current = rows.filter((r) => r.supersededAt === null);
    const states = effectiveControls(toAttestations(current), undefined, now.toISOString());
    const credits = this.credits(now);
    const items = CONTROLS.map((control): ControlView => {
      const cur = current.find((r) => r.control === control) ?? null;
      const s = states[control];
      const expired = !!cur && cur.attested && cur.expiresAt.getTime() <= now.getTime();
      return {
        control,
        label: CONTROL_LABELS[control],
        state: s.present ? 'present' : expired ? 'expired' : 'absent',
        source: s.source,
        detail: s.detail,
        attestation: cur ? view(cur) : null,
        previous: rows.filter((r) => r.control === control && r.supersededAt !== null).map(view),
        feeds: decisionsFed(control, credits),
      };
    });
    return { asOf: now.toISOString(), items };
  }

  /**
   * Attest one control. Only the insured organisation's administrators attest (an insurer reads, never
   * writes); evidence is required when attesting a control in place; the expiry lies in the future.
   */
  async attest(ctx: RequestContext, control: string, input: AttestInput): Promise<ControlView> {
    if (!isControl(control)) throw notFound('control');
    if (ctx.access !== 'own' || ctx.org.kind !== 'insured' || ctx.actor.role !== 'admin')
      throw forbidden(
        "only an administrator of the insured organisation attests the organisation's controls",
      );
    const now = this.clock.now();
    const evidence = input.evidence.trim();
    if (input.attested && evidence === '')
      throw invalid('evidence is required when attesting a control as in place', [
        { field: 'evidence', message: 'describe the evidence (document, test report, screenshot reference)' },
      ]);
    const expiresAt = parseExpiry(input.expiresAt);
    if (expiresAt.getTime() <= now.getTime())
      throw invalid('expiresAt must be in the future', [
        { field: 'expiresAt', message: `after ${now.toISOString()}` },
      ]);
    if (expiresAt.getTime() > now.getTime() + MAX_ATTESTATION_DAYS * DAY_MS)
      throw invalid(`an attestation runs at most ${MAX_ATTESTATION_DAYS} days`, [
        { field: 'expiresAt', message: `at most ${MAX_ATTESTATION_DAYS} days ahead; renew it instead` },
      ]);

    const id = newId();
    await ctx.scope.transaction(async (scope) => {
      // Supersede, never overwrite: the earlier rows stay, marked with when and by what.
      const previous = await scope.update(
        controlAttestations,
        { supersededAt: now, supersededBy: id },
        and(eq(controlAttestations.control, control), isNull(controlAttestations.supersededAt)) as SQL,
      );
      await scope.insert(controlAttestations, [
        {
          id,
          control,
          attested: input.attested,
          evidence,
          attestedBy: `${ctx.actor.kind}:${ctx.actor.id}`,
          attestedByName: ctx.actor.name ?? ctx.actor.email ?? null,
          attestedAt: now,
          expiresAt,
        },
      ]);
      await this.auditor.audit(scope, ctx.actor, {
        action: 'control.attest',
        entity: 'control_attestation',
        entityId: id,
        details: {
          control,
          attested: input.attested,
          expiresAt: expiresAt.toISOString(),
          supersedes: previous.map((p) => p.id),
        },
      });
      await this.recordRisk(scope);
    });
    const { items } = await this.list(ctx);
    return items.find((c) => c.control === control) as ControlView;
  }
}

/** Which decisions a control feeds, with the weight it carries in each. */
function decisionsFed(control: ControlName, credits: readonly ControlCredit[]): ControlDecision[] {
  const m = CONTROL_MULTIPLIERS[control];
  const parts = [
    m.likelihood !== 1 && `likelihood x${m.likelihood}`,
    m.impact !== 1 && `impact x${m.impact}`,
  ].filter(Boolean);
  const out: ControlDecision[] = [
    {
      decision: 'risk_score',
      detail:
        `every device's risk score: ${parts.join(', ')}` +
        (control === 'vendor_secure_update'
          ? ' (a device measured without secure boot or updates overrides it)'
          : ''),
    },
  ];
  const scenarios = SCENARIO_IDS.filter((id) => SCENARIO_VULNERABILITY[id].controls[control] !== undefined);
  const magnitude =
    control === 'offline_backups'
      ? 'ransomware outage, restoration and extortion'
      : control === 'ir_plan_tested'
        ? 'incident response cost and outage hours'
        : '';
  if (scenarios.length || magnitude)
    out.push({
      decision: 'fair_scenarios',
      detail: [
        scenarios.length &&
          `vulnerability of ${scenarios.map((id) => `${id} x${SCENARIO_VULNERABILITY[id].controls[control]}`).join(', ')}`,
        magnitude && `loss magnitude: ${magnitude}`,
      ]
        .filter(Boolean)
        .join('; '),
    });
  for (const c of credits.filter((x) => x.control === control))
    out.push({
      decision: 'rating',
      detail: `rate filing ${c.filingId} clause ${c.clause}: premium x${c.factor}`,
    });
  return out;
}
