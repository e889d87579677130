import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { type Clock, isUuid, newId, notFound } from '../../core';
import type { TenantScope } from '../../store';
import type { DeviceView } from '../inventory';
import type { RequestContext } from '../tenancy';
import { assessedDevice, type FindingView } from '../vulnerabilities';
import { currentAttestations } from './controls.service';
import type { AssessedDevice, DeviceRiskInput, OrganisationAssessment } from './domain/assessment';
import { type OrganisationRiskScore, scoreOrganisation } from './domain/organisation-score';
import { type Recommendation, recommendations } from './domain/recommendations';
import type { DeviceRiskScore } from './domain/risk-score';
import { riskScores } from './schema';

/** The narrow facts risk needs from the modules below it (findings, devices, alert counts). */
export interface RiskSources {
  allDevices(scope: TenantScope): Promise<DeviceView[]>;
  openFindings(scope: TenantScope): Promise<FindingView[]>;
  alertCountsByDevice(
    scope: TenantScope,
    since: Date,
  ): Promise<Map<string, { total: number; highOrCritical: number }>>;
}

export interface OrganisationRiskView {
  asOf: string;
  score: number;
  topDevicesScore: number;
  breadth: OrganisationRiskScore['breadth'];
  factors: OrganisationRiskScore['factors'];
  controls: OrganisationRiskScore['controls'];
  summary: OrganisationRiskScore['summary'];
  topDevices: DeviceRiskScore[];
  recommendations: Recommendation[];
}

export interface RiskPoint {
  at: string;
  score: number;
}

const DAY_MS = 86_400_000;

export class RiskService {
  constructor(
    private readonly sources: RiskSources,
    private readonly clock: Clock,
  ) {}

  /** The organisation's assessment input from stored findings, device facts and recent alerts. */
  async assessmentInput(scope: TenantScope): Promise<OrganisationAssessment> {
    const now = this.clock.now();
    const [devs, open, alerts, attestations] = await Promise.all([
      this.sources.allDevices(scope),
      this.sources.openFindings(scope),
      this.sources.alertCountsByDevice(scope, new Date(now.getTime() - 30 * DAY_MS)),
      currentAttestations(scope),
    ]);
    const byDevice = new Map<string, FindingView[]>();
    for (const f of open) {
      const list = byDevice.get(f.deviceId);
      if (list) list.push(f);
      else byDevice.set(f.deviceId, [f]);
    }
    const inputs: DeviceRiskInput[] = devs.map((d) => {
      const fs = byDevice.get(d.id) ?? [];
      const a = alerts.get(d.id);
      return {
        device: assessedDevice(d) as AssessedDevice,
        vulnerabilities: fs
          .filter((f) => f.kind === 'vuln')
          .map((f) => ({
            cveId: f.ref,
            status: f.status,
            cvssBaseScore: f.cvss?.baseScore ?? null,
            kev: f.kev !== null,
            knownRansomwareCampaignUse: f.kev?.knownRansomwareCampaignUse === 'Known',
            epss: f.epss,
          })),
        configFindings: fs
          .filter((f) => f.kind === 'config')
          .map((f) => ({ id: f.ref, severity: f.severity === 'unknown' ? 'medium' : f.severity })),
        alerts: { last30Days: a?.total ?? 0, highOrCritical30Days: a?.highOrCritical ?? 0 },
      };
    });
    // The organisation's attestations in force (controls.service.ts); expiry is judged at `asOf`.
    return { asOf: now.toISOString(), devices: inputs, attestations };
  }

  async compute(
    scope: TenantScope,
  ): Promise<{ input: OrganisationAssessment; score: OrganisationRiskScore }> {
    const input = await this.assessmentInput(scope);
    return { input, score: scoreOrganisation(input) };
  }

  /** Store the organisation's and every device's score now (called on each assessment). */
  async record(scope: TenantScope): Promise<OrganisationRiskScore> {
    const { score } = await this.compute(scope);
    const at = this.clock.now();
    const rows = [
      { id: newId(), deviceId: null, score: score.score, factors: score.factors, at },
      ...score.devices.map((d) => ({
        id: newId(),
        deviceId: d.deviceId,
        score: d.score,
        factors: d.factors,
        at,
      })),
    ];
    await scope.insertMany(riskScores, rows);
    return score;
  }

  async organisationRisk(ctx: RequestContext, top = 10): Promise<OrganisationRiskView> {
    ctx.require('read');
    const { input, score } = await this.compute(ctx.scope);
    const ranked = [...score.devices].sort((a, b) => b.score - a.score);
    return {
      asOf: input.asOf,
      score: score.score,
      topDevicesScore: score.topDevices,
      breadth: score.breadth,
      factors: score.factors,
      controls: score.controls,
      summary: score.summary,
      topDevices: ranked.slice(0, top),
      recommendations: recommendations(input, 10),
    };
  }

  async deviceRisk(
    ctx: RequestContext,
    deviceId: string,
  ): Promise<DeviceRiskScore & { history: RiskPoint[] }> {
    ctx.require('read');
    if (!isUuid(deviceId)) throw notFound('device');
    const { score } = await this.compute(ctx.scope);
    const d = score.devices.find((x) => x.deviceId === deviceId);
    if (!d) throw notFound('device');
    return { ...d, history: await this.history(ctx, deviceId) };
  }

  /** Stored scores, oldest first, for a trend chart (the organisation's, or one device's). */
  async history(ctx: RequestContext, deviceId?: string, limit = 365): Promise<RiskPoint[]> {
    ctx.require('read');
    const cond = deviceId ? eq(riskScores.deviceId, deviceId) : isNull(riskScores.deviceId);
    const rows = await ctx.scope.select(riskScores, and(cond), {
      orderBy: [desc(riskScores.at), asc(riskScores.id)],
      limit,
    });
    return rows.reverse().map((r) => ({ at: r.at.toISOString(), score: r.score }));
  }
}
