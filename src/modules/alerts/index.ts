/**
 * Alerts: the live path (telemetry from MQTT through the detection engine), the alert store with merging
 * and triage, per-device traffic counters, and their HTTP routes.
 */
export {
  ALERT_STATUSES,
  type AlertFilter,
  type AlertListener,
  AlertService,
  type AlertStatus,
  type AlertTriage,
  type AlertView,
  type EvidenceListener,
} from './alerts.service';
export { flowProblem, LiveDetection, type LiveOptions } from './live';
export { registerAlertRoutes } from './routes';
