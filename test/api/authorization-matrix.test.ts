import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/modules/tenancy';
import type { Store } from '../../src/store';
import { freshStore, seedWorld, signIn, testApp, type World } from '../support/harness';

/**
 * For every route, every role, and another organisation's ids: the expected status, and never a
 * foreign row in a body. Roles: acme admin/analyst/viewer act on their own organisation; the
 * insurer's underwriter acts on acme through its relation (read-only) and cannot reach the clinic.
 */
type Caller = 'admin' | 'analyst' | 'viewer' | 'insurer';
type Ids = { device: string; credential: string; token: string; alert: string };
interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string; // OpenAPI form, e.g. /api/v1/devices/{id}
  url: (ids: Ids) => string;
  body?: (n: number) => unknown;
  contentType?: string;
  allowed: Partial<Record<Caller, number>>; // status when allowed; others expect 403
}

let counter = 0;
const MATRIX_ORG = 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6';
const ROUTES: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/alerts',
    url: () => '/api/v1/alerts',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/alerts/{id}',
    url: (i) => `/api/v1/alerts/${i.alert}`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/alerts/{id}',
    url: (i) => `/api/v1/alerts/${i.alert}`,
    body: () => ({ status: 'acknowledged', note: 'triage' }),
    allowed: { admin: 200, analyst: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices/{id}/traffic',
    url: (i) => `/api/v1/devices/${i.device}/traffic`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/me',
    url: () => '/api/v1/me',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/organisations',
    url: () => '/api/v1/organisations',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/users',
    url: () => '/api/v1/users',
    allowed: { admin: 200, analyst: 200, viewer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/users',
    url: () => '/api/v1/users',
    body: (n) => ({
      email: `new${n}@example.test`,
      name: 'N',
      password: 'long enough password',
      role: 'viewer',
    }),
    allowed: { admin: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/tokens',
    url: () => '/api/v1/tokens',
    allowed: { admin: 200, analyst: 200, viewer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    url: () => '/api/v1/tokens',
    body: (n) => ({ name: `t${n}` }),
    allowed: { admin: 201, analyst: 201 },
  },
  { method: 'GET', path: '/api/v1/audit', url: () => '/api/v1/audit', allowed: { admin: 200, viewer: 200 } },
  {
    method: 'GET',
    path: '/api/v1/sites',
    url: () => '/api/v1/sites',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/sites',
    url: () => '/api/v1/sites',
    body: (n) => ({ name: `Site ${n}` }),
    allowed: { admin: 201, analyst: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices',
    url: () => '/api/v1/devices',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/devices',
    url: () => '/api/v1/devices',
    body: (n) => ({ name: `d${n}`, kind: 'sensor', vendor: 'V', product: 'P' }),
    allowed: { admin: 201, analyst: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices/export',
    url: () => '/api/v1/devices/export?format=json',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/devices/import',
    url: () => '/api/v1/devices/import',
    contentType: 'text/csv',
    body: (n) => `name,kind,vendor,product,serial\nimp${n},sensor,V,P,IMP-${n}\n`,
    allowed: { admin: 201, analyst: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices/{id}',
    url: (i) => `/api/v1/devices/${i.device}`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices/{id}/history',
    url: (i) => `/api/v1/devices/${i.device}/history`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/devices/{id}',
    url: (i) => `/api/v1/devices/${i.device}`,
    body: () => ({ firmwareVersion: `1.${++counter}` }),
    allowed: { admin: 200, analyst: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/devices/{id}',
    url: (i) => `/api/v1/devices/${i.device}`,
    allowed: { admin: 200, analyst: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/mqtt/credentials',
    url: () => '/api/v1/mqtt/credentials',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/mqtt/credentials',
    url: () => '/api/v1/mqtt/credentials',
    body: (n) => ({ clientName: `sensor-${n}`, kind: 'sensor' }),
    allowed: { admin: 201, analyst: 201 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/mqtt/credentials/{id}',
    url: (i) => `/api/v1/mqtt/credentials/${i.credential}`,
    allowed: { admin: 204, analyst: 204 },
  },
  {
    method: 'DELETE',
    path: '/api/v1/tokens/{id}',
    url: (i) => `/api/v1/tokens/${i.token}`,
    allowed: { admin: 204 },
  },
  // Ledger: after PATCH /devices/{id} above, acme's log holds entries; the checkpoint is published first.
  {
    method: 'POST',
    path: '/api/v1/ledger/checkpoints',
    url: () => '/api/v1/ledger/checkpoints',
    allowed: { admin: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/ledger/checkpoints/latest',
    url: () => '/api/v1/ledger/checkpoints/latest',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/ledger/entries',
    url: () => '/api/v1/ledger/entries',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/ledger/entries/{index}',
    url: () => '/api/v1/ledger/entries/0',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/ledger/entries/{index}/proof',
    url: () => '/api/v1/ledger/entries/0/proof',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/ledger/consistency',
    url: () => '/api/v1/ledger/consistency?from=1',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/ledger/export',
    url: () => '/api/v1/ledger/export',
    body: () => ({ types: ['device_change'] }),
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/ledger/evidence',
    url: (i) => `/api/v1/ledger/evidence?type=alert&ref=${i.alert}`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  // Assessment (feeds are global: only an administrator in their own organisation may import them).
  {
    method: 'GET',
    path: '/api/v1/feeds',
    url: () => '/api/v1/feeds',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/feeds/cve',
    url: () => '/api/v1/feeds/cve',
    body: (n) => ({
      dataType: 'CVE_RECORD',
      dataVersion: '5.1',
      cveMetadata: { cveId: `CVE-2099-${1000 + n}`, assignerOrgId: MATRIX_ORG, state: 'PUBLISHED' },
      containers: {
        cna: {
          providerMetadata: { orgId: MATRIX_ORG, shortName: 'example' },
          descriptions: [{ lang: 'en', value: 'A bug.' }],
          affected: [
            { vendor: 'Example', product: 'Flux', versions: [{ version: '1.0', status: 'affected' }] },
          ],
          references: [{ url: 'https://example.org/a' }],
        },
      },
    }),
    allowed: { admin: 201 },
  },
  {
    method: 'POST',
    path: '/api/v1/feeds/kev',
    url: () => '/api/v1/feeds/kev',
    body: () => ({
      title: 'KEV',
      catalogVersion: '2099.01.01',
      dateReleased: '2099-01-01T00:00:00Z',
      count: 0,
      vulnerabilities: [],
    }),
    allowed: { admin: 201 },
  },
  {
    method: 'POST',
    path: '/api/v1/feeds/epss',
    url: () => '/api/v1/feeds/epss',
    contentType: 'text/csv',
    body: () =>
      '#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2099-0001,0.5,0.9\n',
    allowed: { admin: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/findings',
    url: () => '/api/v1/findings',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices/{id}/findings',
    url: (i) => `/api/v1/devices/${i.device}/findings`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/assessments',
    url: () => '/api/v1/assessments',
    allowed: { admin: 201, analyst: 201 },
  },
  {
    method: 'GET',
    path: '/api/v1/baselines',
    url: () => '/api/v1/baselines',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/baselines/{id}/evaluation',
    url: () => '/api/v1/baselines/uk-psti/evaluation',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/baselines/{id}/report',
    url: () => '/api/v1/baselines/uk-psti/report',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/risk',
    url: () => '/api/v1/risk',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/risk/history',
    url: () => '/api/v1/risk/history',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/controls',
    url: () => '/api/v1/controls',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  // Controls are attested by the insured's administrators only; an insurer reads them, never writes.
  {
    method: 'PUT',
    path: '/api/v1/controls/{control}',
    url: () => '/api/v1/controls/offline_backups',
    body: (n) => ({ attested: true, evidence: `backup restore test ${n}`, expiresAt: '2027-06-30' }),
    allowed: { admin: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/devices/{id}/risk',
    url: (i) => `/api/v1/devices/${i.device}/risk`,
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  // Underwriting: quoting, deciding and binding are done by an insurer's user in its OWN organisation,
  // so every caller here (insureds, and the underwriter acting inside acme) is refused. Reads are
  // allowed; a quote or policy id that is not theirs (here a device id) answers 404, before any 403.
  {
    method: 'GET',
    path: '/api/v1/underwriting/submissions',
    url: () => '/api/v1/underwriting/submissions',
    allowed: {},
  },
  {
    method: 'POST',
    path: '/api/v1/underwriting/quotes',
    url: () => '/api/v1/underwriting/quotes',
    body: () => ({
      insuredOrgId: '00000000-0000-4000-8000-000000000000',
      aggregateLimit: { amount: 100_000_000, currency: 'USD' },
      retention: { amount: 2_500_000, currency: 'USD' },
      waitingPeriodHours: 12,
    }),
    allowed: {},
  },
  {
    method: 'GET',
    path: '/api/v1/underwriting/quotes',
    url: () => '/api/v1/underwriting/quotes',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/underwriting/quotes/{id}',
    url: (i) => `/api/v1/underwriting/quotes/${i.device}`,
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'POST',
    path: '/api/v1/underwriting/quotes/{id}/decision',
    url: (i) => `/api/v1/underwriting/quotes/${i.device}/decision`,
    body: () => ({ outcome: 'approve', reason: 'matrix' }),
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'POST',
    path: '/api/v1/underwriting/quotes/{id}/bind',
    url: (i) => `/api/v1/underwriting/quotes/${i.device}/bind`,
    body: () => ({}),
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'GET',
    path: '/api/v1/policies',
    url: () => '/api/v1/policies',
    allowed: { admin: 200, analyst: 200, viewer: 200, insurer: 200 },
  },
  {
    method: 'GET',
    path: '/api/v1/policies/{id}',
    url: (i) => `/api/v1/policies/${i.device}`,
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'GET',
    path: '/api/v1/policies/{id}/declarations',
    url: (i) => `/api/v1/policies/${i.device}/declarations`,
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'POST',
    path: '/api/v1/policies/{id}/endorsements',
    url: (i) => `/api/v1/policies/${i.device}/endorsements`,
    body: () => ({ effectiveDate: '2026-12-01', reason: 'matrix' }),
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'POST',
    path: '/api/v1/policies/{id}/cancel',
    url: (i) => `/api/v1/policies/${i.device}/cancel`,
    body: () => ({ effectiveDate: '2026-12-01', reason: 'matrix' }),
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
  {
    method: 'GET',
    path: '/api/v1/policies/{id}/premium-reductions',
    url: (i) => `/api/v1/policies/${i.device}/premium-reductions`,
    allowed: { admin: 404, analyst: 404, viewer: 404, insurer: 404 },
  },
];

const PUBLIC = new Set(['POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'GET /api/v1/ledger/key']);
// A server-sent event stream never ends, so inject() cannot wait for it here; test/e2e/alerts.test.ts
// drives it in a browser, and it resolves the tenant through the same contextOf as every route.
const STREAMS = new Set(['GET /api/v1/alerts/stream']);

describe('authorization matrix', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  const cookies: Record<string, string> = {};
  let acmeIds: Ids;
  let clinicIds: Ids;
  const acmeMarkers: string[] = [];

  const makeIds = async (orgId: string, tag: string): Promise<Ids> => {
    const { tenancy, inventory, credentials } = world.services;
    const ctx = await tenancy.context(systemActor(orgId, 'insured'));
    const device = await inventory.createDevice(ctx, {
      name: `marker-${tag}`,
      kind: 'camera',
      vendor: 'Hikvision',
      product: `product-${tag}`,
      serial: `SER-${tag}`,
      ipAddresses: [],
      macAddresses: [],
      internetExposed: false,
      criticality: 'low',
      safetyCritical: false,
      dataHeld: 'none',
      credentialState: 'unknown',
      openServices: [],
      updateMechanism: 'unknown',
      status: 'active',
    });
    const cred = await credentials.create(ctx, { clientName: `cred-${tag}`, kind: 'sensor' });
    const adminCtx = await tenancy.context(await tenancy.actorByEmail(world.users[`${tag}-admin`].email));
    const token = await tenancy.createToken(adminCtx, `token-${tag}`);
    const alert = await world.services.alerts.record(
      orgId,
      {
        behaviour: 'port_scan_horizontal',
        subject: `10.9.9.${tag.length}`,
        technique: {
          id: 'T1046',
          name: 'Network Service Discovery',
          matrix: 'enterprise',
          tactic: 'discovery',
        },
        severity: 'medium',
        score: 0.7,
        summary: `alert-${tag}`,
        firstSeen: 1_790_000_000,
        lastSeen: 1_790_000_060,
        count: 3,
        evidence: { recordIds: [`rec-${tag}`] },
      },
      'flows',
    );
    return { device: device.id, credential: cred.id, token: token.id, alert: alert.id };
  };

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    app = await testApp(world);
    for (const key of ['acme-admin', 'acme-analyst', 'acme-viewer', 'insurer-underwriter', 'clinic-admin']) {
      cookies[key] = await signIn(app, world.users[key].email);
    }
    acmeIds = await makeIds(world.orgs.acme, 'acme');
    clinicIds = await makeIds(world.orgs.clinic, 'clinic');
    acmeMarkers.push(
      acmeIds.alert,
      'alert-acme',
      acmeIds.device,
      acmeIds.credential,
      acmeIds.token,
      'marker-acme',
      'SER-acme',
      'cred-acme',
    );
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const call = (r: Route, cookie: string | null, ids: Ids, orgHeader?: string) => {
    const n = ++counter;
    const headers: Record<string, string> = {};
    if (cookie) headers.cookie = cookie;
    if (orgHeader) headers['x-org-id'] = orgHeader;
    const body = r.body?.(n);
    if (body !== undefined) headers['content-type'] = r.contentType ?? 'application/json';
    return app.inject({
      method: r.method,
      url: r.url(ids),
      headers,
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  };

  it('covers every route in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, object>;
    };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const covered = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    const missing = documented.filter((k) => !covered.has(k) && !PUBLIC.has(k) && !STREAMS.has(k));
    expect(missing).toEqual([]);
  });

  // Destructive routes last, so earlier calls still see the device and credential.
  const ordered = [...ROUTES].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

  for (const r of ordered) {
    it(`${r.method} ${r.path}: unauthenticated -> 401`, async () => {
      const res = await call(r, null, acmeIds);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.kind).toBe('unauthenticated');
    });

    for (const caller of ['viewer', 'analyst', 'insurer', 'admin'] as const) {
      const expected = r.allowed[caller] ?? 403;
      it(`${r.method} ${r.path}: ${caller} -> ${expected}`, async () => {
        const key = caller === 'insurer' ? 'insurer-underwriter' : `acme-${caller}`;
        const res = await call(r, cookies[key], acmeIds, caller === 'insurer' ? world.orgs.acme : undefined);
        expect(res.statusCode, res.body).toBe(expected);
      });
    }

    it(`${r.method} ${r.path}: insurer on an insured it has no relation with -> 404`, async () => {
      const res = await call(r, cookies['insurer-underwriter'], clinicIds, world.orgs.clinic);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('marker-clinic');
    });

    it(`${r.method} ${r.path}: another organisation's ids -> never a foreign row`, async () => {
      const res = await call(r, cookies['clinic-admin'], acmeIds);
      if (r.url(acmeIds) !== r.url(clinicIds)) expect(res.statusCode).toBe(404);
      for (const marker of acmeMarkers) expect(res.body).not.toContain(marker);
    });

    it(`${r.method} ${r.path}: an insured cannot switch to another insured -> 404`, async () => {
      const res = await call(r, cookies['clinic-admin'], clinicIds, world.orgs.acme);
      expect(res.statusCode).toBe(404);
      for (const marker of acmeMarkers) expect(res.body).not.toContain(marker);
    });
  }
});
