import type { Baseline } from './baseline';
import type { ComplianceResult, OrganisationEvaluation } from './evaluate';

/** HTML text escaping for element content and double-quoted attributes. */
export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const LABEL: Record<ComplianceResult, string> = { met: 'Met', not_met: 'Not met', unknown: 'Unknown' };

const CSS = `
body{font:11pt/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111;margin:2rem;max-width:60rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .25rem}
.meta{color:#444;margin:0 0 1rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #999;padding:.3rem .45rem;text-align:left;vertical-align:top}th{background:#eee}
.num{text-align:right;font-variant-numeric:tabular-nums}.not_met{color:#a00;font-weight:600}.met{color:#060}.unknown{color:#555}
.req{break-inside:avoid;page-break-inside:avoid;border-top:1px solid #ccc;padding-top:.5rem}
.text{margin:.25rem 0;color:#222}.src{font-size:.85em;color:#555}
@media print{body{margin:0;max-width:none;font-size:9.5pt}a{color:inherit;text-decoration:none}
thead{display:table-header-group}h2{break-after:avoid}@page{margin:15mm}}
`;

export interface ReportOptions {
  organisationName: string;
  /** ISO timestamp from the caller's clock. */
  generatedAt: string;
}

/**
 * A printable per-baseline report for an auditor: summary, then each requirement with its text,
 * source, counts and the devices failing it with the evidence that decided it. Every piece of text
 * that came from data is escaped.
 */
export function renderBaselineReport(b: Baseline, ev: OrganisationEvaluation, opts: ReportOptions): string {
  const e = escapeHtml;
  const byId = new Map(ev.requirements.map((r) => [r.requirementId, r]));
  const overall = (id: string): ComplianceResult => {
    const r = byId.get(id);
    if (!r || ev.deviceCount === 0) return 'unknown';
    if (r.notMet > 0) return 'not_met';
    return r.met === ev.deviceCount ? 'met' : 'unknown';
  };
  const summary = { met: 0, not_met: 0, unknown: 0 };
  for (const r of b.requirements) summary[overall(r.id)]++;

  const rows = b.requirements
    .map((req) => {
      const s = byId.get(req.id);
      const o = overall(req.id);
      const failing =
        s && s.failing.length > 0
          ? `<table><thead><tr><th>Device</th><th>Why</th></tr></thead><tbody>${s.failing
              .map(
                (f) =>
                  `<tr><td>${e(f.deviceName)} <span class="src">(${e(f.deviceId)})</span></td><td>${e(f.explanation)}</td></tr>`,
              )
              .join('')}</tbody></table>`
          : '';
      return `<section class="req" id="req-${e(req.id)}">
<h3>${e(req.id)} — ${e(req.title)} <span class="${o}">${LABEL[o]}</span></h3>
<p class="text">${e(req.text)}</p>
<p class="src">${e(req.source)}${req.modality ? ` · ${e(req.modality)}` : ''}${req.rule ? '' : ' · not decidable from device facts; attest to decide'}</p>
<p>Devices: <span class="met">${s?.met ?? 0} met</span>, <span class="not_met">${s?.notMet ?? 0} not met</span>, <span class="unknown">${s?.unknown ?? 0} unknown</span>${
        s && s.attested > 0 ? `, ${s.attested} by attestation` : ''
      }</p>
${failing}
</section>`;
    })
    .join('\n');

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${e(b.title)} — ${e(opts.organisationName)}</title>
<style>${CSS}</style></head>
<body>
<h1>${e(b.title)}</h1>
<p class="meta">${e(opts.organisationName)} · assessed ${e(ev.asOf)} · generated ${e(opts.generatedAt)} · ${ev.deviceCount} device(s) in scope · baseline ${e(b.version)}</p>
<p class="src">${e(b.source)}</p>
<h2>Summary</h2>
<table><thead><tr><th>Requirements</th><th class="num">Count</th></tr></thead><tbody>
<tr><td class="met">Met by every device</td><td class="num">${summary.met}</td></tr>
<tr><td class="not_met">Not met by at least one device</td><td class="num">${summary.not_met}</td></tr>
<tr><td class="unknown">Unknown (not decidable from facts, or not attested)</td><td class="num">${summary.unknown}</td></tr>
</tbody></table>
<table><thead><tr><th>Device results</th><th class="num">Met</th><th class="num">Not met</th><th class="num">Unknown</th><th class="num">Attested</th></tr></thead><tbody>
<tr><td>All devices × requirements</td><td class="num">${ev.totals.met}</td><td class="num">${ev.totals.not_met}</td><td class="num">${ev.totals.unknown}</td><td class="num">${ev.totals.attested}</td></tr>
</tbody></table>
<p class="src">Results decided by an attestation are marked attested; a measured fact always takes precedence over an attestation.</p>
<h2>Requirements</h2>
${rows}
</body></html>
`;
}
