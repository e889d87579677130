import type { Clock, Logger } from '../core';
import { CredentialService, InventoryService } from '../modules/inventory';
import { TenancyService } from '../modules/tenancy';
import type { Store } from '../store';

/** Every service of the product, wired once per process (or per test). */
export interface Services {
  store: Store;
  clock: Clock;
  logger: Logger;
  tenancy: TenancyService;
  inventory: InventoryService;
  credentials: CredentialService;
}

export function createServices(store: Store, clock: Clock, logger: Logger): Services {
  const tenancy = new TenancyService(store.db, clock);
  const inventory = new InventoryService(tenancy, clock);
  const credentials = new CredentialService(store.db, tenancy, clock);
  return { store, clock, logger, tenancy, inventory, credentials };
}
