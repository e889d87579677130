import { type ReactNode, useCallback, useState } from 'react';
import { type Alert, type AlertStatus, type ApiError, api } from '../api';
import {
  AlertStatusBadge,
  AlertSubject,
  LiveIndicator,
  SeverityBadge,
  TechniqueLink,
  useAlertStream,
} from '../components/Alerts';
import { Badge, label } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { EvidenceFacts } from '../components/Evidence';
import { EvidencePanel } from '../components/EvidencePanel';
import { formatCount, formatTime } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useResource } from '../use-resource';

const TRIAGE: { status: AlertStatus; label: string; primary?: boolean }[] = [
  { status: 'acknowledged', label: 'Acknowledge', primary: true },
  { status: 'resolved', label: 'Resolve' },
  { status: 'false_positive', label: 'False positive' },
  { status: 'open', label: 'Reopen' },
];

function duration(fromIso: string, toIso: string): string {
  const s = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function AlertPage({ params }: PageProps) {
  const id = params.id;
  const { can, me } = useSession();
  const alert = useResource((signal) => api.alert(id, signal), [id]);
  const auditable = can('audit:read');
  const audit = useResource(
    (signal) =>
      auditable
        ? api
            .audit({ entity: 'alert', limit: 200 }, signal)
            .then((r) => r.items.filter((e) => e.entityId === id))
        : Promise.resolve([]),
    [id, auditable],
  );
  // The alert keeps growing while the behaviour goes on (merged windows): follow it live.
  const { reload } = alert;
  const stream = useAlertStream(useCallback((a: Alert) => a.id === id && reload(), [id, reload]));

  if (alert.error)
    return (
      <div className="page">
        <Breadcrumb name="Alert" />
        <ErrorPanel error={alert.error} />
      </div>
    );
  const a = alert.data;
  if (!a) return <div className="page muted">Loading…</div>;

  return (
    <div className="page">
      <Breadcrumb name={label(a.behaviour)} />
      <div className="page-header">
        <div>
          <h1 data-testid="alert-title">{label(a.behaviour)}</h1>
          <div className="badges">
            <SeverityBadge value={a.severity} />
            <span data-testid="alert-status">
              <AlertStatusBadge value={a.status} />
            </span>
            <Badge tone="info">{a.technique.id}</Badge>
          </div>
          <p className="alert-summary">
            {a.windows > 1 && <span className="muted">Latest of {formatCount(a.windows)} windows: </span>}
            <span data-testid="alert-summary">{a.summary}</span>
          </p>
        </div>
        <LiveIndicator state={stream} />
      </div>

      <div className="grid-2">
        <Facts title="Detection">
          <Fact name="Technique">
            <span data-testid="alert-technique">
              <TechniqueLink technique={a.technique} />
            </span>
          </Fact>
          <Fact name="Tactic">{label(a.technique.tactic.replace(/-/g, '_'))}</Fact>
          <Fact name="Matrix">{a.technique.matrix === 'ics' ? 'ATT&CK for ICS' : 'ATT&CK Enterprise'}</Fact>
          <Fact name="Severity">
            <SeverityBadge value={a.severity} />
          </Fact>
          <Fact name="Score">{a.score.toLocaleString('en-GB', { maximumFractionDigits: 3 })}</Fact>
          <Fact name="Detector">
            {a.source}
            {a.sensor && <span className="muted"> via {a.sensor}</span>}
          </Fact>
        </Facts>
        <Facts title="Scope">
          <Fact name="Device">
            <AlertSubject alert={a} />
            {a.deviceId && (
              <span className="muted">
                {' '}
                · <Link to={`/inventory/devices/${a.deviceId}`}>device facts and traffic</Link>
              </span>
            )}
          </Fact>
          <Fact name="Address">
            <span className="mono">{a.subject}</span>
          </Fact>
          <Fact name="Window">
            {formatTime(a.firstSeen)} – {formatTime(a.lastSeen)}{' '}
            <span className="muted">({duration(a.firstSeen, a.lastSeen)})</span>
          </Fact>
          <Fact name="Records">{formatCount(a.count)}</Fact>
          <Fact name="Windows merged">{formatCount(a.windows)}</Fact>
          <Fact name="Raised">{formatTime(a.createdAt)}</Fact>
          <Fact name="Alert id">
            <span className="mono">{a.id}</span>
          </Fact>
        </Facts>
      </div>

      <section className="card" data-testid="evidence">
        <h2>Evidence</h2>
        <EvidenceFacts evidence={a.evidence} />
      </section>

      <EvidencePanel type="alert" record={a.id} version={a.updatedAt} />
      {a.status !== 'open' && (
        <EvidencePanel
          type="response_action"
          record={a.id}
          version={a.updatedAt}
          title="Ledger evidence of the triage"
        />
      )}

      <section className="card">
        <h2>Triage</h2>
        {can('inventory:write') ? (
          <Triage
            alert={a}
            onDone={() => {
              alert.reload();
              audit.reload();
            }}
          />
        ) : (
          <div className="muted">You can read this alert; triage needs write access to the inventory.</div>
        )}
        {auditable && audit.data && (
          <div data-testid="triage-history">
            <h3>History</h3>
            {audit.data.length === 0 ? (
              <div className="muted">No triage yet.</div>
            ) : (
              <table className="table table-auto">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Who</th>
                    <th>Change</th>
                    <th>Note</th>
                  </tr>
                </thead>
                <tbody>
                  {audit.data.map((e) => (
                    <tr key={e.id} data-testid="triage-entry">
                      <td className="nowrap">{formatTime(e.at)}</td>
                      <td>
                        {e.actor === me.actor.userId
                          ? `you (${me.actor.email})`
                          : `${e.actorKind} ${e.actor.slice(0, 8)}`}
                      </td>
                      <td>
                        {label(String(e.details.from ?? '?'))} → {label(String(e.details.to ?? '?'))}
                      </td>
                      <td>{e.details.note ? String(e.details.note) : <span className="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
      </section>
    </div>
  );
}

function Triage({ alert, onDone }: { alert: Alert; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<AlertStatus | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<{ from: AlertStatus; to: AlertStatus; at: string } | null>(null);
  const act = async (status: AlertStatus) => {
    setBusy(status);
    setError(null);
    try {
      const updated = await api.setAlertStatus(alert.id, status, note.trim() || undefined);
      setDone({ from: alert.status, to: updated.status, at: updated.updatedAt });
      setNote('');
      onDone();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <div className="triage">
        <input
          type="text"
          placeholder="Note for the audit log (optional)"
          aria-label="Triage note"
          data-testid="triage-note"
          maxLength={500}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        {TRIAGE.filter((t) => t.status !== alert.status).map((t) => (
          <button
            key={t.status}
            className={t.primary ? 'btn btn-primary' : 'btn'}
            data-testid={`triage-${t.status}`}
            disabled={busy !== null}
            onClick={() => void act(t.status)}
          >
            {busy === t.status ? 'Saving…' : t.label}
          </button>
        ))}
      </div>
      {done && (
        <div className="alert alert-ok" role="status" data-testid="triage-result">
          Status changed from {label(done.from)} to {label(done.to)} at {formatTime(done.at)}; recorded in the
          audit log.
        </div>
      )}
      {error && <ErrorPanel error={error} title="Triage failed" />}
    </>
  );
}

function Breadcrumb({ name }: { name: string }) {
  return (
    <div className="breadcrumb">
      <Link to="/alerts">Alerts</Link> <span className="muted">/</span> <span>{name}</span>
    </div>
  );
}

function Facts({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      <dl className="facts">{children}</dl>
    </section>
  );
}

function Fact({ name, children }: { name: string; children: ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </>
  );
}
