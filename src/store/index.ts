export {
  type Db,
  migrationsFolder,
  openStore,
  rawRows,
  rowsOf,
  type Schema,
  type Store,
  type StoreOptions,
} from './db';
export * as tables from './schema';
export { type ListOptions, TenantScope, type TenantTable } from './tenant';
