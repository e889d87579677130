import { count } from 'drizzle-orm';
import { newSecret, seededRng } from '../core';
import type { DeviceInput } from '../modules/inventory';
import { type Role, systemActor } from '../modules/tenancy';
import { organisations } from '../modules/tenancy/schema';
import type { Services } from '../server/services';
import { type CatalogueEntry, CLINIC, MANUFACTURER_PLANT } from './catalogue';
import { quoteDemoInsureds } from './insurance';

export interface DemoUser {
  email: string;
  password: string;
  role: Role;
  organisation: string;
}

export interface DemoResult {
  loaded: boolean;
  insurerId?: string;
  insuredIds?: string[];
  users: DemoUser[];
  devices: number;
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

function devicesFor(
  entries: CatalogueEntry[],
  site: string,
  subnet: string,
  serialPrefix: string,
  seed: number,
) {
  const rng = seededRng(seed);
  const out: (DeviceInput & { site: string })[] = [];
  let host = 10;
  for (const e of entries) {
    for (let i = 1; i <= e.count; i++) {
      const mac = `${e.oui}:${hex(rng.int(0, 255))}:${hex(rng.int(0, 255))}:${hex(rng.int(0, 255))}`;
      out.push({
        ...e.facts,
        name: `${e.prefix}-${serialPrefix.toLowerCase()}-${String(i).padStart(2, '0')}`,
        firmwareVersion: rng.pick(e.firmware),
        serial: `${serialPrefix}-${e.key.toUpperCase()}-${String(rng.int(100000, 999999))}-${i}`,
        ipAddresses: [`${subnet}.${host++}`],
        macAddresses: [mac],
        status: 'active',
        site,
      });
    }
  }
  return out;
}

/**
 * Load the demo world on first start with an empty database: one insurer, a manufacturer with two
 * plants and a clinic with two sites (about 220 devices), and a user per role. Passwords are random
 * (printed once by the caller) unless DEMO_PASSWORD fixes them.
 */
export async function loadDemo(
  services: Services,
  opts: { seed?: number; password?: string } = {},
): Promise<DemoResult> {
  const [{ n }] = await services.store.db.select({ n: count() }).from(organisations);
  if (Number(n) > 0) return { loaded: false, users: [], devices: 0 };
  const seed = opts.seed ?? 20261125;
  const { tenancy, inventory } = services;
  const insurer = await tenancy.createOrganisation({
    name: 'Northwind Mutual',
    slug: 'northwind',
    kind: 'insurer',
    country: 'GB',
    industry: 'insurance',
  });
  const acme = await tenancy.createOrganisation({
    name: 'Acme Precision Manufacturing',
    slug: 'acme',
    kind: 'insured',
    country: 'GB',
    industry: 'manufacturing',
    profile: {
      annualRevenue: { amount: 4_200_000_000, currency: 'GBP' },
      recordsHeld: 12_000,
      jurisdictions: ['GB'],
      hourlyDowntimeCost: { amount: 3_500_000, currency: 'GBP' },
      employees: 340,
    },
  });
  const clinic = await tenancy.createOrganisation({
    name: 'Riverside Clinic',
    slug: 'riverside',
    kind: 'insured',
    country: 'DE',
    industry: 'healthcare',
    profile: {
      annualRevenue: { amount: 1_850_000_000, currency: 'EUR' },
      recordsHeld: 85_000,
      jurisdictions: ['DE', 'EU'],
      hourlyDowntimeCost: { amount: 900_000, currency: 'EUR' },
      employees: 160,
    },
  });
  await tenancy.relate(insurer.id, acme.id, 'submission');
  await tenancy.relate(insurer.id, clinic.id, 'submission');

  const users: DemoUser[] = [];
  const addUser = async (orgId: string, orgName: string, email: string, role: Role, name: string) => {
    const password = opts.password ?? newSecret(12);
    await tenancy.createUser(orgId, { email, name, password, role });
    users.push({ email, password, role, organisation: orgName });
  };
  await addUser(insurer.id, insurer.name, 'underwriter@northwind.example', 'underwriter', 'Uma Underwood');
  await addUser(insurer.id, insurer.name, 'adjuster@northwind.example', 'adjuster', 'Adam Juster');
  await addUser(insurer.id, insurer.name, 'admin@northwind.example', 'admin', 'Nora Admin');
  await addUser(acme.id, acme.name, 'admin@acme.example', 'admin', 'Alex Admin');
  await addUser(acme.id, acme.name, 'analyst@acme.example', 'analyst', 'Ana Lyst');
  await addUser(acme.id, acme.name, 'auditor@acme.example', 'viewer', 'Audrey Auditor');
  await addUser(clinic.id, clinic.name, 'admin@riverside.example', 'admin', 'Rita Admin');
  await addUser(clinic.id, clinic.name, 'analyst@riverside.example', 'analyst', 'Sam Analyst');

  let devices = 0;
  const fleets: [string, CatalogueEntry[], { site: string; subnet: string; code: string }[]][] = [
    [
      acme.id,
      MANUFACTURER_PLANT,
      [
        { site: 'Plant 1 - Leeds', subnet: '10.10.1', code: 'LDS' },
        { site: 'Plant 2 - Sheffield', subnet: '10.20.1', code: 'SHF' },
      ],
    ],
    [
      clinic.id,
      CLINIC,
      [
        { site: 'Main building', subnet: '10.30.1', code: 'MAIN' },
        { site: 'Outpatient wing', subnet: '10.40.1', code: 'OPW' },
      ],
    ],
  ];
  for (const [orgId, catalogue, siteList] of fleets) {
    const ctx = await tenancy.context(systemActor(orgId, 'insured'));
    const rows = siteList.flatMap((s, i) =>
      devicesFor(catalogue, s.site, s.subnet, s.code, seed + i * 7919 + orgId.length),
    );
    const csvLike = rows.map(({ site, ...input }) => ({ ...input, site }));
    const res = await inventory.importDevices(ctx, Buffer.from(JSON.stringify(csvLike)), 'json');
    devices += res.created;
  }
  // Configuration findings and risk need no feeds: assess now, so the quotes price measured risk.
  // CVE/KEV findings follow when a feed is imported (`coverwatch feeds import`), which re-assesses.
  for (const id of [acme.id, clinic.id]) await services.findings.assessOrganisation(tenancy.scope(id));
  await quoteDemoInsureds(services, 'underwriter@northwind.example', [acme.id, clinic.id], acme.id);
  return { loaded: true, insurerId: insurer.id, insuredIds: [acme.id, clinic.id], users, devices };
}
