// Every table of every module, for drizzle-kit (one migration set) and the typed database handle.

export * from '../modules/alerts/schema';
export * from '../modules/inventory/schema';
export * from '../modules/ledger/schema';
export * from '../modules/risk/schema';
export * from '../modules/tenancy/schema';
export * from '../modules/underwriting/schema';
export * from '../modules/vulnerabilities/schema';
