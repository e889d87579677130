import { api } from '../api';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from '../components/charts';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatTime } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useResource } from '../use-resource';

export function RiskPage(_: PageProps) {
  const risk = useResource((signal) => api.risk(signal), []);
  const history = useResource((signal) => api.riskHistory(signal), []);
  const r = risk.data;
  return (
    <div className="page">
      <div className="page-header">
        <h1>Risk</h1>
        <div className="muted">
          Explainable score (0–100): likelihood from vulnerabilities, KEV, exposure and alerts; impact from
          criticality, safety and data held; every factor shown.
        </div>
      </div>
      {risk.error && <ErrorPanel error={risk.error} />}
      {r && (
        <>
          <div className="summary">
            <div className={`tile${r.score >= 60 ? ' tile-critical' : r.score >= 40 ? ' tile-high' : ''}`}>
              <span className="tile-label">Organisation score</span>
              <span className="tile-value" data-testid="risk-score">
                {r.score.toFixed(1)}
              </span>
              <span className="muted">as of {formatTime(r.asOf)}</span>
            </div>
          </div>
          <h2>Trend</h2>
          <div style={{ height: 220 }} data-testid="risk-trend">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={(history.data?.items ?? []).map((p) => ({ ...p, label: formatTime(p.at) }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="label" fontSize={11} />
                <YAxis domain={[0, 100]} fontSize={11} />
                <Tooltip />
                <Line type="monotone" dataKey="score" stroke="#dc2626" dot />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <h2>Factors</h2>
          <table className="table table-auto" data-testid="risk-factors">
            <thead>
              <tr>
                <th>Factor</th>
                <th>Points</th>
                <th>Devices</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {r.factors.map((f) => (
                <tr key={f.id}>
                  <td>{f.name}</td>
                  <td>{f.contribution.toFixed(1)}</td>
                  <td>{f.devices ?? ''}</td>
                  <td className="muted">{f.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>What would lower it most</h2>
          <ol data-testid="risk-recommendations">
            {r.recommendations.map((x) => (
              <li key={`${x.kind}:${x.target}`}>
                {x.summary} <span className="muted">(−{x.reduction.toFixed(1)})</span>
              </li>
            ))}
          </ol>
          <h2>Riskiest devices</h2>
          <table className="table table-auto" data-testid="risk-devices">
            <thead>
              <tr>
                <th>Device</th>
                <th>Kind</th>
                <th>Score</th>
                <th>Top factors</th>
              </tr>
            </thead>
            <tbody>
              {r.topDevices.map((d) => (
                <tr key={d.deviceId}>
                  <td>
                    <Link to={`/inventory/devices/${d.deviceId}`}>{d.name}</Link>
                  </td>
                  <td>{d.kind}</td>
                  <td>{d.score.toFixed(1)}</td>
                  <td className="muted">
                    {[...d.factors]
                      .sort((a, b) => b.contribution - a.contribution)
                      .slice(0, 3)
                      .map((f) => `${f.name} (${f.contribution.toFixed(1)})`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
