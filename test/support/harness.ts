import pg from 'pg';
import { ManualClock, silentLogger } from '../../src/core';
import type { Role } from '../../src/modules/tenancy';
import { buildApp } from '../../src/server/app';
import { Metrics } from '../../src/server/metrics';
import { createServices, type Services } from '../../src/server/services';
import { openStore, type Store } from '../../src/store';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database: PGlite in memory, or a new PostgreSQL database dropped on close. */
export async function freshStore(kind: 'pglite' | 'postgres'): Promise<Store> {
  if (kind === 'pglite') return openStore({});
  const name = `cw_test_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: url.toString() });
  return {
    ...store,
    close: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export const PASSWORD = 'correct horse battery';

export interface World {
  services: Services;
  clock: ManualClock;
  orgs: { insurer: string; acme: string; clinic: string };
  users: Record<string, { email: string; role: Role; orgId: string }>;
}

/** Two insured organisations, one insurer related to acme only, and a user per role. */
export async function seedWorld(store: Store): Promise<World> {
  const clock = new ManualClock('2026-11-01T09:00:00Z');
  const services = createServices(store, clock, silentLogger());
  const { tenancy } = services;
  const suffix = Math.random().toString(36).slice(2, 7);
  const insurer = await tenancy.createOrganisation({ name: `Northwind Mutual ${suffix}`, kind: 'insurer' });
  const acme = await tenancy.createOrganisation({ name: `Acme Manufacturing ${suffix}`, kind: 'insured' });
  const clinic = await tenancy.createOrganisation({ name: `Riverside Clinic ${suffix}`, kind: 'insured' });
  await tenancy.relate(insurer.id, acme.id, 'submission');
  const users: World['users'] = {};
  const add = async (key: string, orgId: string, role: Role) => {
    const email = `${key}.${suffix}@example.test`;
    await tenancy.createUser(orgId, { email, name: key, password: PASSWORD, role });
    users[key] = { email, role, orgId };
  };
  for (const role of ['admin', 'analyst', 'viewer'] as const) {
    await add(`acme-${role}`, acme.id, role);
    await add(`clinic-${role}`, clinic.id, role);
  }
  for (const role of ['admin', 'underwriter', 'adjuster', 'viewer'] as const)
    await add(`insurer-${role}`, insurer.id, role);
  return { services, clock, orgs: { insurer: insurer.id, acme: acme.id, clinic: clinic.id }, users };
}

export async function testApp(world: World) {
  return buildApp({ services: world.services, metrics: new Metrics(), serveWeb: false });
}

/** Sign in and return the session cookie header value. */
export async function signIn(app: Awaited<ReturnType<typeof testApp>>, email: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in failed for ${email}: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'cw_session');
  if (!cookie) throw new Error('no session cookie');
  return `cw_session=${cookie.value}`;
}
