/**
 * Pieces shared by the alert pages and the device page: badges, the ATT&CK link, the live stream
 * hook and the alert table.
 */
import { useEffect, useRef, useState } from 'react';
import { type Alert, type AlertStatus, alertStreamUrl, type Severity } from '../api';
import { formatCount, formatTime } from '../format';
import { Link } from '../router';
import { Badge, label, type Tone } from './Badge';
import './alerts.css';

const SEVERITY_TONE: Record<Severity, Tone> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

export function SeverityBadge({ value }: { value: Severity }) {
  return <Badge tone={SEVERITY_TONE[value] ?? 'muted'}>{value}</Badge>;
}

const ALERT_STATUS_TONE: Record<AlertStatus, Tone> = {
  open: 'high',
  acknowledged: 'info',
  resolved: 'ok',
  false_positive: 'muted',
};

export function AlertStatusBadge({ value }: { value: AlertStatus }) {
  return <Badge tone={ALERT_STATUS_TONE[value] ?? 'muted'}>{label(value)}</Badge>;
}

/** ATT&CK pages live at /techniques/T1557/002/ for sub-technique T1557.002 (attack.mitre.org URL scheme). */
export function techniqueUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

export function TechniqueLink({
  technique,
  withName = true,
}: {
  technique: Alert['technique'];
  withName?: boolean;
}) {
  return (
    <a
      href={techniqueUrl(technique.id)}
      target="_blank"
      rel="noreferrer"
      title={`MITRE ATT&CK ${technique.matrix === 'ics' ? 'for ICS' : 'Enterprise'}: ${technique.tactic}`}
    >
      <span className="mono">{technique.id}</span>
      {withName && <> {technique.name}</>}
    </a>
  );
}

/** The device the alert is about, or its raw subject (IP or MAC) when no device in the inventory has it. */
export function AlertSubject({ alert }: { alert: Alert }) {
  if (alert.deviceId)
    return (
      <Link to={`/inventory/devices/${alert.deviceId}`} className="strong">
        {alert.deviceName ?? alert.subject}
      </Link>
    );
  return (
    <span className="mono" title="no device in the inventory has this address">
      {alert.subject}
    </span>
  );
}

export type StreamState = 'connecting' | 'live' | 'offline';

/**
 * Subscribe to the organisation's alert stream (server-sent events). The browser's EventSource
 * reconnects by itself after a drop; the state says whether pushes are arriving right now.
 */
export function useAlertStream(onAlert: (a: Alert) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onAlert);
  handler.current = onAlert;
  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setState('offline');
      return;
    }
    const source = new EventSource(alertStreamUrl(), { withCredentials: true });
    source.onopen = () => setState('live');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    source.addEventListener('alert', (e) => {
      try {
        handler.current(JSON.parse((e as MessageEvent<string>).data) as Alert);
      } catch {
        // A malformed event is dropped; the next reload of the list shows the stored truth anyway.
      }
    });
    return () => source.close();
  }, []);
  return state;
}

export function LiveIndicator({ state }: { state: StreamState }) {
  const text = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'offline';
  return (
    <span
      className={`live live-${state}`}
      data-testid="live-indicator"
      title={state === 'live' ? 'new alerts appear as they are detected' : 'not receiving live alerts'}
    >
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function AlertTable({
  items,
  fresh,
  showDevice = true,
}: {
  items: Alert[];
  /** Ids that arrived over the live stream since the page opened; highlighted. */
  fresh?: Set<string>;
  showDevice?: boolean;
}) {
  return (
    <table className="table" data-testid="alert-table">
      <thead>
        <tr>
          <th>Severity</th>
          <th>Behaviour</th>
          <th>ATT&amp;CK technique</th>
          {showDevice && <th>Device / subject</th>}
          <th className="num">Count</th>
          <th>First seen</th>
          <th>Last seen</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id} data-testid="alert-row" className={fresh?.has(a.id) ? 'row-fresh' : undefined}>
            <td>
              <SeverityBadge value={a.severity} />
            </td>
            <td>
              <Link to={`/alerts/${a.id}`} className="strong" title={a.summary}>
                {label(a.behaviour)}
              </Link>
            </td>
            <td>
              <TechniqueLink technique={a.technique} />
            </td>
            {showDevice && (
              <td className="nowrap">
                <AlertSubject alert={a} />
              </td>
            )}
            <td className="num">{formatCount(a.count)}</td>
            <td className="nowrap">{formatTime(a.firstSeen)}</td>
            <td className="nowrap">{formatTime(a.lastSeen)}</td>
            <td>
              <AlertStatusBadge value={a.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
