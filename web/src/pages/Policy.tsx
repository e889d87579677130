import { api } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { EvidencePanel } from '../components/EvidencePanel';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useResource } from '../use-resource';
import { money } from './Submissions';

/** The insured's view of a policy: what is covered, limits and retentions, what they pay. */
export function PolicyPage({ params }: PageProps) {
  const res = useResource(
    (signal) =>
      params.id
        ? api.policy(params.id, signal)
        : api.policies(signal).then((r) => r.items[0] ?? Promise.reject(new Error('no policy yet'))),
    [params.id],
  );
  const p = res.data;
  const openDeclarations = async () => {
    if (!p) return;
    const blob = await api.declarations(p.id);
    window.open(URL.createObjectURL(blob), '_blank');
  };
  return (
    <div className="page">
      {res.error && <ErrorPanel error={res.error} />}
      {p && (
        <>
          <div className="page-header">
            <h1>
              Policy {p.number} <span className="muted">({p.status})</span>
            </h1>
            <div className="muted">
              {p.policy.insured.name}; {p.period.start} to {p.period.end}; governing law {p.jurisdiction}
            </div>
          </div>
          <div className="summary" data-testid="policy-summary">
            <div className="tile">
              <span className="tile-label">Annual premium</span>
              <span className="tile-value">{money(p.premium)}</span>
            </div>
            <div className="tile">
              <span className="tile-label">Aggregate limit</span>
              <span className="tile-value">{money(p.policy.terms.aggregateLimit)}</span>
            </div>
            <div className="tile">
              <span className="tile-label">Retention</span>
              <span className="tile-value">{money(p.policy.terms.retention)}</span>
            </div>
          </div>
          <div className="toolbar">
            <button type="button" onClick={openDeclarations}>
              Declarations page
            </button>
            <Link to={`/underwriting/quotes/${p.quoteId}`}>Why this premium (worksheet)</Link>
          </div>
          <h2>What is covered</h2>
          <table className="table table-auto" data-testid="policy-sections">
            <thead>
              <tr>
                <th>Section</th>
                <th>Covered</th>
                <th>Limit</th>
                <th>Sublimit</th>
                <th>Retention</th>
                <th>Waiting period</th>
              </tr>
            </thead>
            <tbody>
              {p.policy.terms.sections.map((s) => (
                <tr key={s.sectionId}>
                  <td>{s.name ?? s.sectionId}</td>
                  <td>{s.included === false ? 'no' : 'yes'}</td>
                  <td>{money(s.limit)}</td>
                  <td>{money(s.sublimit)}</td>
                  <td>{money(s.retention)}</td>
                  <td>{s.waitingPeriodHours != null ? `${s.waitingPeriodHours} h` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <EvidencePanel type="policy_document" record={p.id} title="Ledger evidence of the declarations" />
        </>
      )}
    </div>
  );
}
