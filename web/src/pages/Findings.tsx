import { useState } from 'react';
import { api, type Finding, type FindingQuery } from '../api';
import { Badge, label, type Tone } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatCount, formatTime } from '../format';
import { Link, useSearchState } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useResource } from '../use-resource';

const SEVERITY_TONE: Record<string, Tone> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

function queryFrom(search: URLSearchParams): FindingQuery & { limit: number; offset: number } {
  const offset = Number(search.get('offset'));
  return {
    kind: search.get('kind') || undefined,
    status: search.get('status') || undefined,
    severity: search.get('severity') || undefined,
    kev: search.get('kev') === 'true' ? true : undefined,
    state: (search.get('state') as FindingQuery['state']) || 'open',
    deviceId: search.get('deviceId') || undefined,
    limit: 50,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function FindingRow({ f }: { f: Finding }) {
  return (
    <tr data-testid="finding-row">
      <td>
        <Badge tone={SEVERITY_TONE[f.severity] ?? 'muted'}>{f.severity}</Badge>
      </td>
      <td>
        <strong>{f.ref}</strong>
        {f.kev && (
          <>
            {' '}
            <Badge tone="critical" title={`CISA KEV since ${f.kev.dateAdded}, due ${f.kev.dueDate}`}>
              KEV
            </Badge>
          </>
        )}
        {f.kev?.knownRansomwareCampaignUse === 'Known' && (
          <>
            {' '}
            <Badge tone="high">ransomware</Badge>
          </>
        )}
        {f.title && <div className="muted">{f.title}</div>}
      </td>
      <td>
        <Badge tone={f.status === 'affected' ? 'high' : 'info'}>{label(f.status)}</Badge>
      </td>
      <td>
        <Link to={`/inventory/devices/${f.deviceId}`}>{f.deviceName ?? 'device'}</Link>
        {f.firmwareVersion && <div className="muted">fw {f.firmwareVersion}</div>}
      </td>
      <td className="finding-reason">
        {f.reason}
        {f.matchedRange && <div className="muted">range: {f.matchedRange}</div>}
      </td>
      <td>{f.cvss ? `${f.cvss.baseScore} (v${f.cvss.version})` : '—'}</td>
      <td>{f.epss === null ? '—' : f.epss.toFixed(3)}</td>
      <td>{formatTime(f.firstSeen)}</td>
      <td>{f.fixedAt ? formatTime(f.fixedAt) : ''}</td>
    </tr>
  );
}

export function FindingsPage(_: PageProps) {
  const [search, setSearch] = useSearchState();
  const query = queryFrom(search);
  const { can } = useSession();
  const [running, setRunning] = useState(false);
  const res = useResource((signal) => api.findings(query, signal), [search.toString()]);
  const select = (key: string, name: string, options: string[]) => (
    <select
      aria-label={name}
      data-testid={`filter-${key}`}
      value={search.get(key) ?? ''}
      onChange={(e) => setSearch({ [key]: e.target.value || null, offset: null })}
    >
      <option value="">{name}: any</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {label(o)}
        </option>
      ))}
    </select>
  );
  return (
    <div className="page">
      <div className="page-header">
        <h1>Findings</h1>
        <div className="muted">
          Vulnerabilities (CVE records, CISA KEV, EPSS) and configuration findings per device, worst first.
        </div>
        {can('inventory:write') && (
          <button
            type="button"
            disabled={running}
            onClick={async () => {
              setRunning(true);
              try {
                await api.runAssessment();
                res.reload();
              } finally {
                setRunning(false);
              }
            }}
          >
            {running ? 'Assessing…' : 'Assess now'}
          </button>
        )}
      </div>
      <search className="filters">
        {select('kind', 'Kind', ['vuln', 'config'])}
        {select('severity', 'Severity', ['critical', 'high', 'medium', 'low', 'unknown'])}
        {select('status', 'Status', ['affected', 'needs_review'])}
        {select('state', 'State', ['open', 'fixed', 'all'])}
        <label>
          <input
            type="checkbox"
            data-testid="filter-kev"
            checked={search.get('kev') === 'true'}
            onChange={(e) => setSearch({ kev: e.target.checked ? 'true' : null, offset: null })}
          />{' '}
          KEV only
        </label>
      </search>
      {res.error && <ErrorPanel error={res.error} />}
      {res.data && (
        <>
          <div className="muted" data-testid="findings-total">
            {formatCount(res.data.total)} findings
          </div>
          <table className="table table-auto" data-testid="findings-table">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Finding</th>
                <th>Status</th>
                <th>Device</th>
                <th>Why</th>
                <th>CVSS</th>
                <th>EPSS</th>
                <th>First seen</th>
                <th>Fixed</th>
              </tr>
            </thead>
            <tbody>
              {res.data.items.map((f) => (
                <FindingRow key={f.id} f={f} />
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button
              type="button"
              disabled={query.offset === 0}
              onClick={() => setSearch({ offset: Math.max(0, query.offset - query.limit) || null })}
            >
              Previous
            </button>
            <span className="muted">
              {query.offset + 1}–{Math.min(query.offset + query.limit, res.data.total)} of {res.data.total}
            </span>
            <button
              type="button"
              disabled={query.offset + query.limit >= res.data.total}
              onClick={() => setSearch({ offset: query.offset + query.limit })}
            >
              Next
            </button>
          </div>
        </>
      )}
    </div>
  );
}
