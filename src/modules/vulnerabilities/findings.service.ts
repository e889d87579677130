import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { type Clock, isUuid, newId, notFound } from '../../core';
import type { TenantScope } from '../../store';
import type { DeviceView } from '../inventory';
import type { RequestContext } from '../tenancy';
import { configurationFindings, type Severity } from './domain/config-findings';
import type { AssessedDevice } from './domain/device';
import { matchDevice, type VulnerabilityFinding } from './domain/matching';
import type { FeedService } from './feeds.service';
import { findings } from './schema';

type FindingRow = typeof findings.$inferSelect;

export interface FindingView {
  id: string;
  deviceId: string;
  /** The device's name when listed for people (list, deviceFindings); absent elsewhere. */
  deviceName?: string;
  kind: 'vuln' | 'config';
  /** CVE id or configuration finding id. */
  ref: string;
  status: 'affected' | 'needs_review';
  title: string | null;
  reason: string;
  matchedRange: string | null;
  source: string | null;
  cvss: FindingRow['cvss'];
  kev: FindingRow['kev'];
  epss: number | null;
  severity: Severity | 'unknown';
  firmwareVersion: string | null;
  firstSeen: string;
  lastSeen: string;
  fixedAt: string | null;
}

export interface FindingFilter {
  deviceId?: string;
  kind?: 'vuln' | 'config';
  status?: 'affected' | 'needs_review';
  severity?: string;
  kev?: boolean;
  state?: 'open' | 'fixed' | 'all';
}

export interface AssessmentSummary {
  devices: number;
  open: number;
  opened: number;
  fixed: number;
  at: string;
}

const toView = (r: FindingRow): FindingView => ({
  id: r.id,
  deviceId: r.deviceId,
  kind: r.kind as FindingView['kind'],
  ref: r.ref,
  status: r.status as FindingView['status'],
  title: r.title,
  reason: r.reason,
  matchedRange: r.matchedRange,
  source: r.source,
  cvss: r.cvss,
  kev: r.kev,
  epss: r.epss,
  severity: r.severity as FindingView['severity'],
  firmwareVersion: r.firmwareVersion,
  firstSeen: r.firstSeen.toISOString(),
  lastSeen: r.lastSeen.toISOString(),
  fixedAt: r.fixedAt?.toISOString() ?? null,
});

/** Inventory's device view as the facts matching and configuration checks read. */
export function assessedDevice(d: DeviceView): AssessedDevice {
  return {
    id: d.id,
    name: d.name,
    kind: d.kind as AssessedDevice['kind'],
    vendor: d.vendor,
    product: d.product,
    model: d.model,
    firmwareVersion: d.firmwareVersion,
    internetExposed: d.internetExposed,
    networkSegment: d.networkSegment,
    segmentedFromOffice: d.segmentedFromOffice,
    criticality: d.criticality as AssessedDevice['criticality'],
    safetyCritical: d.safetyCritical,
    dataHeld: d.dataHeld as AssessedDevice['dataHeld'],
    credentialState: d.credentialState as AssessedDevice['credentialState'],
    openServices: d.openServices,
    supportEndDate: d.supportEndDate,
    secureBoot: d.secureBoot,
    encryptedTransport: d.encryptedTransport,
    updateMechanism: d.updateMechanism as AssessedDevice['updateMechanism'],
    status: d.status as AssessedDevice['status'],
  };
}

/** A KEV listing with no CVSS is at least high: it is exploited in the wild (CISA BOD 22-01). */
function vulnSeverity(f: VulnerabilityFinding): Severity | 'unknown' {
  const s = f.cvss?.severity;
  if (s && s !== 'none') return s;
  return f.kev ? 'high' : 'unknown';
}

interface Observed {
  deviceId: string;
  kind: 'vuln' | 'config';
  ref: string;
  status: 'affected' | 'needs_review';
  title: string | null;
  reason: string;
  matchedRange: string | null;
  source: string | null;
  cvss: FindingRow['cvss'];
  kev: FindingRow['kev'];
  epss: number | null;
  severity: string;
  firmwareVersion: string | null;
}

/**
 * Findings observed again: every column from the observation, last seen now, reopened if it was fixed.
 * One statement per batch as for inserts; the organisation is this scope's.
 */
async function refreshFindings(
  scope: TenantScope,
  rows: { id: string; o: Observed }[],
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  const data = JSON.stringify(
    rows.map(({ id, o }) => ({
      id,
      status: o.status,
      title: o.title,
      reason: o.reason,
      matched_range: o.matchedRange,
      source: o.source,
      cvss: o.cvss,
      kev: o.kev,
      epss: o.epss,
      severity: o.severity,
      firmware_version: o.firmwareVersion,
    })),
  );
  await scope.db.execute(sql`
    update ${findings} as f set status = x.status, title = x.title, reason = x.reason,
      matched_range = x.matched_range, source = x.source, cvss = x.cvss, kev = x.kev, epss = x.epss,
      severity = x.severity, firmware_version = x.firmware_version, last_seen = ${now.toISOString()}::timestamptz,
      fixed_at = null
    from jsonb_to_recordset(${data}::jsonb) as x(id text, status text, title text, reason text,
      matched_range text, source text, cvss jsonb, kev jsonb, epss double precision, severity text,
      firmware_version text)
    where f.id = x.id and f.org_id = ${scope.orgId}`);
}

/** Findings no longer observed: fixed now. */
async function fixFindings(scope: TenantScope, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await scope.db.execute(sql`
    update ${findings} set fixed_at = ${now.toISOString()}::timestamptz
    where org_id = ${scope.orgId} and id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
}

const keyOf = (x: { deviceId: string; kind: string; ref: string }) =>
  `${x.deviceId}\u0000${x.kind}\u0000${x.ref}`;

/** What the device-facing dependencies the assessment needs from inventory. */
export interface DeviceSource {
  allDevices(scope: TenantScope): Promise<DeviceView[]>;
  deviceById(scope: TenantScope, id: string): Promise<DeviceView | null>;
  devicesByIds(scope: TenantScope, ids: readonly string[]): Promise<DeviceView[]>;
}

/**
 * Findings per device, kept over time: a finding appears with firstSeen, stays one row while it is
 * observed, and gets fixedAt when an assessment no longer observes it (reopened if it comes back).
 */
export class FindingsService {
  private readonly listeners: ((scope: TenantScope, summary: AssessmentSummary) => Promise<void>)[] = [];

  constructor(
    private readonly feeds: FeedService,
    private readonly devices: DeviceSource,
    private readonly clock: Clock,
  ) {}

  /** Called after each organisation assessment, in its transaction (risk history). */
  onAssessed(fn: (scope: TenantScope, summary: AssessmentSummary) => Promise<void>): void {
    this.listeners.push(fn);
  }

  private observe(
    d: AssessedDevice,
    index: Awaited<ReturnType<FeedService['index']>>,
    now: Date,
  ): Observed[] {
    if (d.status === 'retired') return [];
    const out: Observed[] = [];
    for (const f of matchDevice(index, d))
      out.push({
        deviceId: d.id,
        kind: 'vuln',
        ref: f.cveId,
        status: f.status,
        title: null,
        reason: f.reason,
        matchedRange: f.matchedRange,
        source: f.source,
        cvss: f.cvss,
        kev: f.kev,
        epss: f.epss?.score ?? null,
        severity: vulnSeverity(f),
        firmwareVersion: d.firmwareVersion,
      });
    for (const c of configurationFindings(d, now))
      out.push({
        deviceId: d.id,
        kind: 'config',
        ref: c.id,
        status: 'affected',
        title: c.title,
        reason: `${String(c.fact.name)} = ${JSON.stringify(c.fact.value)} (${c.reference})`,
        matchedRange: null,
        source: 'inventory',
        cvss: null,
        kev: null,
        epss: null,
        severity: c.severity,
        firmwareVersion: d.firmwareVersion,
      });
    return out;
  }

  /** Reconcile stored findings of `devices` with what is observed now. */
  private async reconcile(scope: TenantScope, devs: DeviceView[], cond?: SQL) {
    const now = this.clock.now();
    const index = await this.feeds.index(scope.db);
    const observed = new Map<string, Observed>();
    for (const d of devs)
      for (const o of this.observe(assessedDevice(d), index, now)) observed.set(keyOf(o), o);
    const stored = await scope.select(findings, cond);
    const storedByKey = new Map(stored.map((r) => [keyOf(r), r]));
    const retired = new Set(devs.filter((d) => d.status === 'retired').map((d) => d.id));
    let opened = 0;
    let fixed = 0;
    const inserts: Omit<typeof findings.$inferInsert, 'orgId'>[] = [];
    const refreshed: { id: string; o: Observed }[] = [];
    for (const [k, o] of observed) {
      const row = storedByKey.get(k);
      if (!row) {
        inserts.push({ ...o, id: newId(), firstSeen: now, lastSeen: now, fixedAt: null });
        opened++;
        continue;
      }
      if (row.fixedAt) opened++;
      refreshed.push({ id: row.id, o });
    }
    const gone: string[] = [];
    for (const row of stored) {
      // A retired device's findings keep their state: retiring is not fixing.
      if (row.fixedAt || observed.has(keyOf(row)) || retired.has(row.deviceId)) continue;
      gone.push(row.id);
      fixed++;
    }
    const BATCH = 5000;
    await scope.insertMany(findings, inserts, BATCH);
    for (let i = 0; i < refreshed.length; i += BATCH)
      await refreshFindings(scope, refreshed.slice(i, i + BATCH), now);
    for (let i = 0; i < gone.length; i += BATCH) await fixFindings(scope, gone.slice(i, i + BATCH), now);
    return { open: observed.size, opened, fixed, at: now.toISOString() };
  }

  /** Re-evaluate every device of the organisation against the stored feeds and the clock. */
  async assessOrganisation(scope: TenantScope): Promise<AssessmentSummary> {
    return scope.transaction(async (s) => {
      const devs = await this.devices.allDevices(s);
      const r = await this.reconcile(s, devs);
      const summary = { devices: devs.length, ...r };
      for (const fn of this.listeners) await fn(s, summary);
      return summary;
    });
  }

  /** Re-evaluate one device (its firmware or facts changed). */
  async assessDevice(scope: TenantScope, deviceId: string): Promise<AssessmentSummary> {
    const d = await this.devices.deviceById(scope, deviceId);
    if (!d) throw notFound('device');
    const r = await this.reconcile(scope, [d], eq(findings.deviceId, deviceId));
    return { devices: 1, ...r };
  }

  /**
   * Evaluate newly created devices (an API create or a whole import), in the creating transaction.
   * Reads only the findings of those devices, in chunks that keep the id list within parameter limits.
   */
  async assessDevices(scope: TenantScope, deviceIds: readonly string[]): Promise<AssessmentSummary> {
    const total = { devices: 0, open: 0, opened: 0, fixed: 0, at: this.clock.now().toISOString() };
    for (let i = 0; i < deviceIds.length; i += 1000) {
      const chunk = await this.devices.devicesByIds(scope, deviceIds.slice(i, i + 1000));
      total.devices += chunk.length;
      const r = await this.reconcile(
        scope,
        chunk,
        inArray(
          findings.deviceId,
          chunk.map((d) => d.id),
        ),
      );
      total.open += r.open;
      total.opened += r.opened;
      total.fixed += r.fixed;
    }
    return total;
  }

  async runNow(ctx: RequestContext): Promise<AssessmentSummary> {
    ctx.require('inventory:write');
    return this.assessOrganisation(ctx.scope);
  }

  async list(
    ctx: RequestContext,
    filter: FindingFilter,
    page: { limit: number; offset: number },
  ): Promise<{ items: FindingView[]; total: number }> {
    ctx.require('read');
    const conds: SQL[] = [];
    if (filter.deviceId) conds.push(eq(findings.deviceId, filter.deviceId));
    if (filter.kind) conds.push(eq(findings.kind, filter.kind));
    if (filter.status) conds.push(eq(findings.status, filter.status));
    if (filter.severity) conds.push(eq(findings.severity, filter.severity));
    if (filter.kev === true) conds.push(isNotNull(findings.kev));
    if (filter.kev === false) conds.push(isNull(findings.kev));
    const state = filter.state ?? 'open';
    if (state === 'open') conds.push(isNull(findings.fixedAt));
    if (state === 'fixed') conds.push(isNotNull(findings.fixedAt));
    const cond = conds.length ? and(...conds) : undefined;
    const severityOrder = sql`case ${findings.severity} when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`;
    const rows = await ctx.scope.select(findings, cond, {
      orderBy: [severityOrder, desc(findings.kev), asc(findings.ref), asc(findings.id)],
      limit: page.limit,
      offset: page.offset,
    });
    const names = new Map((await this.devices.allDevices(ctx.scope)).map((d) => [d.id, d.name]));
    return {
      items: rows.map((r) => ({ ...toView(r), deviceName: names.get(r.deviceId) ?? r.deviceId })),
      total: await ctx.scope.count(findings, cond),
    };
  }

  async deviceFindings(ctx: RequestContext, deviceId: string, state: FindingFilter['state'] = 'open') {
    ctx.require('read');
    if (!isUuid(deviceId) || !(await this.devices.deviceById(ctx.scope, deviceId))) throw notFound('device');
    return (await this.list(ctx, { deviceId, state }, { limit: 500, offset: 0 })).items;
  }

  /** Open findings of the organisation (for risk and compliance). */
  async openFindings(scope: TenantScope): Promise<FindingView[]> {
    return (await scope.select(findings, isNull(findings.fixedAt))).map(toView);
  }
}

/** Stored vulnerability findings in the matcher's shape (compliance rules read this shape). */
export function asVulnerabilityFinding(f: FindingView): VulnerabilityFinding {
  return {
    cveId: f.ref,
    deviceId: f.deviceId,
    status: f.status,
    reason: f.reason,
    matchedRange: f.matchedRange,
    source: (f.source ?? 'cna') as VulnerabilityFinding['source'],
    cvss: f.cvss as VulnerabilityFinding['cvss'],
    kev: f.kev,
    epss: f.epss === null ? null : { score: f.epss, percentile: 0 },
  };
}
