import { useState } from 'react';
import { ApiError, api, type QuoteDetail } from '../api';
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
import { Link, navigate } from '../router';
import type { PageProps } from '../routes';
import { useResource } from '../use-resource';
import { money } from './Submissions';

/** Simulated losses are floats in major units (risk module); only premiums are minor-unit money. */
const compact = (major: number, currency: string) =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency, notation: 'compact' }).format(major);

/** One quote: risk factors, loss exceedance curve, worksheet, rated vs technical premium, decisions. */
export function QuotePage({ params }: PageProps) {
  const [version, setVersion] = useState(0);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const res = useResource((signal) => api.quote(params.id, signal), [params.id, version]);
  const q: QuoteDetail | undefined = res.data;
  const act = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
      setVersion((v) => v + 1);
    } catch (e) {
      setActionError(e instanceof ApiError ? e : new ApiError(0, 'internal', (e as Error).message));
    }
  };
  return (
    <div className="page">
      {res.error && <ErrorPanel error={res.error} />}
      {actionError && <ErrorPanel error={actionError} />}
      {q && (
        <>
          <div className="page-header">
            <h1>
              Quote for {q.quote.insured.name} <span className="muted">({q.status})</span>
            </h1>
            <div className="muted">
              Filing {q.filing.id} v{q.filing.version}; valid until {q.quote.validUntil.slice(0, 10)}
            </div>
          </div>
          <div className="summary" data-testid="quote-premiums">
            <div className="tile">
              <span className="tile-label">Rated premium</span>
              <span className="tile-value">{money(q.premium)}</span>
            </div>
            <div className="tile">
              <span className="tile-label">Technical premium</span>
              <span className="tile-value">{money(q.technicalPremium?.premium)}</span>
              <span className="muted">
                expected insured loss {money(q.technicalPremium?.expectedInsuredLoss)}
              </span>
            </div>
            <div className="tile">
              <span className="tile-label">Rated / technical</span>
              <span className="tile-value">{q.adequacy?.toFixed(2) ?? '—'}</span>
            </div>
            <div className="tile">
              <span className="tile-label">Risk score</span>
              <span className="tile-value">{q.submission.assessment.riskScore.toFixed(1)}</span>
            </div>
          </div>
          {q.quote.referrals.length > 0 && (
            <>
              <h2>Referrals</h2>
              <ul data-testid="quote-referrals">
                {q.quote.referrals.map((r) => (
                  <li key={r.ruleId}>
                    <strong>{r.ruleId}</strong> {r.reason}
                    {r.decision && (
                      <span className="muted">
                        {' '}
                        — {r.decision.outcome}d: {r.decision.reason}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="toolbar">
            {q.status === 'referred' && (
              <>
                <button
                  type="button"
                  onClick={() => {
                    const reason = window.prompt('Reason for approving');
                    if (reason) act(() => api.decideQuote(q.id, 'approve', reason));
                  }}
                >
                  Approve referral
                </button>
                <button
                  type="button"
                  onClick={() => {
                    const reason = window.prompt('Reason for declining');
                    if (reason) act(() => api.decideQuote(q.id, 'decline', reason));
                  }}
                >
                  Decline
                </button>
              </>
            )}
            {q.status === 'quoted' && (
              <button
                type="button"
                data-testid="bind"
                onClick={() =>
                  act(async () => {
                    const p = await api.bindQuote(q.id);
                    navigate(`/policies/${p.id}`);
                  })
                }
              >
                Bind
              </button>
            )}
            {q.policyId && <Link to={`/policies/${q.policyId}`}>Policy</Link>}
          </div>
          {q.simulation && (
            <>
              <h2>
                Loss exceedance curve{' '}
                <span className="muted">
                  ({q.simulation.years.toLocaleString('en-GB')} simulated years, seed {q.simulation.seed},
                  mean {compact(q.simulation.total.mean, q.simulation.currency)}, P99{' '}
                  {compact(q.simulation.total.p99, q.simulation.currency)})
                </span>
              </h2>
              <div style={{ height: 240 }} data-testid="exceedance-curve">
                <ResponsiveContainer width="100%" height="100%">
                  <LineChart
                    data={q.simulation.total.exceedance.map((p) => ({
                      loss: compact(p.loss, q.simulation?.currency ?? 'USD'),
                      probability: p.probability,
                    }))}
                  >
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="loss" fontSize={11} />
                    <YAxis fontSize={11} tickFormatter={(v: number) => `${(v * 100).toFixed(0)}%`} />
                    <Tooltip />
                    <Line type="monotone" dataKey="probability" stroke="#2563eb" dot={false} />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            </>
          )}
          <h2>Risk factors</h2>
          <table className="table table-auto">
            <tbody>
              {q.submission.assessment.riskFactors.map((f) => (
                <tr key={f.name}>
                  <td>{f.name}</td>
                  <td>{f.contribution.toFixed(1)}</td>
                  <td className="muted">{f.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Worksheet</h2>
          <table className="table table-auto" data-testid="worksheet">
            <thead>
              <tr>
                <th>#</th>
                <th>Clause</th>
                <th>Factor</th>
                <th>Value</th>
                <th>Premium after</th>
                <th>Derivation</th>
              </tr>
            </thead>
            <tbody>
              {q.quote.worksheet.map((l) => (
                <tr key={l.step}>
                  <td>{l.step}</td>
                  <td>{l.clause}</td>
                  <td>{l.name}</td>
                  <td>{l.value}</td>
                  <td>{money(l.premiumAfter)}</td>
                  <td className="muted">{l.derivation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
