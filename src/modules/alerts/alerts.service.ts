import { and, desc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import { type Clock, invalid, isUuid, newId, notFound } from '../../core';
import type { Db, TenantScope } from '../../store';
import type { DetectionAlert, Severity } from '../detection';
import type { InventoryService } from '../inventory';
import type { RequestContext, TenancyService } from '../tenancy';
import { alerts, detectorSnapshots, trafficMinutes } from './schema';

type AlertRow = typeof alerts.$inferSelect;

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Windows of the same behaviour from the same subject closer than this merge into one alert. */
const MERGE_GAP_MS = 60 * 60_000;

export interface AlertView {
  id: string;
  orgId: string;
  deviceId: string | null;
  deviceName: string | null;
  subject: string;
  behaviour: string;
  technique: { id: string; name: string; tactic: string; matrix: string };
  severity: Severity;
  score: number;
  summary: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  windows: number;
  evidence: Record<string, unknown>;
  source: string;
  sensor: string | null;
  status: AlertStatus;
  createdAt: string;
  updatedAt: string;
}

export interface AlertFilter {
  severity?: string;
  status?: string;
  behaviour?: string;
  technique?: string;
  deviceId?: string;
  since?: string;
}

const toView = (r: AlertRow, deviceName: string | null = null): AlertView => ({
  id: r.id,
  orgId: r.orgId,
  deviceId: r.deviceId,
  deviceName,
  subject: r.subject,
  behaviour: r.behaviour,
  technique: { id: r.techniqueId, name: r.techniqueName, tactic: r.tactic, matrix: r.matrix },
  severity: r.severity as Severity,
  score: r.score,
  summary: r.summary,
  firstSeen: r.firstSeen.toISOString(),
  lastSeen: r.lastSeen.toISOString(),
  count: r.count,
  windows: r.windows,
  evidence: r.evidence,
  source: r.source,
  sensor: r.sensor,
  status: r.status as AlertStatus,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Evidence keys that add up across windows, and those that are the latest window's; other numbers are peaks. */
const SUMMED = new Set(['origBytes', 'origPkts']);
const LATEST = new Set(['periodSeconds']);

/**
 * The alert's evidence after one more window: the window spans both, bytes and packets add up, the
 * peers and ports lists are joined (each kept to its length cap), a beacon's period is the latest, other
 * numbers keep their largest value (a distinct count is then the largest of one window: a lower bound for
 * the whole alert), and the first
 * record ids of the alert stay in front of the new window's. Anything else is the latest window's.
 */
export function mergeEvidence(
  prev: Record<string, unknown>,
  next: DetectionAlert['evidence'],
  prevCount: number,
  nextCount: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...prev, ...next };
  for (const [k, v] of Object.entries(next)) {
    const p = prev[k];
    if (typeof v === 'number' && typeof p === 'number' && !LATEST.has(k))
      out[k] = SUMMED.has(k) ? p + v : Math.max(p, v);
    else if ((k === 'peers' || k === 'ports') && Array.isArray(v) && Array.isArray(p))
      out[k] = [...new Set([...p, ...v])].slice(0, k === 'peers' ? 10 : 20);
  }
  const w0 = prev.window as { from?: number; to?: number } | undefined;
  const w1 = next.window as { from?: number; to?: number } | undefined;
  if (
    typeof w0?.from === 'number' &&
    typeof w0.to === 'number' &&
    typeof w1?.from === 'number' &&
    typeof w1.to === 'number'
  ) {
    const from = Math.min(w0.from, w1.from);
    const to = Math.max(w0.to, w1.to);
    out.window = { from, to, seconds: Math.round((to - from) * 1000) / 1000 };
  }
  const prevIds = Array.isArray(prev.recordIds) ? (prev.recordIds as string[]) : [];
  out.recordIds = [...prevIds.slice(0, 10), ...next.recordIds].slice(0, 30);
  out.totalRecords = (typeof prev.totalRecords === 'number' ? prev.totalRecords : prevCount) + nextCount;
  return out;
}

export type AlertListener = (alert: AlertView, created: boolean, scope: TenantScope) => Promise<void> | void;
/** Receives the alert versions to keep as evidence, inside the transaction that marks them logged. */
export type EvidenceListener = (alert: AlertView, scope: TenantScope) => Promise<void> | void;

/**
 * An alert that keeps changing (every detection tick merges a window into it while an attack runs) is
 * handed to the evidence listeners at most this often: when it is raised, whenever its severity rises,
 * and otherwise once this long has passed since its last logged version. A version left unlogged is
 * logged by logPendingEvidence once the interval has passed, so the ledger trails an alert by at most
 * this (plus a tick) instead of holding a version per tick.
 */
const EVIDENCE_INTERVAL_MS = 60_000;

/** A person's response to an alert: the status it moved between, why, who, when. */
export interface AlertTriage {
  alertId: string;
  from: AlertStatus;
  to: AlertStatus;
  note: string | null;
  by: string;
  at: string;
}
export type TriageListener = (triage: AlertTriage, scope: TenantScope) => Promise<void> | void;

/** Stores detector alerts (merging repeated windows), serves them, and tells listeners as they happen. */
export class AlertService {
  private readonly listeners: AlertListener[] = [];
  private readonly evidenceListeners: EvidenceListener[] = [];
  private readonly triageListeners: TriageListener[] = [];

  constructor(
    private readonly db: Db,
    private readonly tenancy: TenancyService,
    private readonly inventory: InventoryService,
    private readonly clock: Clock,
  ) {}

  /** Listeners run inside the transaction that stores the alert (the ledger appends there). */
  onAlert(fn: AlertListener): void {
    this.listeners.push(fn);
  }

  /**
   * Listeners run inside the transaction that stores (or, for a pending version, marks) the alert, for
   * the versions that are evidence (see EVIDENCE_INTERVAL_MS).
   */
  onEvidence(fn: EvidenceListener): void {
    this.evidenceListeners.push(fn);
  }

  /** Listeners run inside the triage transaction (the ledger logs each response there). */
  onTriage(fn: TriageListener): void {
    this.triageListeners.push(fn);
  }

  async record(
    orgId: string,
    a: DetectionAlert,
    source: string,
    sensor: string | null = null,
  ): Promise<AlertView> {
    const scope = this.tenancy.scope(orgId);
    const first = new Date(a.firstSeen * 1000);
    const last = new Date(a.lastSeen * 1000);
    return scope.transaction(async (s) => {
      const [open] = await s.select(
        alerts,
        and(
          eq(alerts.subject, a.subject),
          eq(alerts.behaviour, a.behaviour),
          eq(alerts.status, 'open'),
          gte(alerts.lastSeen, new Date(first.getTime() - MERGE_GAP_MS)),
        ),
        { orderBy: [desc(alerts.lastSeen)], limit: 1 },
      );
      const now = this.clock.now();
      let row: AlertRow;
      let created = false;
      let logVersion = true;
      if (open) {
        const evidence = mergeEvidence(open.evidence, a.evidence, open.count, a.count);
        const escalated = SEVERITY_RANK[a.severity] > SEVERITY_RANK[open.severity as Severity];
        const severity = escalated ? a.severity : open.severity;
        logVersion =
          escalated ||
          open.ledgerLoggedAt === null ||
          now.getTime() - open.ledgerLoggedAt.getTime() >= EVIDENCE_INTERVAL_MS;
        [row] = await s.update(
          alerts,
          {
            count: open.count + a.count,
            windows: open.windows + 1,
            lastSeen: last > open.lastSeen ? last : open.lastSeen,
            firstSeen: first < open.firstSeen ? first : open.firstSeen,
            severity,
            score: Math.max(open.score, a.score),
            summary: a.summary,
            evidence,
            updatedAt: now,
            ...(logVersion ? { ledgerWindows: open.windows + 1, ledgerLoggedAt: now } : {}),
          },
          eq(alerts.id, open.id),
        );
      } else {
        const device = await this.inventory.deviceByAddress(s, a.subject);
        [row] = await s.insert(alerts, [
          {
            id: newId(),
            deviceId: device?.id ?? null,
            subject: a.subject,
            behaviour: a.behaviour,
            techniqueId: a.technique.id,
            techniqueName: a.technique.name,
            tactic: a.technique.tactic,
            matrix: a.technique.matrix,
            severity: a.severity,
            score: a.score,
            summary: a.summary,
            firstSeen: first,
            lastSeen: last,
            count: a.count,
            evidence: a.evidence,
            source,
            sensor,
            createdAt: now,
            updatedAt: now,
            ledgerWindows: 1,
            ledgerLoggedAt: now,
          },
        ]);
        created = true;
      }
      const view = toView(row);
      for (const fn of this.listeners) await fn(view, created, s);
      if (logVersion) for (const fn of this.evidenceListeners) await fn(view, s);
      return view;
    });
  }

  /** Stores a detector's state under `key` (one row per key, replaced), for a restart or a takeover. */
  async saveDetectorState(orgId: string, key: string, state: Uint8Array): Promise<void> {
    const scope = this.tenancy.scope(orgId);
    const takenAt = this.clock.now();
    await scope.db
      .insert(detectorSnapshots)
      .values({ id: newId(), orgId, key, state, takenAt })
      .onConflictDoUpdate({
        target: [detectorSnapshots.orgId, detectorSnapshots.key],
        set: { state, takenAt },
      });
  }

  /** The detector state last stored under `key`, or null. */
  async detectorState(orgId: string, key: string): Promise<Uint8Array | null> {
    const [row] = await this.tenancy
      .scope(orgId)
      .select(detectorSnapshots, eq(detectorSnapshots.key, key), { limit: 1 });
    return row?.state ?? null;
  }

  /**
   * Hands each alert version not yet logged to the evidence listeners once its last logged version is
   * EVIDENCE_INTERVAL_MS old, or at once with `all` (shutdown, drain), in every organisation. Each in
   * its own transaction, which marks it logged. Returns how many were logged.
   */
  async logPendingEvidence(opts: { all?: boolean } = {}): Promise<number> {
    const now = this.clock.now();
    const cutoff = opts.all ? now : new Date(now.getTime() - EVIDENCE_INTERVAL_MS);
    const pending = sql`${alerts.windows} > ${alerts.ledgerWindows}`;
    const rows = await this.db
      .select({ id: alerts.id, orgId: alerts.orgId, windows: alerts.windows })
      .from(alerts)
      .where(and(pending, or(isNull(alerts.ledgerLoggedAt), lte(alerts.ledgerLoggedAt, cutoff))))
      .limit(1000);
    let logged = 0;
    for (const p of rows) {
      await this.tenancy.scope(p.orgId).transaction(async (s) => {
        // Compare and set: a version merged or logged since the read above is left for the next sweep
        // (the update locks the row, so no version is logged twice).
        const [row] = await s.update(
          alerts,
          { ledgerWindows: p.windows, ledgerLoggedAt: now },
          and(eq(alerts.id, p.id), eq(alerts.windows, p.windows), pending) as SQL,
        );
        if (!row) return;
        const view = toView(row);
        for (const fn of this.evidenceListeners) await fn(view, s);
        logged++;
      });
    }
    return logged;
  }

  private filterSql(f: AlertFilter): SQL | undefined {
    const c: SQL[] = [];
    if (f.severity) c.push(inArray(alerts.severity, f.severity.split(',')));
    if (f.status) c.push(inArray(alerts.status, f.status.split(',')));
    if (f.behaviour) c.push(inArray(alerts.behaviour, f.behaviour.split(',')));
    if (f.technique) c.push(eq(alerts.techniqueId, f.technique));
    if (f.deviceId) c.push(eq(alerts.deviceId, f.deviceId));
    if (f.since) {
      const d = new Date(f.since);
      if (Number.isNaN(d.getTime()))
        throw invalid('since must be an ISO date-time', [{ field: 'since', message: f.since }]);
      c.push(gte(alerts.lastSeen, d));
    }
    return c.length ? and(...c) : undefined;
  }

  async list(ctx: RequestContext, f: AlertFilter, page: { limit: number; offset: number }) {
    ctx.require('read');
    const cond = this.filterSql(f);
    const [rows, total] = await Promise.all([
      ctx.scope.select(alerts, cond, {
        orderBy: [desc(alerts.lastSeen), desc(alerts.id)],
        limit: page.limit,
        offset: page.offset,
      }),
      ctx.scope.count(alerts, cond),
    ]);
    const names = await this.deviceNames(ctx.scope, rows);
    return { total, items: rows.map((r) => toView(r, r.deviceId ? (names.get(r.deviceId) ?? null) : null)) };
  }

  private async deviceNames(scope: TenantScope, rows: AlertRow[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.map((r) => r.deviceId).filter((x): x is string => !!x))];
    const out = new Map<string, string>();
    for (const id of ids) {
      const d = await this.inventory.deviceById(scope, id);
      if (d) out.set(id, d.name);
    }
    return out;
  }

  async get(ctx: RequestContext, id: string): Promise<AlertView> {
    ctx.require('read');
    if (!isUuid(id)) throw notFound('alert');
    const row = await ctx.scope.get(alerts, id, 'alert');
    const names = await this.deviceNames(ctx.scope, [row]);
    return toView(row, row.deviceId ? (names.get(row.deviceId) ?? null) : null);
  }

  async setStatus(ctx: RequestContext, id: string, status: AlertStatus, note?: string): Promise<AlertView> {
    ctx.require('inventory:write');
    if (!isUuid(id)) throw notFound('alert');
    return ctx.scope.transaction(async (s) => {
      const before = await s.get(alerts, id, 'alert');
      const at = this.clock.now();
      const [row] = await s.update(alerts, { status, updatedAt: at }, eq(alerts.id, id));
      await this.tenancy.audit(s, ctx.actor, {
        action: 'set_status',
        entity: 'alert',
        entityId: id,
        details: { from: before.status, to: status, note: note ?? null },
      });
      const triage: AlertTriage = {
        alertId: id,
        from: before.status as AlertStatus,
        to: status,
        note: note ?? null,
        by: `${ctx.actor.kind}:${ctx.actor.id}`,
        at: at.toISOString(),
      };
      for (const fn of this.triageListeners) await fn(triage, s);
      return toView(row);
    });
  }

  /** Alerts per device in a window, for risk scoring (a narrow read, not the whole module). */
  async alertCountsByDevice(
    scope: TenantScope,
    since: Date,
  ): Promise<Map<string, { total: number; highOrCritical: number }>> {
    const rows = await scope.db
      .select({
        deviceId: alerts.deviceId,
        total: sql<number>`count(*)::int`,
        high: sql<number>`count(*) filter (where ${alerts.severity} in ('high','critical'))::int`,
      })
      .from(alerts)
      .where(and(eq(alerts.orgId, scope.orgId), gte(alerts.lastSeen, since)))
      .groupBy(alerts.deviceId);
    const out = new Map<string, { total: number; highOrCritical: number }>();
    for (const r of rows)
      if (r.deviceId) out.set(r.deviceId, { total: Number(r.total), highOrCritical: Number(r.high) });
    return out;
  }

  // ---- traffic ----

  async addTraffic(
    orgId: string,
    rows: {
      subject: string;
      minute: Date;
      flows: number;
      packets: number;
      bytes: number;
      alerting: number;
    }[],
  ): Promise<void> {
    if (!rows.length) return;
    const scope = this.tenancy.scope(orgId);
    await scope.db
      .insert(trafficMinutes)
      .values(rows.map((r) => ({ id: newId(), orgId, ...r })))
      .onConflictDoUpdate({
        target: [trafficMinutes.orgId, trafficMinutes.subject, trafficMinutes.minute],
        set: {
          flows: sql`${trafficMinutes.flows} + excluded.flows`,
          packets: sql`${trafficMinutes.packets} + excluded.packets`,
          bytes: sql`${trafficMinutes.bytes} + excluded.bytes`,
          alerting: sql`${trafficMinutes.alerting} + excluded.alerting`,
        },
      });
  }

  async deviceTraffic(ctx: RequestContext, deviceId: string, hours: number) {
    const device = await this.inventory.getDevice(ctx, deviceId);
    const since = new Date(this.clock.now().getTime() - hours * 3600_000);
    const subjects = [...device.ipAddresses, ...device.macAddresses];
    if (!subjects.length) return { deviceId, points: [] };
    const rows = await ctx.scope.select(
      trafficMinutes,
      and(
        inArray(trafficMinutes.subject, subjects),
        gte(trafficMinutes.minute, since),
        lte(trafficMinutes.minute, this.clock.now()),
      ),
      { orderBy: [trafficMinutes.minute] },
    );
    const byMinute = new Map<
      number,
      { minute: string; flows: number; packets: number; bytes: number; alerting: number }
    >();
    for (const r of rows) {
      const k = r.minute.getTime();
      const p = byMinute.get(k) ?? {
        minute: r.minute.toISOString(),
        flows: 0,
        packets: 0,
        bytes: 0,
        alerting: 0,
      };
      p.flows += r.flows;
      p.packets += r.packets;
      p.bytes += r.bytes;
      p.alerting += r.alerting;
      byMinute.set(k, p);
    }
    return { deviceId, points: [...byMinute.values()] };
  }
}
