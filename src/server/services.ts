import { EventEmitter } from 'node:events';
import type { Clock, Logger } from '../core';
import { AlertService, type AlertView } from '../modules/detection';
import { CredentialService, InventoryService } from '../modules/inventory';
import { LedgerService } from '../modules/ledger';
import { TenancyService } from '../modules/tenancy';
import type { Store } from '../store';

/** In-process fan-out of stored alerts to dashboard streams, per organisation. */
export class AlertHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  publish(orgId: string, a: AlertView): void {
    this.emitter.emit(orgId, a);
  }
  subscribe(orgId: string, fn: (a: AlertView) => void): () => void {
    this.emitter.on(orgId, fn);
    return () => this.emitter.off(orgId, fn);
  }
}

/** Every service of the product, wired once per process (or per test). */
export interface Services {
  store: Store;
  clock: Clock;
  logger: Logger;
  tenancy: TenancyService;
  inventory: InventoryService;
  credentials: CredentialService;
  alerts: AlertService;
  alertHub: AlertHub;
  ledger: LedgerService;
  // --- more module services: add the field here ---
}

export function createServices(store: Store, clock: Clock, logger: Logger): Services {
  const tenancy = new TenancyService(store.db, clock);
  const inventory = new InventoryService(tenancy, clock);
  const credentials = new CredentialService(store.db, tenancy, clock);
  const alerts = new AlertService(tenancy, inventory, clock);
  const alertHub = new AlertHub();
  const services = { store, clock, logger, tenancy, inventory, credentials, alerts, alertHub } as Services;
  // The server points the key at its configured DATA_DIR (start.ts); this default serves the CLI.
  services.ledger = new LedgerService(store.db, tenancy, clock, {
    dataDir: process.env.DATA_DIR || '.coverwatch',
  });
  // --- more module services: construct here and add to `services` ---

  // --- cross-module wiring (listeners run inside the writer's transaction) ---
  // Evidence: every device change and every alert version is logged in the same transaction.
  inventory.onDeviceChange(async (c, scope) => {
    await services.ledger.append(scope, { type: 'device_change', ref: c.deviceId, payload: c, time: c.at });
  });
  alerts.onAlert(async (a, _created, scope) => {
    await services.ledger.append(scope, { type: 'alert', ref: a.id, payload: a });
  });
  alerts.onAlert((a) => {
    // After the transaction commits would be ideal; a stream seeing an alert a moment early is harmless.
    setImmediate(() => alertHub.publish(a.orgId, a));
  });
  return services;
}
