import { EventEmitter } from 'node:events';
import type { Clock, Logger } from '../core';
import { AlertService, type AlertView } from '../modules/alerts';
import { BaselineService } from '../modules/compliance';
import { CredentialService, InventoryService } from '../modules/inventory';
import { LedgerService } from '../modules/ledger';
import { ControlService, RiskService } from '../modules/risk';
import { TenancyService } from '../modules/tenancy';
import { filingInForce, QuoteService, SubmissionService } from '../modules/underwriting';
import { FeedService, FindingsService } from '../modules/vulnerabilities';
import { type Store, TenantScope, tables } from '../store';

/** Device facts whose change can change its findings. */
const REASSESS_ON = ['firmwareVersion', 'openServices', 'internetExposed', 'credentialState', 'status'];

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
  feeds: FeedService;
  findings: FindingsService;
  risk: RiskService;
  controls: ControlService;
  baselines: BaselineService;
  quotes: QuoteService;
  // --- more module services: add the field here ---
}

export function createServices(store: Store, clock: Clock, logger: Logger): Services {
  const tenancy = new TenancyService(store.db, clock);
  const inventory = new InventoryService(tenancy, clock);
  const credentials = new CredentialService(store.db, tenancy, clock);
  const alerts = new AlertService(store.db, tenancy, inventory, clock);
  const alertHub = new AlertHub();
  const services = { store, clock, logger, tenancy, inventory, credentials, alerts, alertHub } as Services;
  // The server points the key at its configured DATA_DIR (start.ts); this default serves the CLI.
  services.ledger = new LedgerService(store.db, tenancy, clock, {
    dataDir: process.env.DATA_DIR || '.coverwatch',
  });
  services.feeds = new FeedService(store.db, clock);
  services.findings = new FindingsService(services.feeds, inventory, clock);
  services.risk = new RiskService(
    {
      allDevices: (scope) => inventory.allDevices(scope),
      openFindings: (scope) => services.findings.openFindings(scope),
      alertCountsByDevice: (scope, since) => alerts.alertCountsByDevice(scope, since),
    },
    clock,
  );
  // Attested controls count in the risk score at once (re-recorded in the attesting transaction) and
  // name the rate filing's credit for them.
  services.controls = new ControlService(
    tenancy,
    clock,
    (scope) => services.risk.record(scope),
    (asOf) => {
      const filing = filingInForce('iot-cyber', asOf);
      return filing ? filing.controls.map((c) => ({ filingId: filing.id, ...c })) : [];
    },
  );
  services.baselines = new BaselineService(
    {
      allDevices: (scope) => inventory.allDevices(scope),
      openFindings: (scope) => services.findings.openFindings(scope),
    },
    clock,
  );
  // --- more module services: construct here and add to `services` ---
  // Quotes read the insured's measured assessment: stored findings, device facts, recent alerts.
  const submissions = new SubmissionService(tenancy, clock, {
    describe: 'measured assessment: open findings (CVE, KEV, configuration), device facts, 30-day alerts',
    load: (ctx) => services.risk.assessmentInput(ctx.scope),
  });
  services.quotes = new QuoteService(store.db, tenancy, submissions, clock);
  services.quotes.onBind(async (p, scope) => {
    await services.ledger.append(scope, {
      type: 'policy_document',
      ref: p.id,
      payload: { number: p.number, declarationsSha256: p.declarationsHash, quoteId: p.quoteId },
    });
  });
  // Endorsement and cancellation documents are logged the same way as the declarations page.
  services.quotes.onPolicyDocument(async (d, scope) => {
    await services.ledger.append(scope, {
      type: 'policy_document',
      ref: d.policyId,
      payload: { number: d.number, document: d.kind, sequence: d.sequence, sha256: d.sha256 },
    });
  });

  // --- cross-module wiring (listeners run inside the writer's transaction) ---
  // Evidence: every device change and every alert version is logged in the same transaction.
  inventory.onDeviceChange(async (c, scope) => {
    await services.ledger.append(scope, { type: 'device_change', ref: c.deviceId, payload: c, time: c.at });
  });
  // Alert versions are logged when raised, when their severity rises, and at most once a minute while they
  // keep merging windows (EVIDENCE_INTERVAL_MS in alerts.service.ts; the rest by logPendingEvidence).
  alerts.onEvidence(async (a, scope) => {
    await services.ledger.append(scope, { type: 'alert', ref: a.id, payload: a });
  });
  // A person's response to an alert (acknowledge, resolve, false positive) is evidence too.
  alerts.onTriage(async (t, scope) => {
    await services.ledger.append(scope, {
      type: 'response_action',
      ref: t.alertId,
      payload: t,
      time: new Date(t.at),
    });
  });
  // Findings follow the device: a firmware or exposure change re-evaluates it in the same transaction.
  inventory.onDeviceChange(async (c, scope) => {
    if (REASSESS_ON.some((k) => k in c.change)) await services.findings.assessDevice(scope, c.deviceId);
  });
  // A created or imported device gets its findings in the creating transaction.
  inventory.onDevicesCreated(async (ids, scope) => {
    await services.findings.assessDevices(scope, ids);
  });
  // Each assessment stores the risk scores it leads to (the trend chart's history).
  services.findings.onAssessed(async (scope) => {
    await services.risk.record(scope);
  });
  // New feeds change every organisation's findings.
  services.feeds.onImport(async () => {
    const orgs = await store.db.selectDistinct({ orgId: tables.devices.orgId }).from(tables.devices);
    for (const { orgId } of orgs)
      await services.findings.assessOrganisation(new TenantScope(store.db, orgId));
  });
  alerts.onAlert((a) => {
    // After the transaction commits would be ideal; a stream seeing an alert a moment early is harmless.
    setImmediate(() => alertHub.publish(a.orgId, a));
  });
  return services;
}
