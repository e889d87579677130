import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLS, type ControlView } from '../../src/modules/risk';
import { systemActor } from '../../src/modules/tenancy';
import { iotCyberFiling202601 } from '../../src/modules/underwriting';
import { type Store, TenantScope, tables } from '../../src/store';
import { freshStore, PASSWORD, seedWorld, signIn, testApp, type World } from '../support/harness';

/** Attested controls over HTTP: stored with history, audited, counted in risk, read-only for insurers. */
describe('controls API', () => {
  let store: Store;
  let world: World;
  let app: Awaited<ReturnType<typeof testApp>>;
  const cookie: Record<string, string> = {};

  beforeAll(async () => {
    store = await freshStore('pglite');
    world = await seedWorld(store);
    app = await testApp(world);
    for (const k of ['acme-admin', 'acme-analyst', 'acme-viewer', 'insurer-underwriter', 'clinic-admin'])
      cookie[k] = await signIn(app, world.users[k].email);
    const ctx = await world.services.tenancy.context(systemActor(world.orgs.acme, 'insured'));
    await world.services.inventory.createDevice(ctx, {
      name: 'vpn-gateway',
      kind: 'router',
      vendor: 'Zyxel',
      product: 'USG FLEX 100',
      firmwareVersion: '5.10',
      ipAddresses: [],
      macAddresses: [],
      internetExposed: true,
      criticality: 'high',
      safetyCritical: false,
      dataHeld: 'personal',
      credentialState: 'default',
      openServices: [{ port: 23, protocol: 'tcp', service: 'telnet' }],
      updateMechanism: 'manual',
      status: 'active',
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const get = (url: string, who = 'acme-admin', org?: string) =>
    app.inject({
      method: 'GET',
      url,
      headers: { cookie: cookie[who], ...(org ? { 'x-org-id': org } : {}) },
    });
  const put = (control: string, body: unknown, who = 'acme-admin', org?: string) =>
    app.inject({
      method: 'PUT',
      url: `/api/v1/controls/${control}`,
      headers: { cookie: cookie[who], ...(org ? { 'x-org-id': org } : {}) },
      payload: body as object,
    });
  const control = async (id: string, who = 'acme-admin', org?: string) => {
    const res = await get('/api/v1/controls', who, org);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as ControlView[]).find((c) => c.control === id) as ControlView;
  };
  /** The organisation-level factor of a control (negative contribution: it lowers the score). */
  const controlFactor = async (id: string) =>
    ((await get('/api/v1/risk')).json().factors as { id: string; contribution: number }[]).find(
      (f) => f.id === `control:${id}`,
    );
  const mfaFactor = () => controlFactor('mfa_remote_access');

  it('the rate filing credits exactly the controls risk knows, by the same ids', () => {
    expect(iotCyberFiling202601.controls.map((c) => c.control).sort()).toEqual([...CONTROLS].sort());
  });

  it('lists every control as absent before any attestation, with the decisions each feeds', async () => {
    const res = await get('/api/v1/controls');
    const items = res.json().items as ControlView[];
    expect(items.map((c) => c.control)).toEqual([...CONTROLS]);
    for (const c of items) {
      expect(c.state).toBe('absent');
      expect(c.attestation).toBeNull();
      expect(c.feeds.map((f) => f.decision)).toContain('risk_score');
    }
    const mfa = items.find((c) => c.control === 'mfa_remote_access') as ControlView;
    const clause = iotCyberFiling202601.controls.find((c) => c.control === 'mfa_remote_access')?.clause;
    expect(mfa.feeds.find((f) => f.decision === 'rating')?.detail).toContain(`clause ${clause}`);
    expect(mfa.feeds.find((f) => f.decision === 'risk_score')?.detail).toContain('likelihood x0.85');
  });

  it('an insured admin attests MFA: stored, audited, the risk drops and a new history point is recorded', async () => {
    const before = (await get('/api/v1/risk')).json().score as number;
    const historyBefore = (await get('/api/v1/risk/history')).json().items.length as number;
    expect(await mfaFactor()).toBeUndefined();

    const res = await put('mfa_remote_access', {
      attested: true,
      evidence: 'VPN policy export 2026-10, Duo enrolment report',
      expiresAt: '2027-10-31',
    });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json() as ControlView;
    expect(view.state).toBe('present');
    expect(view.source).toBe('attested');
    expect(view.attestation?.evidence).toBe('VPN policy export 2026-10, Duo enrolment report');
    expect(view.attestation?.expiresAt).toBe('2027-10-31T23:59:59.999Z');
    expect(view.attestation?.attestedBy).toMatch(/^user:/);

    const after = (await get('/api/v1/risk')).json().score as number;
    expect(after).toBeLessThan(before);
    expect((await mfaFactor())?.contribution).toBeLessThan(0);
    const device = (await get('/api/v1/risk')).json().topDevices[0].factors as {
      id: string;
      points: number;
      source: string;
    }[];
    expect(device.find((f) => f.id === 'control:mfa_remote_access')).toMatchObject({
      points: 0.85,
      source: 'attested',
    });
    const history = (await get('/api/v1/risk/history')).json().items as { score: number }[];
    expect(history.length).toBe(historyBefore + 1);
    expect(history.at(-1)?.score).toBeCloseTo(after, 6);

    const audit = (await get('/api/v1/audit?entity=control_attestation')).json().items as {
      action: string;
      entityId: string;
    }[];
    expect(audit.map((a) => a.action)).toEqual(['control.attest']);
    expect(audit[0].entityId).toBe(view.attestation?.id);
  });

  it('underwriting reads the stored attestation through the assessment input', async () => {
    const input = await world.services.risk.assessmentInput(new TenantScope(store.db, world.orgs.acme));
    expect(input.attestations).toEqual([
      expect.objectContaining({
        control: 'mfa_remote_access',
        attested: true,
        attestedAt: expect.any(String),
      }),
    ]);
    const clinic = await world.services.risk.assessmentInput(new TenantScope(store.db, world.orgs.clinic));
    expect(clinic.attestations).toEqual([]);
  });

  it('a quote priced after the attestation carries the lower measured risk score', async () => {
    const { tenancy } = world.services;
    const harbour = await tenancy.createOrganisation({
      name: `Harbour Logistics ${world.orgs.acme.slice(0, 5)}`,
      kind: 'insured',
      country: 'GB',
      industry: 'manufacturing',
      profile: {
        annualRevenue: { amount: 900_000_000, currency: 'GBP' },
        recordsHeld: 5_000,
        jurisdictions: ['GB'],
        hourlyDowntimeCost: { amount: 400_000, currency: 'GBP' },
      },
    });
    await tenancy.relate(world.orgs.insurer, harbour.id, 'submission');
    const email = `harbour-admin.${harbour.id.slice(0, 6)}@example.test`;
    await tenancy.createUser(harbour.id, { email, name: 'Harbour admin', password: PASSWORD, role: 'admin' });
    cookie['harbour-admin'] = await signIn(app, email);
    const ctx = await tenancy.context(systemActor(harbour.id, 'insured'));
    await world.services.inventory.createDevice(ctx, {
      name: 'dock-router',
      kind: 'router',
      vendor: 'Zyxel',
      product: 'USG FLEX 100',
      firmwareVersion: '5.10',
      ipAddresses: [],
      macAddresses: [],
      internetExposed: true,
      criticality: 'high',
      safetyCritical: false,
      dataHeld: 'personal',
      credentialState: 'default',
      openServices: [{ port: 23, protocol: 'tcp', service: 'telnet' }],
      updateMechanism: 'manual',
      status: 'active',
    });
    const quote = async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/underwriting/quotes',
        headers: { cookie: cookie['insurer-underwriter'] },
        payload: {
          insuredOrgId: harbour.id,
          aggregateLimit: { amount: 100_000_000, currency: 'USD' },
          retention: { amount: 2_500_000, currency: 'USD' },
          waitingPeriodHours: 12,
          years: 1000,
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      const q = res.json();
      const ctl2 = (q.quote.worksheet as { clause: string; factor: number; derivation: string }[]).find(
        (l) => l.clause === 'CTL-2',
      );
      return { riskScore: q.submission.assessment.riskScore as number, ctl2 };
    };
    const before = await quote();
    expect(before.ctl2).toMatchObject({ factor: 1, derivation: 'neither measured nor attested: no credit' });
    const res = await put(
      'mfa_remote_access',
      { attested: true, evidence: 'VPN MFA policy', expiresAt: '2027-10-31' },
      'harbour-admin',
    );
    expect(res.statusCode, res.body).toBe(200);
    const after = await quote();
    expect(after.riskScore).toBeLessThan(before.riskScore);
    // The stored attestation also earns the rate filing's control credit (CTL-2, MFA on remote access).
    expect(after.ctl2?.factor).toBe(0.95);
    expect(after.ctl2?.derivation).toMatch(
      /^attested \d{4}-\d{2}-\d{2}, expires 2027-10-31, evidence: VPN MFA policy$/,
    );
  });

  it('a new attestation supersedes the previous one; both rows are kept', async () => {
    const first = (await control('mfa_remote_access')).attestation;
    world.clock.advance(60_000);
    const res = await put('mfa_remote_access', {
      attested: false,
      evidence: 'contractor VPN accounts found without MFA',
      expiresAt: '2027-03-31T00:00:00Z',
    });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json() as ControlView;
    expect(view.state).toBe('absent');
    expect(view.detail).toContain('not in place');
    expect(view.previous.map((p) => p.id)).toEqual([first?.id]);
    expect(view.previous[0].supersededAt).toBe(world.clock.now().toISOString());
    const rows = (
      await store.db
        .select()
        .from(tables.controlAttestations)
        .where(eq(tables.controlAttestations.control, 'mfa_remote_access'))
    ).filter((r) => r.orgId === world.orgs.acme);
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.supersededAt === null).map((r) => r.id)).toEqual([view.attestation?.id]);
    expect(rows.find((r) => r.id === first?.id)?.supersededBy).toBe(view.attestation?.id);
    expect(await mfaFactor()).toBeUndefined();
  });

  it('bad input names the field; nothing is stored', async () => {
    const count = async () => (await store.db.select().from(tables.controlAttestations)).length;
    const n = await count();
    const refused = async (body: Record<string, unknown>, field: string) => {
      const res = await put('offline_backups', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details[0].field).toBe(field);
    };
    await refused({ attested: true, evidence: '  ', expiresAt: '2027-01-01' }, 'evidence');
    await refused({ attested: true, evidence: 'tape log', expiresAt: '2026-10-01' }, 'expiresAt');
    await refused({ attested: true, evidence: 'tape log', expiresAt: '2035-01-01' }, 'expiresAt');
    await refused({ attested: 'yes', evidence: 'x', expiresAt: '2027-01-01' }, 'body.attested');
    await refused({ attested: true, evidence: 'x', expiresAt: 'next year' }, 'body.expiresAt');
    const unknown = await put('firewall_rules', { attested: true, evidence: 'x', expiresAt: '2027-01-01' });
    expect(unknown.statusCode).toBe(404);
    expect(await count()).toBe(n);
  });

  it('only insured admins write: analyst and viewer 403, insurer 403 (read-only) or 404 without relation', async () => {
    const body = { attested: true, evidence: 'backup job report', expiresAt: '2027-06-30' };
    expect((await put('offline_backups', body, 'acme-analyst')).statusCode).toBe(403);
    expect((await put('offline_backups', body, 'acme-viewer')).statusCode).toBe(403);
    expect((await put('offline_backups', body, 'insurer-underwriter', world.orgs.acme)).statusCode).toBe(403);
    expect((await put('offline_backups', body, 'insurer-underwriter', world.orgs.clinic)).statusCode).toBe(
      404,
    );
    expect((await put('offline_backups', body, 'clinic-admin', world.orgs.acme)).statusCode).toBe(404);
    expect((await control('offline_backups')).state).toBe('absent');

    // The insurer reads acme's controls through its relation; the clinic never sees acme's.
    expect(
      (await control('mfa_remote_access', 'insurer-underwriter', world.orgs.acme)).attestation?.evidence,
    ).toBe('contractor VPN accounts found without MFA');
    expect((await control('mfa_remote_access', 'clinic-admin')).attestation).toBeNull();
    expect((await get('/api/v1/controls', 'insurer-underwriter', world.orgs.clinic)).statusCode).toBe(404);
  });

  it('an attestation past its expiry shows as expired and no longer lowers the risk', async () => {
    const res = await put('staff_training', {
      attested: true,
      evidence: 'KnowBe4 completion report, 96% of staff',
      expiresAt: '2026-12-31',
    });
    expect(res.statusCode, res.body).toBe(200);
    const withTraining = (await get('/api/v1/risk')).json().score as number;
    expect((await controlFactor('staff_training'))?.contribution).toBeLessThan(0);
    world.clock.set('2027-01-01T00:00:01Z');
    cookie['acme-admin'] = await signIn(app, world.users['acme-admin'].email);
    const expired = await control('staff_training');
    expect(expired.state).toBe('expired');
    expect(expired.detail).toContain('expired');
    expect((await get('/api/v1/risk')).json().score).toBeGreaterThan(withTraining);
    expect(await controlFactor('staff_training')).toBeUndefined();
  });
});
