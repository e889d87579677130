/** Endorsement and cancellation documents: short printable HTML whose SHA-256 goes to the ledger. */
import { formatMoney } from '../../../core/money';
import { escapeHtml } from './declarations';
import type { Endorsement, Policy } from './policy';

const CSS =
  'body{font:10.5pt/1.4 Georgia,serif;margin:2rem auto;max-width:48rem}td,th{border:1px solid #bbb;padding:.25rem .4rem;text-align:left}table{border-collapse:collapse}';

export function renderEndorsement(policy: Policy, e: Endorsement, issuedAt: Date): string {
  const rows = [
    ['Policy', policy.number],
    ['Endorsement', String(e.number)],
    ['Effective', e.effectiveDate],
    ['Reason', e.reason],
    ['Requested by', e.requestedBy],
    ['Annual premium', `${formatMoney(e.annualPremiumBefore)} -> ${formatMoney(e.annualPremiumAfter)}`],
    [
      e.premiumAdjustment.amount >= 0 ? 'Additional premium' : 'Return premium',
      `${formatMoney({ ...e.premiumAdjustment, amount: Math.abs(e.premiumAdjustment.amount) })} (${e.daysRemaining} of ${e.daysInPeriod} days)`,
    ],
    ['Issued', issuedAt.toISOString()],
  ];
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(policy.number)} endorsement ${e.number}</title><style>${CSS}</style></head><body><h1>Endorsement ${e.number} to policy ${escapeHtml(policy.number)}</h1><table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table><h2>Changes</h2><ul>${e.changes.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul></body></html>`;
}

export function renderCancellation(policy: Policy, issuedAt: Date): string {
  const c = policy.cancellation!;
  const rows = [
    ['Policy', policy.number],
    ['Cancelled from', c.effectiveDate],
    ['Reason', c.reason],
    ['By', c.by],
    ['Return premium', `${formatMoney(c.returnPremium)} (${c.daysRemaining} days unexpired)`],
    ['Issued', issuedAt.toISOString()],
  ];
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(policy.number)} cancellation</title><style>${CSS}</style></head><body><h1>Notice of cancellation: policy ${escapeHtml(policy.number)}</h1><table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table></body></html>`;
}
