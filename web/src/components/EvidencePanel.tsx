import { type ReactNode, useEffect, useState } from 'react';
import { ApiError, api, type LedgerEntryType, type LedgerEvidence, type LedgerEvidenceEntry } from '../api';
import { formatTime } from '../format';
import { CHECK_LABELS, type EntryResult, type VerificationReport, verifyEvidence } from '../ledger-verify';
import { useResource } from '../use-resource';
import { Badge } from './Badge';
import { ErrorPanel } from './ErrorPanel';
import './evidence-panel.css';

/** Entries listed before "show all": the newest versions matter most. */
const SHOWN = 5;

/** A short, type-aware description of what one logged version says. */
function describe(type: LedgerEntryType, payload: unknown): string {
  const p = payload as Record<string, unknown> | null;
  if (!p) return 'payload erased (the entry still proves its hash)';
  if (type === 'alert')
    return `${p.status}, ${p.windows} window${p.windows === 1 ? '' : 's'}, ${p.count} records`;
  if (type === 'device_change' && p.change && typeof p.change === 'object')
    return `changed ${Object.keys(p.change).join(', ')} (${p.source})`;
  if (type === 'policy_document' && typeof p.declarationsSha256 === 'string')
    return `declarations SHA-256 ${p.declarationsSha256.slice(0, 16)}…`;
  if (type === 'policy_document' && typeof p.document === 'string' && typeof p.sha256 === 'string')
    return `${p.document}${p.sequence ? ` ${p.sequence}` : ''} SHA-256 ${p.sha256.slice(0, 16)}…`;
  if (type === 'response_action' && typeof p.to === 'string')
    return `${p.from} → ${p.to}${p.note ? `: ${p.note}` : ''} (${p.by})`;
  return '';
}

/**
 * "Verified against checkpoint N" for every ledger entry of one record (an alert's versions, a
 * device's changes, a policy's declarations), checked in this browser (ledger-verify.ts), or in red
 * exactly which check failed.
 */
export function EvidencePanel({
  type,
  record,
  version,
  title = 'Ledger evidence',
}: {
  type: LedgerEntryType;
  /** Id of the record (the entries' ref). */
  record: string;
  /** Changes when the record changes, so new versions are fetched and proven. */
  version?: string;
  title?: string;
}) {
  const evidence = useResource(
    (signal) =>
      api
        .ledgerEvidence(type, record, signal)
        .catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
    [type, record, version],
  );
  const [report, setReport] = useState<{ for: LedgerEvidence; report: VerificationReport } | Error>();
  const [all, setAll] = useState(false);
  const ev = evidence.data;
  useEffect(() => {
    if (!ev) return;
    let live = true;
    verifyEvidence(ev).then(
      (r) => live && setReport({ for: ev, report: r }),
      (e: unknown) => live && setReport(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      live = false;
    };
  }, [ev]);

  let body: ReactNode;
  let summary: ReactNode = null;
  if (evidence.error) body = <ErrorPanel error={evidence.error} title="The ledger could not be read" />;
  else if (ev === undefined) body = <div className="muted">Reading the ledger…</div>;
  else if (ev === null) body = <div className="muted">Not logged in the ledger (yet).</div>;
  else if (report instanceof Error)
    body = <div className="alert alert-error">Verification could not run: {report.message}</div>;
  else if (!report || report.for !== ev) body = <div className="muted">Verifying in this browser…</div>;
  else {
    const r = report.report;
    const shown = all ? ev.entries : ev.entries.slice(0, SHOWN);
    const cp = ev.checkpoint;
    const against = `checkpoint ${cp.size} (size ${cp.size}, root ${cp.rootHash.slice(0, 12)}…, ${formatTime(cp.createdAt)})`;
    if (r.mode === 'browser') {
      const failed = r.entries.filter((e) => !e.ok).length;
      summary = (
        <>
          {failed ? (
            <Badge tone="critical">{failed} failed</Badge>
          ) : (
            <Badge tone="ok">{r.entries.length} verified</Badge>
          )}
          <span className="muted small" data-testid="evidence-mode">
            checked in this browser (WebCrypto) · key {r.checkpoint.keyName}+{r.checkpoint.keyId}
            {r.checkpoint.origin && ` · log ${r.checkpoint.origin}`}
          </span>
        </>
      );
    } else {
      summary = (
        <Badge tone="high" title={r.reason}>
          server-checked only
        </Badge>
      );
    }
    body = (
      <>
        {r.mode === 'unsupported' && (
          <div className="alert alert-warn" data-testid="evidence-mode">
            This browser cannot verify the ledger: {r.reason}. Below is the server's own check, which is not
            an independent verification.
          </div>
        )}
        <ul className="ledger-list">
          {shown.map((e) => (
            <EntryLine
              key={e.index}
              type={ev.type}
              entry={e}
              result={r.mode === 'browser' ? r.entries.find((x) => x.index === e.index) : undefined}
              against={against}
            />
          ))}
        </ul>
        {(ev.entries.length > SHOWN || ev.total > ev.entries.length) && (
          <div className="small muted">
            {ev.entries.length > SHOWN && (
              <button type="button" className="btn-link" onClick={() => setAll(!all)}>
                {all ? 'show the newest only' : `show all ${ev.entries.length}`}
              </button>
            )}
            {ev.total > ev.entries.length && ` · ${ev.total - ev.entries.length} older entries not listed`}
          </div>
        )}
      </>
    );
  }
  return (
    <section className="card" data-testid="ledger-evidence">
      <div className="ledger-head">
        <h2>{title}</h2>
        {summary}
      </div>
      {body}
    </section>
  );
}

function EntryLine({
  type,
  entry,
  result,
  against,
}: {
  type: LedgerEntryType;
  entry: LedgerEvidenceEntry;
  /** Undefined when the browser could not verify: the server's check is shown, labelled. */
  result: EntryResult | undefined;
  against: string;
}) {
  const what = describe(type, entry.payload);
  const head = (
    <>
      <span className="mono">#{entry.index}</span> logged {formatTime(entry.time)}
      {what && <span className="muted"> · {what}</span>}
    </>
  );
  if (!result) {
    const s = entry.serverCheck;
    return (
      <li className="ledger-entry" data-testid="ledger-entry" data-ok={String(s.ok)}>
        {head} ·{' '}
        {s.ok ? (
          <span>server says: matches {against}</span>
        ) : (
          <span className="ledger-failed">
            server says: {s.check.replace('_', ' ')} failed: {s.message}
          </span>
        )}
      </li>
    );
  }
  if (result.ok)
    return (
      <li className="ledger-entry" data-testid="ledger-entry" data-ok="true">
        {head} · <span className="ledger-ok">✓ Verified against {against}</span>
      </li>
    );
  return (
    <li className="ledger-entry" data-testid="ledger-entry" data-ok="false">
      {head} ·{' '}
      <span className="ledger-failed">
        ✗ Verification failed ({[...new Set(result.failures.map((f) => CHECK_LABELS[f.check]))].join(', ')})
      </span>
      <ul className="ledger-failures">
        {result.failures.map((f) => (
          <li key={f.check + f.message} data-testid="evidence-failure" data-check={f.check}>
            <strong>{CHECK_LABELS[f.check]}</strong>: {f.message}
          </li>
        ))}
      </ul>
    </li>
  );
}
