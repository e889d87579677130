import { and, asc, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import { type Clock, conflict, type ErrorDetail, invalid, isUuid, newId, notFound } from '../../core';
import type { TenantScope } from '../../store';
import type { RequestContext, TenancyService } from '../tenancy';
import { parseDeviceFile } from './domain/device-import';
import { CSV_COLUMNS, type DeviceInput, type DevicePatch, formatOpenServices } from './domain/device-input';
import { deviceEvents, devices, type OpenService, sites } from './schema';

type DeviceRow = typeof devices.$inferSelect;

export interface DeviceView extends Omit<DeviceRow, 'createdAt' | 'updatedAt' | 'lastSeenAt' | 'orgId'> {
  orgId: string;
  createdAt: string;
  updatedAt: string;
  lastSeenAt: string | null;
}

export interface SiteView {
  id: string;
  name: string;
  address: string | null;
  country: string | null;
  deviceCount: number;
}

export interface DeviceFilter {
  kind?: string;
  vendor?: string;
  siteId?: string;
  status?: string;
  criticality?: string;
  segment?: string;
  exposed?: boolean;
  safetyCritical?: boolean;
  /** Free text over name, vendor, product, model, serial, IP. */
  q?: string;
  sort?: 'name' | 'kind' | 'vendor' | 'lastSeenAt' | 'criticality';
}

/** What changed on a device, for listeners (vulnerability re-evaluation, the ledger). */
export interface DeviceChange {
  orgId: string;
  deviceId: string;
  change: Record<string, { from: unknown; to: unknown }>;
  source: string;
  at: Date;
}

export const toDeviceView = (r: DeviceRow): DeviceView => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
});

const TRACKED: (keyof DeviceRow)[] = [
  'firmwareVersion',
  'openServices',
  'status',
  'internetExposed',
  'credentialState',
];

function diff(before: DeviceRow, after: Partial<DeviceRow>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of TRACKED) {
    if (!(k in after)) continue;
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = { from: before[k], to: after[k] };
  }
  return out;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class InventoryService {
  private readonly listeners: ((c: DeviceChange, scope: TenantScope) => Promise<void> | void)[] = [];
  private readonly createdListeners: ((deviceIds: string[], scope: TenantScope) => Promise<void> | void)[] =
    [];

  constructor(
    private readonly tenancy: TenancyService,
    private readonly clock: Clock,
  ) {}

  /** Called inside the transaction of every recorded device change (firmware, services, status...). */
  onDeviceChange(fn: (c: DeviceChange, scope: TenantScope) => Promise<void> | void): void {
    this.listeners.push(fn);
  }

  /**
   * Called inside the transaction that creates devices (one by API, or a whole import), with their ids,
   * so findings exist as soon as the device does rather than at the next assessment.
   */
  onDevicesCreated(fn: (deviceIds: string[], scope: TenantScope) => Promise<void> | void): void {
    this.createdListeners.push(fn);
  }

  private async recordChange(
    scope: TenantScope,
    deviceId: string,
    change: DeviceChange['change'],
    source: string,
  ) {
    if (Object.keys(change).length === 0) return;
    const at = this.clock.now();
    await scope.insert(deviceEvents, [{ id: newId(), deviceId, change, source, at }]);
    for (const fn of this.listeners) await fn({ orgId: scope.orgId, deviceId, change, source, at }, scope);
  }

  // ---- sites ----

  async listSites(ctx: RequestContext): Promise<SiteView[]> {
    ctx.require('read');
    const rows = await ctx.scope.select(sites, undefined, { orderBy: [asc(sites.name)] });
    const counts = await ctx.scope.db
      .select({ siteId: devices.siteId, n: sql<number>`count(*)::int` })
      .from(devices)
      .where(eq(devices.orgId, ctx.scope.orgId))
      .groupBy(devices.siteId);
    const byId = new Map(counts.map((c) => [c.siteId, Number(c.n)]));
    return rows.map((s) => ({
      id: s.id,
      name: s.name,
      address: s.address,
      country: s.country,
      deviceCount: byId.get(s.id) ?? 0,
    }));
  }

  async createSite(
    ctx: RequestContext,
    input: { name: string; address?: string | null; country?: string | null },
  ) {
    ctx.require('inventory:write');
    const name = input.name.trim();
    return ctx.scope.transaction(async (scope) => {
      const [dupe] = await scope.select(sites, eq(sites.name, name), { limit: 1 });
      if (dupe) throw conflict(`a site named "${name}" exists`, [{ field: 'name', message: name }]);
      const [row] = await scope.insert(sites, [
        {
          id: newId(),
          name,
          address: input.address ?? null,
          country: input.country ?? null,
          createdAt: this.clock.now(),
        },
      ]);
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'create',
        entity: 'site',
        entityId: row.id,
        details: { name },
      });
      return { id: row.id, name: row.name, address: row.address, country: row.country, deviceCount: 0 };
    });
  }

  // ---- devices ----

  private filterSql(f: DeviceFilter): SQL | undefined {
    const conds: (SQL | undefined)[] = [];
    if (f.kind) conds.push(inArray(devices.kind, f.kind.split(',')));
    if (f.vendor) conds.push(ilike(devices.vendor, escapeLike(f.vendor)));
    if (f.siteId) conds.push(eq(devices.siteId, f.siteId));
    if (f.status) conds.push(inArray(devices.status, f.status.split(',')));
    if (f.criticality) conds.push(inArray(devices.criticality, f.criticality.split(',')));
    if (f.segment) conds.push(eq(devices.networkSegment, f.segment));
    if (f.exposed !== undefined) conds.push(eq(devices.internetExposed, f.exposed));
    if (f.safetyCritical !== undefined) conds.push(eq(devices.safetyCritical, f.safetyCritical));
    if (f.q) {
      const like = `%${escapeLike(f.q)}%`;
      conds.push(
        or(
          ilike(devices.name, like),
          ilike(devices.vendor, like),
          ilike(devices.product, like),
          ilike(devices.model, like),
          ilike(devices.serial, like),
          sql`array_to_string(${devices.ipAddresses}, ' ') ilike ${like}`,
        ),
      );
    }
    const present = conds.filter(Boolean) as SQL[];
    return present.length ? and(...present) : undefined;
  }

  async listDevices(ctx: RequestContext, filter: DeviceFilter, page: { limit: number; offset: number }) {
    ctx.require('read');
    const cond = this.filterSql(filter);
    const sortCol = {
      name: asc(devices.name),
      kind: asc(devices.kind),
      vendor: asc(devices.vendor),
      lastSeenAt: desc(devices.lastSeenAt),
      criticality: sql`array_position(array['critical','high','medium','low'], ${devices.criticality})`,
    }[filter.sort ?? 'name'];
    const [rows, total] = await Promise.all([
      ctx.scope.select(devices, cond, {
        orderBy: [sortCol, asc(devices.id)],
        limit: page.limit,
        offset: page.offset,
      }),
      ctx.scope.count(devices, cond),
    ]);
    return { total, items: rows.map(toDeviceView) };
  }

  async getDevice(ctx: RequestContext, id: string): Promise<DeviceView> {
    ctx.require('read');
    if (!isUuid(id)) throw notFound('device');
    return toDeviceView(await ctx.scope.get(devices, id, 'device'));
  }

  async deviceHistory(ctx: RequestContext, id: string) {
    await this.getDevice(ctx, id);
    const rows = await ctx.scope.select(deviceEvents, eq(deviceEvents.deviceId, id), {
      orderBy: [desc(deviceEvents.at)],
      limit: 100,
    });
    return rows.map((r) => ({ id: r.id, change: r.change, source: r.source, at: r.at.toISOString() }));
  }

  private async assertSite(scope: TenantScope, siteId: string | null | undefined): Promise<void> {
    if (!siteId) return;
    const [s] = await scope.select(sites, eq(sites.id, siteId), { limit: 1 });
    // A foreign or unknown site id is invalid input, and it must not reveal whether it exists elsewhere.
    if (!s) throw invalid('site does not exist', [{ field: 'siteId', message: 'unknown site' }]);
  }

  private async assertSerialFree(scope: TenantScope, serial: string | null | undefined, exceptId?: string) {
    if (!serial) return;
    const [d] = await scope.select(devices, eq(devices.serial, serial), { limit: 1 });
    if (d && d.id !== exceptId)
      throw conflict(`a device with serial "${serial}" exists`, [{ field: 'serial', message: serial }]);
  }

  async createDevice(ctx: RequestContext, input: DeviceInput): Promise<DeviceView> {
    ctx.require('inventory:write');
    return ctx.scope.transaction(async (scope) => {
      await this.assertSite(scope, input.siteId);
      await this.assertSerialFree(scope, input.serial);
      const now = this.clock.now();
      const [row] = await scope.insert(devices, [
        { ...this.columns(input), id: newId(), createdAt: now, updatedAt: now },
      ]);
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'create',
        entity: 'device',
        entityId: row.id,
        details: { name: row.name },
      });
      for (const fn of this.createdListeners) await fn([row.id], scope);
      return toDeviceView(row);
    });
  }

  private columns(input: DeviceInput) {
    return {
      ...input,
      model: input.model ?? null,
      firmwareVersion: input.firmwareVersion ?? null,
      serial: input.serial ?? null,
      siteId: input.siteId ?? null,
      networkSegment: input.networkSegment ?? null,
      segmentedFromOffice: input.segmentedFromOffice ?? null,
      supportEndDate: input.supportEndDate ?? null,
      secureBoot: input.secureBoot ?? null,
      encryptedTransport: input.encryptedTransport ?? null,
    };
  }

  async updateDevice(ctx: RequestContext, id: string, patch: DevicePatch): Promise<DeviceView> {
    ctx.require('inventory:write');
    if (!isUuid(id)) throw notFound('device');
    return ctx.scope.transaction(async (scope) => {
      const before = await scope.get(devices, id, 'device');
      if (patch.siteId !== undefined) await this.assertSite(scope, patch.siteId);
      if (patch.serial !== undefined) await this.assertSerialFree(scope, patch.serial, id);
      const [row] = await scope.update(
        devices,
        { ...patch, updatedAt: this.clock.now() },
        eq(devices.id, id),
      );
      await this.recordChange(scope, id, diff(before, patch as Partial<DeviceRow>), `user:${ctx.actor.id}`);
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'update',
        entity: 'device',
        entityId: id,
        details: { fields: Object.keys(patch) },
      });
      return toDeviceView(row);
    });
  }

  /** Devices are retired, not erased: their history is evidence for claims. */
  async retireDevice(ctx: RequestContext, id: string): Promise<DeviceView> {
    return this.updateDevice(ctx, id, { status: 'retired' });
  }

  /** All-or-nothing import of a CSV or JSON file; every bad row is reported with its line and field. */
  async importDevices(
    ctx: RequestContext,
    bytes: Uint8Array,
    format: 'csv' | 'json' | 'auto' = 'auto',
    onProgress?: (done: number, total: number) => void,
  ) {
    ctx.require('inventory:write');
    const rows = parseDeviceFile(bytes, format);
    return ctx.scope.transaction(async (scope) => {
      const errors: ErrorDetail[] = [];
      const serials = rows.map((r) => r.input.serial).filter((s): s is string => !!s);
      if (serials.length) {
        const existing = await scope.select(devices, inArray(devices.serial, serials));
        const taken = new Set(existing.map((d) => d.serial));
        for (const r of rows) {
          if (r.input.serial && taken.has(r.input.serial)) {
            errors.push({
              line: r.line,
              field: 'serial',
              message: `a device with serial "${r.input.serial}" already exists`,
            });
          }
        }
      }
      if (errors.length)
        throw invalid(`${errors.length} problem(s) in the file; nothing was imported`, errors.slice(0, 200));
      const siteRows = await scope.select(sites);
      const siteIds = new Map(siteRows.map((s) => [s.name, s.id]));
      const sitesCreated: string[] = [];
      const now = this.clock.now();
      for (const r of rows) {
        if (r.site && !siteIds.has(r.site)) {
          const id = newId();
          await scope.insert(sites, [{ id, name: r.site, address: null, country: null, createdAt: now }]);
          siteIds.set(r.site, id);
          sitesCreated.push(r.site);
        }
      }
      const values = rows.map((r) => ({
        ...this.columns({ ...r.input, siteId: r.site ? siteIds.get(r.site)! : (r.input.siteId ?? null) }),
        id: newId(),
        createdAt: now,
        updatedAt: now,
      }));
      for (let i = 0; i < values.length; i += 500) {
        await scope.insert(devices, values.slice(i, i + 500));
        onProgress?.(Math.min(i + 500, values.length), values.length);
      }
      await this.tenancy.audit(scope, ctx.actor, {
        action: 'import',
        entity: 'device',
        details: { created: values.length, sitesCreated },
      });
      const ids = values.map((v) => v.id);
      for (const fn of this.createdListeners) await fn(ids, scope);
      return { created: values.length, sitesCreated };
    });
  }

  async exportDevices(ctx: RequestContext, format: 'csv' | 'json'): Promise<string> {
    ctx.require('read');
    const rows = await ctx.scope.select(devices, undefined, {
      orderBy: [asc(devices.name), asc(devices.id)],
    });
    const siteRows = await ctx.scope.select(sites);
    const siteName = new Map(siteRows.map((s) => [s.id, s.name]));
    const records = rows.map((d) => {
      const { id: _id, orgId: _o, siteId, createdAt: _c, updatedAt: _u, lastSeenAt: _l, ...facts } = d;
      return { ...facts, site: siteId ? (siteName.get(siteId) ?? null) : null };
    });
    if (format === 'json') return `${JSON.stringify(records, null, 2)}\n`;
    const cell = (v: unknown): string => {
      let s: string;
      if (v === null || v === undefined) s = '';
      else if (Array.isArray(v))
        s = v.length && typeof v[0] === 'object' ? formatOpenServices(v as OpenService[]) : v.join(';');
      else s = String(v);
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = [CSV_COLUMNS.join(',')];
    for (const r of records)
      lines.push(CSV_COLUMNS.map((c) => cell((r as Record<string, unknown>)[c])).join(','));
    return `${lines.join('\n')}\n`;
  }

  // ---- telemetry-driven updates ----

  /** Apply a `state` message from a device: firmware, open services, last seen (DESIGN.md §6). */
  async applyState(
    scope: TenantScope,
    deviceId: string,
    state: { firmwareVersion?: string; openServices?: OpenService[]; at?: Date },
    source: string,
  ): Promise<DeviceView> {
    return scope.transaction(async (s) => {
      const before = await s.get(devices, deviceId, 'device');
      const set: Partial<DeviceRow> = { lastSeenAt: state.at ?? this.clock.now() };
      if (state.firmwareVersion !== undefined) set.firmwareVersion = state.firmwareVersion;
      if (state.openServices !== undefined) set.openServices = state.openServices;
      const change = diff(before, set);
      if (Object.keys(change).length) set.updatedAt = this.clock.now();
      const [row] = await s.update(devices, set, eq(devices.id, deviceId));
      await this.recordChange(s, deviceId, change, source);
      return toDeviceView(row);
    });
  }

  async deviceByAddress(scope: TenantScope, address: string): Promise<DeviceView | null> {
    const [row] = await scope.select(
      devices,
      or(
        sql`${address} = any(${devices.ipAddresses})`,
        sql`${address.toLowerCase()} = any(${devices.macAddresses})`,
      ),
      { limit: 1 },
    );
    return row ? toDeviceView(row) : null;
  }

  async deviceById(scope: TenantScope, id: string): Promise<DeviceView | null> {
    const [row] = await scope.select(devices, eq(devices.id, id), { limit: 1 });
    return row ? toDeviceView(row) : null;
  }

  /** The organisation's devices with these ids (any order; ids not found are left out). */
  async devicesByIds(scope: TenantScope, ids: readonly string[]): Promise<DeviceView[]> {
    if (ids.length === 0) return [];
    return (await scope.select(devices, inArray(devices.id, [...ids]))).map(toDeviceView);
  }

  async allDevices(scope: TenantScope): Promise<DeviceView[]> {
    return (await scope.select(devices, undefined, { orderBy: [asc(devices.name)] })).map(toDeviceView);
  }
}
