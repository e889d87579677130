import { api, type MoneyValue } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { formatTime } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useResource } from '../use-resource';

/** Integer minor units shown in major units with the currency (ISO 4217, two decimals assumed). */
export function money(m: MoneyValue | null | undefined): string {
  if (!m) return '—';
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: m.currency }).format(m.amount / 100);
}

/** The underwriter's book: every insured Northwind holds a relation with, and its latest quote. */
export function SubmissionsPage(_: PageProps) {
  const subs = useResource((signal) => api.submissions(signal), []);
  return (
    <div className="page">
      <div className="page-header">
        <h1>Submissions</h1>
        <div className="muted">
          Insureds priced from measured risk: each quote's worksheet cites the rate filing clause of every
          factor; the technical premium comes from a seeded FAIR simulation of the quoted terms.
        </div>
      </div>
      {subs.error && <ErrorPanel error={subs.error} />}
      <table className="table table-auto" data-testid="submissions">
        <thead>
          <tr>
            <th>Insured</th>
            <th>Quotes</th>
            <th>Latest status</th>
            <th>Risk score</th>
            <th>Rated premium</th>
            <th>Technical premium</th>
            <th>Quoted</th>
            <th>Policy</th>
          </tr>
        </thead>
        <tbody>
          {(subs.data?.items ?? []).map((s) => (
            <tr key={s.insured.id}>
              <td>{s.insured.name}</td>
              <td>{s.quotes}</td>
              <td>
                {s.latestQuote ? (
                  <Link to={`/underwriting/quotes/${s.latestQuote.id}`}>{s.latestQuote.status}</Link>
                ) : (
                  'no quote'
                )}
              </td>
              <td>{s.latestQuote ? s.latestQuote.riskScore.toFixed(1) : '—'}</td>
              <td>{money(s.latestQuote?.premium)}</td>
              <td>{money(s.latestQuote?.technicalPremium)}</td>
              <td>{s.latestQuote ? formatTime(s.latestQuote.createdAt) : ''}</td>
              <td>
                {s.latestQuote?.policyId ? (
                  <Link to={`/policies/${s.latestQuote.policyId}`}>policy</Link>
                ) : (
                  ''
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
