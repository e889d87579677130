import { useEffect, useState } from 'react';
import {
  type ApiError,
  api,
  CRITICALITIES,
  DEVICE_KINDS,
  DEVICE_SORTS,
  DEVICE_STATUSES,
  type DeviceQuery,
  type DeviceSort,
} from '../api';
import { CredentialBadge, CriticalityBadge, ExposureBadge, label, StatusBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FleetSummary } from '../components/FleetSummary';
import { FilterSelect, optionsOf, Pager, pageFrom } from '../components/ListControls';
import { formatCount, formatTime } from '../format';
import { Link, useSearchState } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useResource } from '../use-resource';

/** The URL parameters that filter the list (sort and the pager's offset aside). */
const FILTER_KEYS = ['kind', 'siteId', 'status', 'criticality', 'exposed', 'q'] as const;

/** The list query, read from the URL so a filtered view can be linked and survives back/forward. */
function queryFrom(search: URLSearchParams): Required<Pick<DeviceQuery, 'limit' | 'offset'>> & DeviceQuery {
  const sort = search.get('sort');
  const exposed = search.get('exposed');
  return {
    kind: search.get('kind') || undefined,
    siteId: search.get('siteId') || undefined,
    status: search.get('status') || undefined,
    criticality: search.get('criticality') || undefined,
    exposed: exposed === 'true' ? true : exposed === 'false' ? false : undefined,
    q: search.get('q') || undefined,
    sort: DEVICE_SORTS.includes(sort as DeviceSort) ? (sort as DeviceSort) : undefined,
    ...pageFrom(search),
  };
}

function SortHeader({
  col,
  current,
  onSort,
  children,
}: {
  col: DeviceSort;
  current: DeviceSort;
  onSort: (col: DeviceSort) => void;
  children: string;
}) {
  const on = current === col;
  // The server sorts lastSeenAt newest first and every other column ascending.
  const arrow = col === 'lastSeenAt' ? ' ▼' : ' ▲';
  return (
    <th aria-sort={on ? (col === 'lastSeenAt' ? 'descending' : 'ascending') : undefined}>
      <button className={on ? 'th-sort active' : 'th-sort'} onClick={() => onSort(col)}>
        {children}
        {on ? arrow : ''}
      </button>
    </th>
  );
}

export function InventoryPage(_: PageProps) {
  const { me } = useSession();
  const [search, setSearch] = useSearchState();
  const query = queryFrom(search);
  const key = JSON.stringify(query);
  const devices = useResource((signal) => api.devices(query, signal), [key]);
  const sites = useResource((signal) => api.sites(signal), []);
  const siteName = new Map((sites.data?.items ?? []).map((s) => [s.id, s.name]));

  // Free text is typed into local state and applied after a pause, so each keystroke is not a request.
  const urlQ = query.q ?? '';
  const [text, setText] = useState(urlQ);
  // When the URL's q changes from outside (back/forward, a tile, a link), the box follows it; without
  // this the pending-text effect below would write the old text back and undo the navigation.
  const [seenQ, setSeenQ] = useState(urlQ);
  if (seenQ !== urlQ) {
    setSeenQ(urlQ);
    if (text.trim() !== urlQ) setText(urlQ);
  }
  useEffect(() => {
    if ((query.q ?? '') === text.trim()) return;
    const t = setTimeout(() => setSearch({ q: text.trim(), offset: undefined }, { replace: true }), 300);
    return () => clearTimeout(t);
  }, [text, query.q, setSearch]);

  const filter = (k: string, v: string) => setSearch({ [k]: v, offset: undefined });
  const active = FILTER_KEYS.some((k) => search.has(k));

  const [exportError, setExportError] = useState<ApiError | null>(null);
  const download = async (format: 'csv' | 'json') => {
    setExportError(null);
    try {
      const { blob, filename } = await api.exportDevices(format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setExportError(e as ApiError);
    }
  };

  const page = devices.data;
  const total = page?.total ?? 0;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Devices</h1>
          <div className="muted">
            Inventory of {me.acting.name}
            {page && (
              <>
                {' · '}
                <span data-testid="device-total">{formatCount(total)}</span> {active ? 'matching' : 'devices'}
              </>
            )}
          </div>
        </div>
        <div className="actions">
          <button className="btn" onClick={() => void download('csv')}>
            Export CSV
          </button>
          <button className="btn" onClick={() => void download('json')}>
            Export JSON
          </button>
        </div>
      </div>
      {exportError && <ErrorPanel error={exportError} title="Export failed" />}

      <FleetSummary
        sites={sites.data?.items}
        onFilter={(f) => {
          setText('');
          setSearch({
            kind: undefined,
            siteId: undefined,
            q: undefined,
            offset: undefined,
            exposed: f.exposed,
            criticality: f.criticality,
            status: f.status,
          });
        }}
      />

      <search className="filters">
        <input
          className="filter-q"
          type="search"
          placeholder="Search name, vendor, product, model, serial, IP"
          aria-label="Search devices"
          data-testid="filter-q"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <FilterSelect
          label="Kind"
          testId="filter-kind"
          value={query.kind}
          any="All kinds"
          options={optionsOf(DEVICE_KINDS, label)}
          onChange={(v) => filter('kind', v)}
        />
        <FilterSelect
          label="Site"
          testId="filter-site"
          value={query.siteId}
          any="All sites"
          options={(sites.data?.items ?? []).map((s) => ({
            value: s.id,
            label: `${s.name} (${s.deviceCount})`,
          }))}
          onChange={(v) => filter('siteId', v)}
        />
        <FilterSelect
          label="Status"
          testId="filter-status"
          value={query.status}
          any="Any status"
          options={optionsOf(DEVICE_STATUSES)}
          onChange={(v) => filter('status', v)}
        />
        <FilterSelect
          label="Criticality"
          testId="filter-criticality"
          value={query.criticality}
          any="Any criticality"
          options={optionsOf([...CRITICALITIES].reverse())}
          onChange={(v) => filter('criticality', v)}
        />
        <FilterSelect
          label="Internet exposure"
          testId="filter-exposed"
          value={query.exposed === undefined ? '' : String(query.exposed)}
          any="Any exposure"
          options={[
            { value: 'true', label: 'Internet-exposed' },
            { value: 'false', label: 'Internal only' },
          ]}
          onChange={(v) => filter('exposed', v)}
        />
        {active && (
          <button
            className="btn btn-link"
            onClick={() => {
              setText('');
              setSearch(Object.fromEntries([...FILTER_KEYS, 'offset'].map((k) => [k, undefined])));
            }}
          >
            Clear filters
          </button>
        )}
      </search>

      {devices.error && <ErrorPanel error={devices.error} />}

      <div className={devices.loading && page ? 'table-wrap loading' : 'table-wrap'}>
        <table className="table table-sticky" data-testid="device-table">
          <thead>
            <tr>
              <SortHeader col="name" current={query.sort ?? 'name'} onSort={(c) => filter('sort', c)}>
                Name
              </SortHeader>
              <SortHeader col="kind" current={query.sort ?? 'name'} onSort={(c) => filter('sort', c)}>
                Kind
              </SortHeader>
              <SortHeader col="vendor" current={query.sort ?? 'name'} onSort={(c) => filter('sort', c)}>
                Vendor / product
              </SortHeader>
              <th>Firmware</th>
              <th>Site</th>
              <th>IP address</th>
              <th>Exposure</th>
              <SortHeader col="criticality" current={query.sort ?? 'name'} onSort={(c) => filter('sort', c)}>
                Criticality
              </SortHeader>
              <th>Credentials</th>
              <th>Status</th>
              <SortHeader col="lastSeenAt" current={query.sort ?? 'name'} onSort={(c) => filter('sort', c)}>
                Last seen
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {page?.items.map((d) => (
              <tr key={d.id} data-testid="device-row">
                <td className="nowrap">
                  <Link to={`/inventory/devices/${d.id}`} className="strong">
                    {d.name}
                  </Link>
                  {d.safetyCritical && (
                    <span className="flag" title="safety-critical">
                      {' '}
                      ⚠
                    </span>
                  )}
                </td>
                <td>{label(d.kind)}</td>
                <td>
                  {d.vendor} <span className="muted nowrap">{d.product}</span>
                </td>
                <td className="mono">{d.firmwareVersion ?? '—'}</td>
                <td className="nowrap">{d.siteId ? (siteName.get(d.siteId) ?? '…') : '—'}</td>
                <td className="mono">
                  {d.ipAddresses[0] ?? '—'}
                  {d.ipAddresses.length > 1 && <span className="muted"> +{d.ipAddresses.length - 1}</span>}
                </td>
                <td>
                  <ExposureBadge exposed={d.internetExposed} />
                </td>
                <td>
                  <CriticalityBadge value={d.criticality} />
                </td>
                <td>
                  <CredentialBadge value={d.credentialState} />
                </td>
                <td>
                  <StatusBadge value={d.status} />
                </td>
                <td className="nowrap">{formatTime(d.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && page.items.length === 0 && (
          <div className="empty" data-testid="no-devices">
            {active ? 'No device matches these filters.' : 'No devices yet.'}
            {!active && me.acting.permissions.includes('inventory:write') && (
              <>
                {' '}
                <Link to="/inventory/import">Import a CSV or JSON file</Link>.
              </>
            )}
          </div>
        )}
        {!page && devices.loading && <div className="empty">Loading…</div>}
      </div>

      <Pager offset={query.offset} limit={query.limit} total={total} onChange={setSearch} />
    </div>
  );
}
