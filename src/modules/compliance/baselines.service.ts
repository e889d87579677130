import { type Clock, notFound } from '../../core';
import type { TenantScope } from '../../store';
import type { DeviceView } from '../inventory';
import type { RequestContext } from '../tenancy';
import {
  assessedDevice,
  asVulnerabilityFinding,
  type ConfigFinding,
  configurationFindings,
  type FindingView,
} from '../vulnerabilities';
import { type Baseline, baselineById, builtInBaselines } from './domain/baseline';
import { evaluateOrganisation, type OrganisationEvaluation } from './domain/evaluate';
import { renderBaselineReport } from './domain/report-html';

export interface BaselineSummary {
  id: string;
  title: string;
  version: string;
  source: string;
  requirements: number;
}

export interface ComplianceSources {
  allDevices(scope: TenantScope): Promise<DeviceView[]>;
  openFindings(scope: TenantScope): Promise<FindingView[]>;
}

/** Baselines evaluated against the organisation's devices, stored vulnerability findings and the clock. */
export class BaselineService {
  constructor(
    private readonly sources: ComplianceSources,
    private readonly clock: Clock,
  ) {}

  list(ctx: RequestContext): BaselineSummary[] {
    ctx.require('read');
    return builtInBaselines().map((b) => ({
      id: b.id,
      title: b.title,
      version: b.version,
      source: b.source,
      requirements: b.requirements.length,
    }));
  }

  private baseline(id: string): Baseline {
    const b = baselineById(id);
    if (!b) throw notFound(`baseline "${id}"`);
    return b;
  }

  async evaluation(ctx: RequestContext, id: string): Promise<OrganisationEvaluation> {
    ctx.require('read');
    const b = this.baseline(id);
    const now = this.clock.now();
    const [devs, open] = await Promise.all([
      this.sources.allDevices(ctx.scope),
      this.sources.openFindings(ctx.scope),
    ]);
    const assessed = devs.map(assessedDevice);
    const configFindings: Record<string, ConfigFinding[]> = {};
    for (const d of assessed) configFindings[d.id] = configurationFindings(d, now);
    return evaluateOrganisation(b, assessed, {
      asOf: now,
      configFindings,
      vulnFindings: open.filter((f) => f.kind === 'vuln').map(asVulnerabilityFinding),
    });
  }

  /** A printable HTML report of the organisation against one baseline. */
  async report(ctx: RequestContext, id: string): Promise<string> {
    const ev = await this.evaluation(ctx, id);
    return renderBaselineReport(this.baseline(id), ev, {
      organisationName: ctx.org.name,
      generatedAt: this.clock.now().toISOString(),
    });
  }
}
