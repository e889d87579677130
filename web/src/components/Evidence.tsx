/**
 * An alert's evidence object, rendered for a reader: record ids and peers as lists, the window as
 * times, counts as numbers. Detectors add keys of their own (the metric that fired), so anything not
 * known is still shown, by its name.
 */
import type { ReactNode } from 'react';
import { formatCount, formatTime } from '../format';
import { Badge } from './Badge';
import { formatBytes } from './TrafficChart';

const NAMES: Record<string, string> = {
  recordIds: 'Record ids',
  totalRecords: 'Records in the alert',
  distinctPeers: 'Distinct peers',
  distinctPeersCapped: 'Peer count capped',
  distinctPorts: 'Distinct ports',
  peers: 'Peers (first 10)',
  ports: 'Ports (first 20)',
  window: 'Window',
  origBytes: 'Bytes sent',
  origPkts: 'Packets sent',
  thresholdRatio: 'Metric / threshold',
};

// Epoch seconds after 2001-09-09: detectors give window ends as seconds since the epoch.
const looksLikeEpochSeconds = (k: string, v: unknown) =>
  typeof v === 'number' && v > 1e9 && v < 1e11 && /^(from|to|first|last|start|end)/i.test(k);

export const humanKey = (k: string) =>
  NAMES[k] ??
  k
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/^./, (c) => c.toUpperCase());

function Value({ k, v }: { k: string; v: unknown }): ReactNode {
  if (v === null || v === undefined) return <span className="muted">—</span>;
  if (looksLikeEpochSeconds(k, v)) return formatTime(new Date((v as number) * 1000).toISOString());
  if (typeof v === 'boolean') return <Badge tone={v ? 'info' : 'muted'}>{v ? 'yes' : 'no'}</Badge>;
  if (typeof v === 'number') {
    if (/bytes$/i.test(k)) return `${formatBytes(v)} (${formatCount(v)})`;
    if (/seconds$/i.test(k)) return `${v.toLocaleString('en-GB')} s`;
    return Number.isInteger(v) ? formatCount(v) : v.toLocaleString('en-GB', { maximumFractionDigits: 3 });
  }
  if (typeof v === 'string') return <span className="mono">{v}</span>;
  if (Array.isArray(v)) {
    if (v.length === 0) return <span className="muted">none</span>;
    return (
      <ul className="evidence-list" data-testid={`evidence-${k}`}>
        {v.map((x, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: evidence lists are static and may repeat values
          <li key={i}>{typeof x === 'object' ? JSON.stringify(x) : String(x)}</li>
        ))}
      </ul>
    );
  }
  if (typeof v === 'object') return <EvidenceFacts evidence={v as Record<string, unknown>} />;
  return String(v);
}

// Known keys first, in reading order (what, how much, who, when); a detector's own keys follow.
const ORDER = [
  'summary',
  'from',
  'to',
  'seconds',
  'totalRecords',
  'distinctPeers',
  'distinctPeersCapped',
  'peers',
  'distinctPorts',
  'ports',
  'window',
  'origPkts',
  'origBytes',
  'thresholdRatio',
  'recordIds',
];
const rank = (k: string) => {
  const i = ORDER.indexOf(k);
  return i < 0 ? ORDER.length - 1 : i;
};

export function EvidenceFacts({ evidence }: { evidence: Record<string, unknown> }) {
  const keys = Object.keys(evidence).sort((a, b) => rank(a) - rank(b));
  if (keys.length === 0) return <div className="muted">No evidence recorded.</div>;
  return (
    <dl className="facts">
      {keys.map((k) => (
        <EvidenceRow key={k} k={k} v={evidence[k]} />
      ))}
    </dl>
  );
}

function EvidenceRow({ k, v }: { k: string; v: unknown }) {
  return (
    <>
      <dt>{humanKey(k)}</dt>
      <dd>
        <Value k={k} v={v} />
      </dd>
    </>
  );
}
