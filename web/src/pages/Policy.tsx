import { type FormEvent, useState } from 'react';
import { api, type PolicyDetail } from '../api';
import { ErrorPanel } from '../components/ErrorPanel';
import { EvidencePanel } from '../components/EvidencePanel';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useAction, useResource } from '../use-resource';
import { money } from './Submissions';

/** The insured's view of a policy: what is covered, limits and retentions, what they pay. */
export function PolicyPage({ params }: PageProps) {
  const [version, setVersion] = useState(0);
  const res = useResource(
    (signal) =>
      params.id
        ? api.policy(params.id, signal)
        : api.policies(signal).then((r) => r.items[0] ?? Promise.reject(new Error('no policy yet'))),
    [params.id, version],
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
              <span className="tile-value">{money(p.policy.annualPremium)}</span>
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
          <PremiumReductionsPanel policyId={p.id} version={version} />
          <PolicyChangesPanel policy={p} onChanged={() => setVersion((v) => v + 1)} />
          <EvidencePanel
            type="policy_document"
            record={p.id}
            version={String(version)}
            title="Ledger evidence of the policy documents"
          />
        </>
      )}
    </div>
  );
}

/** "What would lower it": measured changes, each re-rated on the policy's own filing (server-side). */
function PremiumReductionsPanel({ policyId, version }: { policyId: string; version: number }) {
  const res = useResource((signal) => api.premiumReductions(policyId, signal), [policyId, version]);
  return (
    <section data-testid="premium-reductions">
      <h2>What would lower it</h2>
      {res.error && <ErrorPanel error={res.error} />}
      {res.data && res.data.items.length === 0 && (
        <p className="muted">No measured change would lower the premium on these terms.</p>
      )}
      {res.data && res.data.items.length > 0 && (
        <>
          <p className="muted">
            Each change alone, re-rated on this policy's filing and terms against today's premium of{' '}
            {money(res.data.premium)}.
          </p>
          <table className="table table-auto">
            <thead>
              <tr>
                <th>Change</th>
                <th>Premium after</th>
                <th>Saving</th>
              </tr>
            </thead>
            <tbody>
              {res.data.items.map((x) => (
                <tr key={x.id}>
                  <td>{x.action}</td>
                  <td>{money(x.premium)}</td>
                  <td>
                    −{money(x.saving)} (−{(x.savingShare * 100).toFixed(1)} %)
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** Endorsements and cancellation on record, and the underwriter's form to make them. */
function PolicyChangesPanel({ policy, onChanged }: { policy: PolicyDetail; onChanged: () => void }) {
  const session = useSession();
  const endorsements = policy.policy.endorsements;
  const cancellation = policy.policy.cancellation;
  const underwriter =
    session.me.acting.access === 'own' &&
    session.me.actor.orgKind === 'insurer' &&
    session.can('underwriting:write');
  const open = policy.status === 'bound' || policy.status === 'in_force';
  const { busy, error, run } = useAction();
  const major = (v: FormDataEntryValue | null) =>
    v && String(v).trim()
      ? { amount: Math.round(Number(v) * 100), currency: policy.premium.currency }
      : undefined;
  const endorse = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const f = new FormData(ev.currentTarget);
    const hours = String(f.get('waitingPeriodHours') ?? '').trim();
    void run(
      () =>
        api.endorsePolicy(policy.id, {
          effectiveDate: String(f.get('effectiveDate')),
          reason: String(f.get('reason')),
          aggregateLimit: major(f.get('aggregateLimit')),
          retention: major(f.get('retention')),
          waitingPeriodHours: hours ? Number(hours) : undefined,
          approveReferrals: f.get('approveReferrals') === 'on',
        }),
      onChanged,
    );
  };
  const cancel = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const f = new FormData(ev.currentTarget);
    void run(
      () =>
        api.cancelPolicy(policy.id, {
          effectiveDate: String(f.get('effectiveDate')),
          reason: String(f.get('reason')),
        }),
      onChanged,
    );
  };
  return (
    <section data-testid="policy-changes">
      <h2>Endorsements and cancellation</h2>
      {endorsements.length === 0 && !cancellation && <p className="muted">No change since binding.</p>}
      {endorsements.length > 0 && (
        <table className="table table-auto" data-testid="endorsements">
          <thead>
            <tr>
              <th>#</th>
              <th>Effective</th>
              <th>Changes</th>
              <th>Annual premium</th>
              <th>Adjustment</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {endorsements.map((e) => (
              <tr key={e.number}>
                <td>{e.number}</td>
                <td>{e.effectiveDate}</td>
                <td>{e.changes.join('; ')}</td>
                <td>
                  {money(e.annualPremiumBefore)} → {money(e.annualPremiumAfter)}
                </td>
                <td>
                  {e.premiumAdjustment.amount < 0 ? 'return ' : 'additional '}
                  {money({ ...e.premiumAdjustment, amount: Math.abs(e.premiumAdjustment.amount) })} (
                  {e.daysRemaining}/{e.daysInPeriod} days)
                </td>
                <td>
                  {e.reason}
                  {e.approvedReferrals?.length
                    ? ` (referral ${e.approvedReferrals.map((r) => r.ruleId).join(', ')} approved)`
                    : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cancellation && (
        <p data-testid="cancellation">
          Cancelled from {cancellation.effectiveDate} by {cancellation.by}: {cancellation.reason}. Return
          premium {money(cancellation.returnPremium)} for {cancellation.daysRemaining} unexpired days.
        </p>
      )}
      {error && <ErrorPanel error={error} />}
      {underwriter && open && (
        <div className="toolbar">
          <form onSubmit={endorse} data-testid="endorse-form">
            <strong>Endorse</strong>{' '}
            <label>
              Effective <input name="effectiveDate" type="date" required />
            </label>{' '}
            <label>
              Aggregate limit <input name="aggregateLimit" type="number" min="0" step="1000" />
            </label>{' '}
            <label>
              Retention <input name="retention" type="number" min="0" step="1000" />
            </label>{' '}
            <label>
              Waiting period (h) <input name="waitingPeriodHours" type="number" min="0" step="1" />
            </label>{' '}
            <label>
              Reason <input name="reason" required />
            </label>{' '}
            <label>
              <input name="approveReferrals" type="checkbox" /> approve referrals
            </label>{' '}
            <button type="submit" disabled={busy}>
              Endorse
            </button>
          </form>
          <form onSubmit={cancel} data-testid="cancel-form">
            <strong>Cancel</strong>{' '}
            <label>
              Effective <input name="effectiveDate" type="date" required />
            </label>{' '}
            <label>
              Reason <input name="reason" required />
            </label>{' '}
            <button type="submit" disabled={busy}>
              Cancel policy
            </button>
          </form>
        </div>
      )}
    </section>
  );
}
