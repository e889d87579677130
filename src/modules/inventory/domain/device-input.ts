import { isIP } from 'node:net';
import { z } from 'zod';
import type { ErrorDetail } from '../../../core';

export const DEVICE_KINDS = [
  'camera',
  'nvr',
  'plc',
  'hmi',
  'rtu',
  'router',
  'switch',
  'firewall',
  'nas',
  'badge_reader',
  'door_controller',
  'infusion_pump',
  'patient_monitor',
  'imaging',
  'smart_hub',
  'sensor',
  'gateway',
  'printer',
  'voip',
  'other',
] as const;
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export const DATA_HELD = ['none', 'operational', 'personal', 'health', 'payment'] as const;
export const CREDENTIAL_STATES = ['unique', 'default', 'shared', 'unknown'] as const;
export const UPDATE_MECHANISMS = ['automatic', 'manual', 'none', 'unknown'] as const;
export const DEVICE_STATUSES = ['active', 'quarantined', 'retired'] as const;

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const openServiceSchema = z.object({
  port: z.number().int().min(0).max(65535),
  protocol: z.enum(['tcp', 'udp']),
  service: z.string().max(40).nullable().default(null),
});

const ip = z.string().refine((s) => isIP(s) !== 0, { message: 'not an IPv4 or IPv6 address' });
const mac = z
  .string()
  .transform((s) => s.toLowerCase().replace(/-/g, ':'))
  .refine((s) => MAC_RE.test(s), { message: 'not a MAC address like aa:bb:cc:dd:ee:ff' });
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'not a real date');

/** Every writable fact of a device, without defaults (a patch must not reset what it does not name). */
const deviceFields = {
  name: z.string().trim().min(1).max(120),
  kind: z.enum(DEVICE_KINDS),
  vendor: z.string().trim().min(1).max(120),
  product: z.string().trim().min(1).max(160),
  model: z.string().trim().max(120).nullable().optional(),
  firmwareVersion: z.string().trim().max(120).nullable().optional(),
  serial: z.string().trim().min(1).max(120).nullable().optional(),
  siteId: z.uuid().nullable().optional(),
  ipAddresses: z.array(ip).max(16),
  macAddresses: z.array(mac).max(16),
  networkSegment: z.string().trim().max(60).nullable().optional(),
  segmentedFromOffice: z.boolean().nullable().optional(),
  internetExposed: z.boolean(),
  criticality: z.enum(CRITICALITIES),
  safetyCritical: z.boolean(),
  dataHeld: z.enum(DATA_HELD),
  credentialState: z.enum(CREDENTIAL_STATES),
  openServices: z.array(openServiceSchema).max(256),
  supportEndDate: day.nullable().optional(),
  secureBoot: z.boolean().nullable().optional(),
  encryptedTransport: z.boolean().nullable().optional(),
  updateMechanism: z.enum(UPDATE_MECHANISMS),
  status: z.enum(DEVICE_STATUSES),
};

/** A new device: one schema for the API, CSV and JSON import; unnamed facts take their defaults. */
export const deviceInputSchema = z.strictObject({
  ...deviceFields,
  ipAddresses: deviceFields.ipAddresses.default([]),
  macAddresses: deviceFields.macAddresses.default([]),
  internetExposed: deviceFields.internetExposed.default(false),
  criticality: deviceFields.criticality.default('medium'),
  safetyCritical: deviceFields.safetyCritical.default(false),
  dataHeld: deviceFields.dataHeld.default('none'),
  credentialState: deviceFields.credentialState.default('unknown'),
  openServices: deviceFields.openServices.default([]),
  updateMechanism: deviceFields.updateMechanism.default('unknown'),
  status: deviceFields.status.default('active'),
});
export type DeviceInput = z.output<typeof deviceInputSchema>;

/** A change to a device: only the facts it names change. */
export const devicePatchSchema = z.strictObject(deviceFields).partial();
export type DevicePatch = z.output<typeof devicePatchSchema>;

/** Columns of the CSV layout, in export order. `site` names a site (created on import if new). */
export const CSV_COLUMNS = [
  'name',
  'kind',
  'vendor',
  'product',
  'model',
  'firmwareVersion',
  'serial',
  'site',
  'ipAddresses',
  'macAddresses',
  'networkSegment',
  'segmentedFromOffice',
  'internetExposed',
  'criticality',
  'safetyCritical',
  'dataHeld',
  'credentialState',
  'openServices',
  'supportEndDate',
  'secureBoot',
  'encryptedTransport',
  'updateMechanism',
  'status',
] as const;

const BOOL_COLUMNS = new Set([
  'segmentedFromOffice',
  'internetExposed',
  'safetyCritical',
  'secureBoot',
  'encryptedTransport',
]);
const LIST_COLUMNS = new Set(['ipAddresses', 'macAddresses']);

/** Turn zod issues into details naming the field (and the line, when given). */
export function zodDetails(error: z.ZodError, line?: number, prefix = ''): ErrorDetail[] {
  return error.issues.map((i) => {
    const field = prefix + i.path.map(String).join('.');
    return { line, field: field || undefined, message: i.message };
  });
}

/** "23/tcp:telnet; 502/tcp" -> open services; throws a message for a bad item. */
export function parseOpenServices(
  cell: string,
): { port: number; protocol: 'tcp' | 'udp'; service: string | null }[] {
  const out: { port: number; protocol: 'tcp' | 'udp'; service: string | null }[] = [];
  for (const raw of cell.split(/[;,]/)) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^(\d{1,5})\/(tcp|udp)(?::([A-Za-z0-9_.-]{1,40}))?$/i.exec(item);
    if (!m || Number(m[1]) > 65535) throw new Error(`"${item}" is not PORT/tcp|udp[:service]`);
    out.push({ port: Number(m[1]), protocol: m[2].toLowerCase() as 'tcp' | 'udp', service: m[3] ?? null });
  }
  return out;
}

export function formatOpenServices(
  list: { port: number; protocol: string; service: string | null }[],
): string {
  return list.map((s) => `${s.port}/${s.protocol}${s.service ? `:${s.service}` : ''}`).join(';');
}

/**
 * One CSV record (header -> cell text) to the JSON shape the schema validates. Empty cells are
 * absent. Throws `{ field, message }` for a cell that cannot be converted.
 */
export function csvRecordToInput(record: Record<string, string>): {
  site?: string;
  input: Record<string, unknown>;
} {
  const input: Record<string, unknown> = {};
  let site: string | undefined;
  for (const [col, rawCell] of Object.entries(record)) {
    const cell = rawCell.trim();
    if (cell === '') continue;
    if (col === 'site') {
      site = cell;
    } else if (BOOL_COLUMNS.has(col)) {
      if (/^(true|yes|1|y)$/i.test(cell)) input[col] = true;
      else if (/^(false|no|0|n)$/i.test(cell)) input[col] = false;
      else throw { field: col, message: `"${cell}" is not true/false` };
    } else if (LIST_COLUMNS.has(col)) {
      input[col] = cell.split(/[;\s]+/).filter(Boolean);
    } else if (col === 'openServices') {
      try {
        input[col] = parseOpenServices(cell);
      } catch (e) {
        throw { field: col, message: (e as Error).message };
      }
    } else {
      input[col] = cell;
    }
  }
  return { site, input };
}
