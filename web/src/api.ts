/**
 * Typed client for the CoverWatch HTTP API (/api/v1; the OpenAPI document is /api/openapi.json).
 * Every call sends the session cookie and, when an insurer user acts on an insured organisation,
 * the `x-org-id` header. Every failure is thrown as an ApiError carrying the server's one error
 * shape (src/server/errors.ts).
 */

// ---- wire types (mirror the API responses, not server internals) ----

export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  | 'too_large'
  | 'network';

export interface ErrorDetail {
  line?: number;
  field?: string;
  offset?: number;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly kind: ErrorKind,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type OrgKind = 'insured' | 'insurer';
export type Access = 'own' | 'insurer';
export type Permission =
  | 'read'
  | 'inventory:write'
  | 'credentials:manage'
  | 'users:manage'
  | 'tokens:create'
  | 'audit:read'
  | 'underwriting:write'
  | 'claims:write';

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
  kind: OrgKind;
}

export interface Me {
  actor: {
    kind: 'user' | 'token' | 'mqtt' | 'system';
    userId: string | null;
    email: string | null;
    name: string | null;
    role: string;
    orgId: string;
    orgKind: OrgKind;
  };
  acting: OrgRef & { access: Access; permissions: Permission[] };
  organisations: (OrgRef & { access: Access })[];
}

// Enumerations of src/modules/inventory/domain/device-input.ts (the server validates; these drive the UI).
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
export const DEVICE_STATUSES = ['active', 'quarantined', 'retired'] as const;
export const DEVICE_SORTS = ['name', 'kind', 'vendor', 'lastSeenAt', 'criticality'] as const;

export type DeviceKind = (typeof DEVICE_KINDS)[number];
export type Criticality = (typeof CRITICALITIES)[number];
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];
export type DeviceSort = (typeof DEVICE_SORTS)[number];

export interface OpenService {
  port: number;
  protocol: 'tcp' | 'udp';
  service: string | null;
}

export interface Device {
  id: string;
  orgId: string;
  siteId: string | null;
  name: string;
  kind: DeviceKind;
  vendor: string;
  product: string;
  model: string | null;
  firmwareVersion: string | null;
  serial: string | null;
  ipAddresses: string[];
  macAddresses: string[];
  networkSegment: string | null;
  segmentedFromOffice: boolean | null;
  internetExposed: boolean;
  criticality: Criticality;
  safetyCritical: boolean;
  dataHeld: 'none' | 'operational' | 'personal' | 'health' | 'payment';
  credentialState: 'unique' | 'default' | 'shared' | 'unknown';
  openServices: OpenService[];
  supportEndDate: string | null;
  secureBoot: boolean | null;
  encryptedTransport: boolean | null;
  updateMechanism: 'automatic' | 'manual' | 'none' | 'unknown';
  status: DeviceStatus;
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Site {
  id: string;
  name: string;
  address: string | null;
  country: string | null;
  deviceCount: number;
}

export interface DeviceHistoryEntry {
  id: string;
  change: Record<string, { from: unknown; to: unknown }>;
  source: string;
  at: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Query of GET /api/v1/devices; lists (kind, status, criticality) are comma-separated on the wire. */
export interface DeviceQuery {
  kind?: string;
  siteId?: string;
  status?: string;
  criticality?: string;
  exposed?: boolean;
  q?: string;
  sort?: DeviceSort;
  limit?: number;
  offset?: number;
}

export interface ImportResult {
  created: number;
  sitesCreated: string[];
}

// ---- detection (src/modules/alerts/alerts.service.ts AlertView) ----

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
/**
 * What the detectors emit: the flow rules' behaviours and the packet detector's techniques. The server
 * filters; this list drives the menu. test/web/api-parity.test.ts keeps it equal to the server's.
 */
export const ALERT_BEHAVIOURS = [
  'port_scan_horizontal',
  'port_scan_vertical',
  'failed_connections',
  'bruteforce',
  'cnc_beacon',
  'flood',
  'exfiltration',
  'unauthorized_command',
  'point_tag_identification',
  'remote_system_information_discovery',
  'remote_services',
  'new_conversation',
  'new_service',
  'new_talker',
  'arp_rebind',
  'scan_anomaly',
  'traffic_anomaly',
] as const;
export type Severity = (typeof SEVERITIES)[number];
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface Alert {
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

/** Query of GET /api/v1/alerts; severity, status and behaviour are comma-separated lists on the wire. */
export interface AlertQuery {
  severity?: string;
  status?: string;
  behaviour?: string;
  technique?: string;
  deviceId?: string;
  since?: string;
  limit?: number;
  offset?: number;
}

export interface AuditEntry {
  id: string;
  actor: string;
  actorKind: string;
  action: string;
  entity: string;
  entityId: string | null;
  details: Record<string, unknown>;
  at: string;
}

export interface TrafficPoint {
  minute: string;
  flows: number;
  packets: number;
  bytes: number;
  alerting: number;
}

/**
 * URL of the server-sent alert stream. EventSource cannot send headers, so the acting organisation
 * goes in the query (the server reads ?org= on this route only).
 */
export function alertStreamUrl(): string {
  return `/api/v1/alerts/stream${queryString({ org: actingOrgId() })}`;
}

// ---- acting organisation (x-org-id) ----

const ORG_KEY = 'coverwatch.orgId';

/** The organisation an insurer user acts on; null means the user's own. Kept across reloads. */
export function actingOrgId(): string | null {
  try {
    return localStorage.getItem(ORG_KEY);
  } catch {
    return null;
  }
}

export function setActingOrgId(id: string | null): void {
  try {
    if (id) localStorage.setItem(ORG_KEY, id);
    else localStorage.removeItem(ORG_KEY);
  } catch {
    // Storage may be disabled; the header is then simply not sent and the user acts on its own org.
  }
}

// ---- transport ----

const sessionLost = new Set<() => void>();

/** Called when any request answers 401 (session expired or signed out elsewhere). */
export function onSessionLost(fn: () => void): () => void {
  sessionLost.add(fn);
  return () => sessionLost.delete(fn);
}

type QueryValue = string | number | boolean | undefined | null;

export function queryString(query: Record<string, QueryValue> | object | undefined): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query as Record<string, QueryValue>)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: object;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
}

async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const org = actingOrgId();
  if (org) headers['x-org-id'] = org;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.contentType) {
    headers['content-type'] = opts.contentType;
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}${queryString(opts.query)}`, {
      method: opts.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `the server cannot be reached (${(e as Error).message})`);
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && path !== '/auth/login' && path !== '/me') for (const fn of sessionLost) fn();
    throw err;
  }
  return res;
}

async function errorOf(res: Response): Promise<ApiError> {
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  const e = (parsed as { error?: Partial<{ kind: ErrorKind; message: string; details: ErrorDetail[] }> })
    ?.error;
  const requestId = res.headers.get('x-request-id') ?? undefined;
  if (e && typeof e.message === 'string') {
    return new ApiError(res.status, e.kind ?? 'internal', e.message, e.details ?? [], requestId);
  }
  return new ApiError(res.status, 'internal', `${res.status} ${res.statusText}`, [], requestId);
}

async function json<T>(path: string, opts?: RequestOptions): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

// ---- assessment: findings, risk, baselines ----

export interface Finding {
  id: string;
  deviceId: string;
  deviceName?: string;
  kind: 'vuln' | 'config';
  ref: string;
  status: 'affected' | 'needs_review';
  title: string | null;
  reason: string;
  matchedRange: string | null;
  cvss: { version: string; vector: string; baseScore: number; severity: string } | null;
  kev: { dateAdded: string; knownRansomwareCampaignUse: string; dueDate: string } | null;
  epss: number | null;
  severity: string;
  firmwareVersion: string | null;
  firstSeen: string;
  lastSeen: string;
  fixedAt: string | null;
}

export interface FindingQuery {
  deviceId?: string;
  kind?: string;
  status?: string;
  severity?: string;
  kev?: boolean;
  state?: 'open' | 'fixed' | 'all';
  limit?: number;
  offset?: number;
}

export interface RiskFactor {
  id: string;
  name: string;
  contribution: number;
  detail: string;
  devices?: number;
  group?: string;
  source?: string;
}

/** Controls telemetry cannot see, attested by the insured (src/modules/risk/controls.service.ts). */
export interface ControlAttestation {
  id: string;
  control: string;
  attested: boolean;
  evidence: string;
  attestedBy: string;
  attestedByName: string | null;
  attestedAt: string;
  expiresAt: string;
  supersededAt: string | null;
}

export interface ControlView {
  control: string;
  label: string;
  state: 'present' | 'absent' | 'expired';
  source: 'measured' | 'attested' | 'none';
  detail: string;
  attestation: ControlAttestation | null;
  previous: ControlAttestation[];
  feeds: { decision: 'risk_score' | 'fair_scenarios' | 'rating'; detail: string }[];
}

export interface OrganisationRisk {
  asOf: string;
  score: number;
  factors: RiskFactor[];
  topDevices: { deviceId: string; name: string; kind: string; score: number; factors: RiskFactor[] }[];
  recommendations: {
    kind: string;
    target: string;
    summary: string;
    deviceIds: string[];
    reduction: number;
  }[];
}

export interface BaselineSummary {
  id: string;
  title: string;
  version: string;
  source: string;
  requirements: number;
}

export interface BaselineEvaluation {
  baselineId: string;
  asOf: string;
  deviceCount: number;
  totals: { met: number; not_met: number; unknown: number; attested: number };
  requirements: {
    requirementId: string;
    title: string;
    met: number;
    notMet: number;
    unknown: number;
    attested: number;
    failing: { deviceId: string; deviceName: string; explanation: string }[];
  }[];
}

// ---- underwriting: submissions, quotes, policies ----

export interface MoneyValue {
  amount: number;
  currency: string;
}

export interface LossCurve {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  exceedance: { loss: number; probability: number }[];
}

export interface SubmissionRow {
  insured: { id: string; name: string; slug: string };
  quotes: number;
  latestQuote: {
    id: string;
    status: string;
    premium: MoneyValue | null;
    technicalPremium: MoneyValue | null;
    riskScore: number;
    policyId: string | null;
    createdAt: string;
  } | null;
}

export interface WorksheetLineView {
  step: number;
  clause: string;
  name: string;
  value: string;
  derivation: string;
  source: string;
  premiumAfter: MoneyValue;
}

export interface QuoteDetail {
  id: string;
  insuredOrgId: string;
  status: string;
  referralState: string;
  referralDecision: { outcome: string; reason: string; decidedBy: string } | null;
  premium: MoneyValue | null;
  technicalPremium: { premium: MoneyValue; expectedInsuredLoss: MoneyValue; derivation: string } | null;
  adequacy: number | null;
  filing: { id: string; version: string };
  quote: {
    insured: { name: string; industry: string };
    worksheet: WorksheetLineView[];
    referrals: {
      ruleId: string;
      action: string;
      reason: string;
      decision?: { outcome: string; reason: string };
    }[];
    validUntil: string;
  };
  submission: {
    assessment: {
      riskScore: number;
      riskFactors: { name: string; contribution: number; detail?: string }[];
      devicesByKind: Record<string, number>;
      internetExposed: number;
      safetyCritical: number;
      kevOnExposed: number;
    };
  };
  simulation: {
    years: number;
    seed: number;
    currency: string;
    total: LossCurve;
    scenarios: { id: string; name: string; summary: LossCurve }[];
  } | null;
  policyId: string | null;
  createdAt: string;
}

export interface SectionTermsView {
  sectionId: string;
  name?: string;
  included?: boolean;
  limit?: MoneyValue;
  sublimit?: MoneyValue | null;
  retention?: MoneyValue;
  waitingPeriodHours?: number | null;
  [key: string]: unknown;
}

export interface PolicyDetail {
  id: string;
  number: string;
  quoteId: string;
  status: string;
  period: { start: string; end: string };
  jurisdiction: string;
  premium: MoneyValue;
  declarationsHash: string;
  policy: {
    insured: { name: string };
    terms: {
      aggregateLimit: MoneyValue;
      retention: MoneyValue;
      sections: SectionTermsView[];
      [key: string]: unknown;
    };
    /** Annual premium rate after endorsements (the binding premium until the first one). */
    annualPremium: MoneyValue;
    endorsements: EndorsementView[];
    cancellation: CancellationView | null;
    [key: string]: unknown;
  };
}

/** An endorsement or cancellation as stored on the policy (src/modules/underwriting/domain/policy.ts). */
export interface EndorsementView {
  number: number;
  effectiveDate: string;
  reason: string;
  requestedBy: string;
  changes: string[];
  annualPremiumBefore: MoneyValue;
  annualPremiumAfter: MoneyValue;
  daysRemaining: number;
  daysInPeriod: number;
  premiumAdjustment: MoneyValue;
  approvedReferrals?: { ruleId: string; reason: string }[];
  documentSha256?: string;
}
export interface CancellationView {
  effectiveDate: string;
  reason: string;
  by: string;
  daysRemaining: number;
  returnPremium: MoneyValue;
  documentSha256?: string;
}
/** "What would lower it" (src/modules/underwriting/domain/premium-reductions.ts). */
export interface PremiumReductionsView {
  premium: MoneyValue | null;
  items: {
    id: string;
    kind: string;
    action: string;
    devices: number;
    premium: MoneyValue;
    saving: MoneyValue;
    savingShare: number;
    text: string;
  }[];
}

// ---- ledger evidence (src/modules/ledger/evidence.ts); verified in the browser by ledger-verify.ts ----

export type LedgerEntryType =
  | 'alert'
  | 'device_change'
  | 'incident_update'
  | 'response_action'
  | 'claim_document'
  | 'claim_decision'
  | 'policy_document';

export interface LedgerEvidenceEntry {
  index: number;
  time: string;
  /** Exact leaf text (canonical JSON of the entry without payload). */
  entry: string;
  payloadHash: string;
  payload: unknown;
  /** Hex leaf hash the log holds at this index. */
  leafHash: string;
  treeSize: number;
  /** Base64 hashes, leaf to root. */
  inclusionProof: string[];
  /** The server's own check: shown only when this browser cannot verify. */
  serverCheck: { ok: true } | { ok: false; check: string; message: string };
}

export interface LedgerEvidence {
  type: LedgerEntryType;
  ref: string;
  total: number;
  verifierKey: string;
  checkpoint: {
    size: number;
    rootHash: string;
    checkpoint: string;
    createdAt: string;
    publishedNow: boolean;
  };
  /** Newest first. */
  entries: LedgerEvidenceEntry[];
}

// ---- endpoints ----

export const api = {
  login: (email: string, password: string) =>
    json<{ user: unknown }>('/auth/login', { method: 'POST', json: { email, password } }),
  logout: () => json<{ ok: true }>('/auth/logout', { method: 'POST', json: {} }),
  me: (signal?: AbortSignal) => json<Me>('/me', { signal }),

  sites: (signal?: AbortSignal) => json<{ items: Site[] }>('/sites', { signal }),

  devices: (query: DeviceQuery, signal?: AbortSignal) => json<Page<Device>>('/devices', { query, signal }),
  device: (id: string, signal?: AbortSignal) =>
    json<Device>(`/devices/${encodeURIComponent(id)}`, { signal }),
  deviceHistory: (id: string, signal?: AbortSignal) =>
    json<{ items: DeviceHistoryEntry[] }>(`/devices/${encodeURIComponent(id)}/history`, { signal }),
  updateDevice: (id: string, patch: Partial<Pick<Device, 'status'>>) =>
    json<Device>(`/devices/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch }),

  alerts: (query: AlertQuery, signal?: AbortSignal) => json<Page<Alert>>('/alerts', { query, signal }),
  alert: (id: string, signal?: AbortSignal) => json<Alert>(`/alerts/${encodeURIComponent(id)}`, { signal }),
  /** Triage; needs 'inventory:write'. The server writes the change to the audit log. */
  setAlertStatus: (id: string, status: AlertStatus, note?: string) =>
    json<Alert>(`/alerts/${encodeURIComponent(id)}`, { method: 'PATCH', json: { status, note } }),
  /** Needs 'audit:read'; newest first. */
  audit: (query: { entity?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    json<{ total: number; items: AuditEntry[] }>('/audit', { query, signal }),
  deviceTraffic: (id: string, hours: number, signal?: AbortSignal) =>
    json<{ deviceId: string; points: TrafficPoint[] }>(`/devices/${encodeURIComponent(id)}/traffic`, {
      query: { hours },
      signal,
    }),

  findings: (query: FindingQuery, signal?: AbortSignal) =>
    json<Page<Finding>>('/findings', { query, signal }),
  deviceFindings: (id: string, signal?: AbortSignal) =>
    json<{ items: Finding[] }>(`/devices/${encodeURIComponent(id)}/findings`, { signal }),
  /** Re-assess the organisation now; needs 'inventory:write'. */
  runAssessment: () => json<{ devices: number; open: number }>('/assessments', { method: 'POST' }),
  risk: (signal?: AbortSignal) => json<OrganisationRisk>('/risk', { signal }),
  controls: (signal?: AbortSignal) => json<{ asOf: string; items: ControlView[] }>('/controls', { signal }),
  attestControl: (control: string, body: { attested: boolean; evidence: string; expiresAt: string }) =>
    json<ControlView>(`/controls/${encodeURIComponent(control)}`, { method: 'PUT', json: body }),
  riskHistory: (signal?: AbortSignal) =>
    json<{ items: { at: string; score: number }[] }>('/risk/history', { signal }),
  baselines: (signal?: AbortSignal) => json<{ items: BaselineSummary[] }>('/baselines', { signal }),
  baselineEvaluation: (id: string, signal?: AbortSignal) =>
    json<BaselineEvaluation>(`/baselines/${encodeURIComponent(id)}/evaluation`, { signal }),
  /** Fetched (not linked) so the x-org-id header applies. */
  baselineReport: async (id: string): Promise<Blob> =>
    (await send(`/baselines/${encodeURIComponent(id)}/report`)).blob(),

  /** The file is sent as the body; the server validates every row and imports all or none. */
  importDevices: (file: Blob, contentType: 'text/csv' | 'application/json') =>
    json<ImportResult>('/devices/import', { method: 'POST', body: file, contentType }),

  /** Fetched (not linked) so the x-org-id header applies; returns the file and its server-given name. */
  exportDevices: async (format: 'csv' | 'json'): Promise<{ blob: Blob; filename: string }> => {
    const res = await send('/devices/export', { query: { format } });
    const disposition = res.headers.get('content-disposition') ?? '';
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `devices.${format}`;
    return { blob: await res.blob(), filename };
  },
  submissions: (signal?: AbortSignal) =>
    json<{ items: SubmissionRow[] }>('/underwriting/submissions', { signal }),
  quotes: (signal?: AbortSignal) =>
    json<Page<QuoteDetail>>('/underwriting/quotes', { query: { limit: 200 }, signal }),
  quote: (id: string, signal?: AbortSignal) =>
    json<QuoteDetail>(`/underwriting/quotes/${encodeURIComponent(id)}`, { signal }),
  /** Needs 'underwriting:write' in the insurer's own organisation. */
  createQuote: (body: {
    insuredOrgId: string;
    aggregateLimit: MoneyValue;
    retention: MoneyValue;
    waitingPeriodHours: number;
  }) => json<QuoteDetail>('/underwriting/quotes', { method: 'POST', json: body }),
  decideQuote: (id: string, outcome: 'approve' | 'decline', reason: string) =>
    json<QuoteDetail>(`/underwriting/quotes/${encodeURIComponent(id)}/decision`, {
      method: 'POST',
      json: { outcome, reason },
    }),
  bindQuote: (id: string) =>
    json<PolicyDetail>(`/underwriting/quotes/${encodeURIComponent(id)}/bind`, { method: 'POST', json: {} }),
  policies: (signal?: AbortSignal) => json<{ items: PolicyDetail[] }>('/policies', { signal }),
  policy: (id: string, signal?: AbortSignal) =>
    json<PolicyDetail>(`/policies/${encodeURIComponent(id)}`, { signal }),
  endorsePolicy: (
    id: string,
    body: {
      effectiveDate: string;
      reason: string;
      aggregateLimit?: MoneyValue;
      retention?: MoneyValue;
      waitingPeriodHours?: number;
      approveReferrals?: boolean;
    },
  ) => json<PolicyDetail>(`/policies/${encodeURIComponent(id)}/endorsements`, { method: 'POST', json: body }),
  cancelPolicy: (id: string, body: { effectiveDate: string; reason: string }) =>
    json<PolicyDetail>(`/policies/${encodeURIComponent(id)}/cancel`, { method: 'POST', json: body }),
  premiumReductions: (id: string, signal?: AbortSignal) =>
    json<PremiumReductionsView>(`/policies/${encodeURIComponent(id)}/premium-reductions`, { signal }),
  /** Fetched (not linked) so the x-org-id header applies. */
  declarations: async (id: string): Promise<Blob> =>
    (await send(`/policies/${encodeURIComponent(id)}/declarations`)).blob(),
  /** Every logged entry of one record with proofs; 404 when nothing was logged for it. */
  ledgerEvidence: (type: LedgerEntryType, ref: string, signal?: AbortSignal) =>
    json<LedgerEvidence>('/ledger/evidence', { query: { type, ref }, signal }),
};
