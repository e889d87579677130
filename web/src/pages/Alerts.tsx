import { useCallback, useEffect, useRef, useState } from 'react';
import { ALERT_STATUSES, type Alert, type AlertQuery, api, SEVERITIES } from '../api';
import { AlertTable, LiveIndicator, useAlertStream } from '../components/Alerts';
import { label } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatCount } from '../format';
import { useSearchState } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useResource } from '../use-resource';

const PAGE_SIZES = [25, 50, 100, 200];

// What the detectors emit: flow rules (domain/flow-rules.ts BEHAVIOURS) and the packet detector
// (domain/packet-alerts.ts PACKET_TECHNIQUES). The server filters; this list only drives the menu.
const BEHAVIOURS = [
  'port_scan_horizontal',
  'port_scan_vertical',
  'failed_connections',
  'bruteforce',
  'cnc_beacon',
  'flood',
  'exfiltration',
  'unauthorized_command',
  'point_tag_identification',
  'remote_system_information_discovery',
  'remote_services',
  'new_conversation',
  'new_service',
  'new_talker',
  'arp_rebind',
  'scan_anomaly',
  'traffic_anomaly',
];

function queryFrom(search: URLSearchParams): Required<Pick<AlertQuery, 'limit' | 'offset'>> & AlertQuery {
  const num = (k: string, d: number) => {
    const n = Number(search.get(k));
    return search.has(k) && Number.isInteger(n) && n >= 0 ? n : d;
  };
  return {
    severity: search.get('severity') || undefined,
    status: search.get('status') || undefined,
    behaviour: search.get('behaviour') || undefined,
    deviceId: search.get('deviceId') || undefined,
    limit: Math.min(500, Math.max(1, num('limit', 50))),
    offset: num('offset', 0),
  };
}

/** Open alerts, open critical/high ones, and how many distinct devices (or unknown addresses) they touch. */
async function counts(signal: AbortSignal) {
  const [open, severe] = await Promise.all([
    api.alerts({ status: 'open', limit: 500 }, signal),
    api.alerts({ status: 'open', severity: 'critical,high', limit: 1 }, signal),
  ]);
  const subjects = new Set(open.items.map((a) => a.deviceId ?? a.subject));
  return {
    open: open.total,
    severe: severe.total,
    devices: subjects.size,
    capped: open.total > open.items.length,
  };
}

export function AlertsPage(_: PageProps) {
  const { me } = useSession();
  const [search, setSearch] = useSearchState();
  const query = queryFrom(search);
  const key = JSON.stringify(query);
  const alerts = useResource((signal) => api.alerts(query, signal), [key]);
  const tiles = useResource(counts, []);
  const devices = useResource((signal) => api.devices({ limit: 500, sort: 'name' }, signal), []);

  // A push reloads the list (so filters, order and paging stay the server's) after a short pause, so a
  // burst of merged windows costs one request; pushed ids are highlighted until the page is left.
  const [fresh, setFresh] = useState<Set<string>>(() => new Set());
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { reload: reloadList } = alerts;
  const { reload: reloadTiles } = tiles;
  const onAlert = useCallback(
    (a: Alert) => {
      setFresh((s) => new Set(s).add(a.id));
      if (pending.current) return;
      pending.current = setTimeout(() => {
        pending.current = null;
        reloadList();
        reloadTiles();
      }, 400);
    },
    [reloadList, reloadTiles],
  );
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );
  const stream = useAlertStream(onAlert);

  const filter = (k: string, v: string) => setSearch({ [k]: v, offset: undefined });
  const active = ['severity', 'status', 'behaviour', 'deviceId'].some((k) => search.has(k));
  const page = alerts.data;
  const total = page?.total ?? 0;
  const from = total === 0 ? 0 : query.offset + 1;
  const to = Math.min(query.offset + query.limit, total);
  const t = tiles.data;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Alerts</h1>
          <div className="muted">
            Detections in {me.acting.name}
            {page && (
              <>
                {' · '}
                <span data-testid="alert-total">{formatCount(total)}</span>{' '}
                {active ? 'matching' : total === 1 ? 'alert' : 'alerts'}
              </>
            )}
          </div>
        </div>
        <LiveIndicator state={stream} />
      </div>

      <div className="summary" data-testid="alert-tiles">
        <button
          className={`tile${t?.open ? ' tile-high' : ''}`}
          onClick={() => setSearch({ status: 'open', severity: undefined, offset: undefined })}
          title="Show open alerts"
        >
          <span className="tile-label">Open</span>
          <span className="tile-value" data-testid="tile-open">
            {t ? formatCount(t.open) : '…'}
          </span>
        </button>
        <button
          className={`tile${t?.severe ? ' tile-critical' : ''}`}
          onClick={() => setSearch({ status: 'open', severity: 'critical,high', offset: undefined })}
          title="Show open critical and high alerts"
        >
          <span className="tile-label">Critical / high open</span>
          <span className="tile-value" data-testid="tile-severe">
            {t ? formatCount(t.severe) : '…'}
          </span>
        </button>
        <div className="tile" title="Distinct devices (or unknown addresses) with an open alert">
          <span className="tile-label">Devices affected</span>
          <span className="tile-value" data-testid="tile-devices">
            {t ? `${formatCount(t.devices)}${t.capped ? '+' : ''}` : '…'}
          </span>
        </div>
      </div>

      <search className="filters">
        <select
          aria-label="Severity"
          data-testid="filter-severity"
          value={query.severity ?? ''}
          onChange={(e) => filter('severity', e.target.value)}
        >
          <option value="">Any severity</option>
          <option value="critical,high">critical or high</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select
          aria-label="Status"
          data-testid="filter-status"
          value={query.status ?? ''}
          onChange={(e) => filter('status', e.target.value)}
        >
          <option value="">Any status</option>
          {ALERT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
        <select
          aria-label="Behaviour"
          data-testid="filter-behaviour"
          value={query.behaviour ?? ''}
          onChange={(e) => filter('behaviour', e.target.value)}
        >
          <option value="">Any behaviour</option>
          {BEHAVIOURS.map((b) => (
            <option key={b} value={b}>
              {label(b)}
            </option>
          ))}
        </select>
        <select
          aria-label="Device"
          data-testid="filter-device"
          value={query.deviceId ?? ''}
          onChange={(e) => filter('deviceId', e.target.value)}
        >
          <option value="">Any device</option>
          {(devices.data?.items ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        {active && (
          <button
            className="btn btn-link"
            onClick={() =>
              setSearch({
                severity: undefined,
                status: undefined,
                behaviour: undefined,
                deviceId: undefined,
                offset: undefined,
              })
            }
          >
            Clear filters
          </button>
        )}
      </search>

      {alerts.error && <ErrorPanel error={alerts.error} />}

      <div className={alerts.loading && page ? 'table-wrap loading' : 'table-wrap'}>
        {page && page.items.length > 0 && <AlertTable items={page.items} fresh={fresh} />}
        {page && page.items.length === 0 && (
          <div className="empty" data-testid="no-alerts">
            {active
              ? 'No alert matches these filters.'
              : 'No alerts yet. New detections appear here as they happen.'}
          </div>
        )}
        {!page && alerts.loading && <div className="empty">Loading…</div>}
      </div>

      <div className="pager">
        <span data-testid="pager-range">
          {formatCount(from)}–{formatCount(to)} of {formatCount(total)}
        </span>
        <label className="pager-size">
          Rows
          <select
            value={query.limit}
            onChange={(e) => setSearch({ limit: Number(e.target.value), offset: undefined })}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button
          className="btn"
          disabled={query.offset === 0}
          onClick={() => setSearch({ offset: Math.max(0, query.offset - query.limit) || undefined })}
        >
          ← Previous
        </button>
        <button
          className="btn"
          disabled={query.offset + query.limit >= total}
          onClick={() => setSearch({ offset: query.offset + query.limit })}
        >
          Next →
        </button>
      </div>
    </div>
  );
}
