import { useState } from 'react';
import { api, type ControlView } from '../api';
import { Badge, type Tone } from '../components/Badge';
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
import { useSession } from '../session';
import { useAction, useResource } from '../use-resource';

export function RiskPage(_: PageProps) {
  const risk = useResource((signal) => api.risk(signal), []);
  const history = useResource((signal) => api.riskHistory(signal), []);
  const r = risk.data;
  const refreshRisk = () => {
    risk.reload();
    history.reload();
  };
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
          <Controls onSaved={refreshRisk} />
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

const STATE_TONE: Record<ControlView['state'], Tone> = { present: 'ok', absent: 'muted', expired: 'high' };
const DECISION_LABEL: Record<ControlView['feeds'][number]['decision'], string> = {
  risk_score: 'Risk score',
  fair_scenarios: 'FAIR scenarios',
  rating: 'Rating',
};

/** A year from today, as the default expiry of a new attestation (renewed yearly). */
function nextYear(): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Controls telemetry cannot see (DESIGN.md §5): shown as attested, never as measured, with evidence
 * and expiry. The insured's administrators attest; everyone else, insurers included, reads.
 */
function Controls({ onSaved }: { onSaved: () => void }) {
  const { me } = useSession();
  const controls = useResource((signal) => api.controls(signal), []);
  const [editing, setEditing] = useState<string | null>(null);
  const canAttest = me.acting.kind === 'insured' && me.acting.access === 'own' && me.actor.role === 'admin';
  return (
    <>
      <h2>Controls</h2>
      <div className="muted">
        Controls telemetry cannot see, attested by the organisation with evidence and an expiry date. An
        attestation counts until it expires; a measurement always beats it.
      </div>
      {controls.error && <ErrorPanel error={controls.error} />}
      {controls.data && (
        <table className="table table-auto" data-testid="controls">
          <thead>
            <tr>
              <th>Control</th>
              <th>State</th>
              <th>Evidence</th>
              <th>Expires</th>
              <th>Attested by</th>
              <th>Feeds</th>
              {canAttest && <th />}
            </tr>
          </thead>
          <tbody>
            {controls.data.items.map((c) => (
              <ControlRow
                key={c.control}
                c={c}
                canAttest={canAttest}
                editing={editing === c.control}
                onEdit={() => setEditing(editing === c.control ? null : c.control)}
                onSaved={() => {
                  setEditing(null);
                  controls.reload();
                  onSaved();
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ControlRow({
  c,
  canAttest,
  editing,
  onEdit,
  onSaved,
}: {
  c: ControlView;
  canAttest: boolean;
  editing: boolean;
  onEdit: () => void;
  onSaved: () => void;
}) {
  const a = c.attestation;
  return (
    <>
      <tr data-testid={`control-${c.control}`}>
        <td>
          <strong>{c.label}</strong>
          <div className="muted mono">{c.control}</div>
        </td>
        <td>
          <Badge tone={STATE_TONE[c.state]} title={c.detail}>
            {c.state}
          </Badge>
          <div className="muted">{c.source === 'none' ? 'not attested' : c.source}</div>
        </td>
        <td>{a ? a.evidence || <span className="muted">none given</span> : ''}</td>
        <td>{a ? formatTime(a.expiresAt) : ''}</td>
        <td className="muted">
          {a ? `${a.attestedByName ?? a.attestedBy}, ${formatTime(a.attestedAt)}` : ''}
          {c.previous.length > 0 && <div>{c.previous.length} earlier</div>}
        </td>
        <td className="muted">
          {c.feeds.map((f) => (
            <div key={f.decision}>
              <strong>{DECISION_LABEL[f.decision]}</strong>: {f.detail}
            </div>
          ))}
        </td>
        {canAttest && (
          <td>
            <button type="button" className="btn" onClick={onEdit}>
              {editing ? 'Cancel' : 'Attest'}
            </button>
          </td>
        )}
      </tr>
      {editing && (
        <tr>
          <td colSpan={7}>
            <AttestForm c={c} onSaved={onSaved} />
          </td>
        </tr>
      )}
    </>
  );
}

function AttestForm({ c, onSaved }: { c: ControlView; onSaved: () => void }) {
  const [attested, setAttested] = useState(true);
  const [evidence, setEvidence] = useState('');
  const [expiresAt, setExpiresAt] = useState(nextYear());
  const { busy: saving, error, run } = useAction();
  return (
    <form
      data-testid="attest-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => api.attestControl(c.control, { attested, evidence, expiresAt }), onSaved);
      }}
    >
      {error && <ErrorPanel error={error} />}
      <label className="field">
        <span>{c.label}</span>
        <select
          name="attested"
          value={attested ? 'yes' : 'no'}
          onChange={(e) => setAttested(e.target.value === 'yes')}
        >
          <option value="yes">in place</option>
          <option value="no">not in place</option>
        </select>
      </label>
      <label className="field">
        <span>Evidence{attested ? ' (required)' : ''}</span>
        <textarea
          name="evidence"
          rows={2}
          maxLength={4000}
          value={evidence}
          placeholder="document, test report or audit reference"
          onChange={(e) => setEvidence(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Expires</span>
        <input
          type="date"
          name="expiresAt"
          value={expiresAt}
          onChange={(e) => setExpiresAt(e.target.value)}
        />
      </label>
      <button type="submit" className="btn btn-primary" disabled={saving}>
        {saving ? 'Saving…' : 'Save attestation'}
      </button>
    </form>
  );
}
