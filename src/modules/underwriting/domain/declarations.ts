/** The declarations page: a printable HTML schedule of the policy. All text is escaped. */
import { formatMoney, type Money } from '../../../core/money';
import type { Policy } from './policy';
import type { Product } from './product';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const money = (m: Money) => escapeHtml(formatMoney(m));
const pct = (x: number) => `${Math.round(x * 10_000) / 100}%`;

const CSS = `
  body { font: 10.5pt/1.4 Georgia, 'Times New Roman', serif; color: #111; margin: 2rem auto; max-width: 60rem; }
  h1 { font-size: 16pt; margin: 0 0 .2rem; } h2 { font-size: 12pt; margin: 1.4rem 0 .4rem; border-bottom: 1px solid #999; }
  table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #bbb; padding: .25rem .4rem; vertical-align: top; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  dl { display: grid; grid-template-columns: 14rem 1fr; gap: .15rem .8rem; } dt { font-weight: bold; } dd { margin: 0; }
  .excluded { color: #777; } .note { font-size: 9pt; color: #444; }
  @page { size: A4; margin: 16mm 14mm; }
  @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr, li { break-inside: avoid; } }
`;

/** Render the declarations for a policy. `issuedAt` is printed as given (take it from a Clock). */
export function renderDeclarations(policy: Policy, product: Product, issuedAt: Date): string {
  const t = policy.terms;
  const e = escapeHtml;
  const exclusionsById = new Map(product.exclusions.map((x) => [x.id, x]));
  const sectionRows = t.sections
    .map((s) => {
      const cls = s.included ? '' : ' class="excluded"';
      if (!s.included) {
        return `<tr${cls}><td>${e(s.name)}</td><td>${s.party === 'first' ? 'First party' : 'Third party'}</td><td colspan="5">Not purchased</td></tr>`;
      }
      return `<tr><td>${e(s.name)}</td><td>${s.party === 'first' ? 'First party' : 'Third party'}</td><td class="num">${money(s.limit)}</td><td class="num">${money(s.sublimit)}</td><td class="num">${money(s.retention)}</td><td class="num">${s.waitingPeriodHours === null ? '&ndash;' : `${s.waitingPeriodHours} hours`}</td><td class="num">${pct(s.coinsurance)}</td></tr>`;
    })
    .join('\n');
  const usedExclusions = new Set(t.sections.filter((s) => s.included).flatMap((s) => s.exclusions));
  const exclusions = product.exclusions
    .filter((x) => usedExclusions.has(x.id))
    .map((x) => {
      const rule = x.coinsuranceRule
        ? ` <span class="note">(grace period ${x.coinsuranceRule.graceDays} days; then +${pct(x.coinsuranceRule.stepShare)} coinsurance per ${x.coinsuranceRule.periodDays} days started, up to ${pct(x.coinsuranceRule.maxShare)})</span>`
        : '';
      return `<li><strong>${e(x.name)}</strong> (${e(x.id)}): ${e(x.summary)}${rule}</li>`;
    })
    .join('\n');
  const panel = product.panelServices
    .map(
      (p) =>
        `<li><strong>${e(p.name)}</strong>: ${e(p.description)} <span class="note">Providers: ${e(p.providers.join('; '))}</span></li>`,
    )
    .join('\n');
  const fines = t.jurisdictions
    .map(
      (j) =>
        `<li>${e(j.code)}: fines and penalties ${j.penaltiesInsurable === 'yes' ? 'covered where insurable' : j.penaltiesInsurable === 'no' ? 'not insurable: defence costs only' : 'insurability uncertain: covered only where the law allows'}</li>`,
    )
    .join('\n');
  const endorsements = policy.endorsements.length
    ? `<h2>Endorsements</h2><table><thead><tr><th>No.</th><th>Effective</th><th>Changes</th><th>Reason</th><th>Premium adjustment</th></tr></thead><tbody>${policy.endorsements
        .map(
          (x) =>
            `<tr><td>${x.number}</td><td>${e(x.effectiveDate)}</td><td>${e(x.changes.join('; ') || 'premium only')}</td><td>${e(x.reason)}</td><td class="num">${money(x.premiumAdjustment)}</td></tr>`,
        )
        .join('\n')}</tbody></table>`
    : '';
  const cancellation = policy.cancellation
    ? `<h2>Cancellation</h2><p>Cancelled from ${e(policy.cancellation.effectiveDate)} (${e(policy.cancellation.reason)}); return premium ${money(policy.cancellation.returnPremium)}.</p>`
    : '';
  const prior = policy.priorKnownIncidents.length
    ? `<h2>Prior known incidents (excluded)</h2><ul>${policy.priorKnownIncidents.map((x) => `<li>${e(x.date)}: ${e(x.description)}</li>`).join('\n')}</ul>`
    : '';
  const exclusionNames = [...usedExclusions].filter((id) => exclusionsById.has(id));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Declarations ${e(policy.number)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(product.name)}: Declarations</h1>
<p class="note">Policy ${e(policy.number)} &middot; issued ${e(issuedAt.toISOString())} &middot; rate filing ${e(policy.filingId)} (version ${e(policy.filingVersion)})</p>
<h2>Insured and period</h2>
<dl>
<dt>Insured</dt><dd>${e(policy.insured.name)}</dd>
<dt>Industry</dt><dd>${e(policy.insured.industry)}</dd>
<dt>Jurisdictions</dt><dd>${e(policy.insured.jurisdictions.join(', '))} (governing law: ${e(policy.jurisdiction)})</dd>
<dt>Policy period</dt><dd>${e(policy.period.start)} 00:00 UTC to ${e(policy.period.end)} 00:00 UTC</dd>
<dt>Status</dt><dd>${e(policy.status.replace('_', ' '))}</dd>
</dl>
<h2>Limits and retention</h2>
<dl>
<dt>Policy aggregate limit</dt><dd>${money(t.aggregateLimit)} for the policy period, all sections together</dd>
<dt>Retention</dt><dd>${money(t.retention)} each event; where one event triggers several sections, only the single highest retention applies</dd>
<dt>Business interruption waiting period</dt><dd>${t.waitingPeriodHours} hours</dd>
</dl>
<h2>Coverage sections</h2>
<table>
<thead><tr><th>Section</th><th>Party</th><th>Limit each event</th><th>Sublimit (annual, part of the aggregate)</th><th>Retention</th><th>Waiting period</th><th>Coinsurance</th></tr></thead>
<tbody>
${sectionRows}
</tbody>
</table>
<h2>Premium</h2>
<dl>
<dt>Premium at binding</dt><dd>${money(policy.premium)}</dd>
<dt>Annual premium now</dt><dd>${money(policy.annualPremium)}</dd>
<dt>Premium charged</dt><dd>${money(policy.premiumCharged)}</dd>
</dl>
<h2>Panel services</h2>
<ul>
${panel}
</ul>
<h2>Regulatory fines by jurisdiction</h2>
<ul>
${fines}
</ul>
<h2>Exclusions (summary)</h2>
<p class="note">Applying to the purchased sections: ${e(exclusionNames.join(', '))}. The policy wording governs; this is a summary.</p>
<ul>
${exclusions}
</ul>
${prior}
${endorsements}
${cancellation}
</body>
</html>
`;
}
