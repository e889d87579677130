import { useCallback, useEffect, useRef, useState } from 'react';
import { ALERT_BEHAVIOURS, ALERT_STATUSES, type Alert, type AlertQuery, api, SEVERITIES } from '../api';
import { AlertTable, LiveIndicator, useAlertStream } from '../components/Alerts';
import { label } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterSelect, optionsOf, Pager, pageFrom } from '../components/ListControls';
import { formatCount } from '../format';
import { useSearchState } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useResource } from '../use-resource';

/** The URL parameters that filter the list (the pager's offset aside). */
const FILTER_KEYS = ['severity', 'status', 'behaviour', 'deviceId'] as const;

function queryFrom(search: URLSearchParams): Required<Pick<AlertQuery, 'limit' | 'offset'>> & AlertQuery {
  return {
    severity: search.get('severity') || undefined,
    status: search.get('status') || undefined,
    behaviour: search.get('behaviour') || undefined,
    deviceId: search.get('deviceId') || undefined,
    ...pageFrom(search),
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
  const active = FILTER_KEYS.some((k) => search.has(k));
  const page = alerts.data;
  const total = page?.total ?? 0;
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
        <FilterSelect
          label="Severity"
          testId="filter-severity"
          value={query.severity}
          any="Any severity"
          options={[{ value: 'critical,high', label: 'critical or high' }, ...optionsOf(SEVERITIES)]}
          onChange={(v) => filter('severity', v)}
        />
        <FilterSelect
          label="Status"
          testId="filter-status"
          value={query.status}
          any="Any status"
          options={optionsOf(ALERT_STATUSES, label)}
          onChange={(v) => filter('status', v)}
        />
        <FilterSelect
          label="Behaviour"
          testId="filter-behaviour"
          value={query.behaviour}
          any="Any behaviour"
          options={optionsOf(ALERT_BEHAVIOURS, label)}
          onChange={(v) => filter('behaviour', v)}
        />
        <FilterSelect
          label="Device"
          testId="filter-device"
          value={query.deviceId}
          any="Any device"
          options={(devices.data?.items ?? []).map((d) => ({ value: d.id, label: d.name }))}
          onChange={(v) => filter('deviceId', v)}
        />
        {active && (
          <button
            className="btn btn-link"
            onClick={() =>
              setSearch(Object.fromEntries([...FILTER_KEYS, 'offset'].map((k) => [k, undefined])))
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

      <Pager offset={query.offset} limit={query.limit} total={total} onChange={setSearch} />
    </div>
  );
}
