import { type ReactNode, useState } from 'react';
import { api, DEVICE_STATUSES, type Device, type DeviceHistoryEntry, type DeviceStatus } from '../api';
import { AlertTable } from '../components/Alerts';
import {
  Badge,
  CredentialBadge,
  CriticalityBadge,
  ExposureBadge,
  label,
  StatusBadge,
  YesNo,
} from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { EvidencePanel } from '../components/EvidencePanel';
import { TrafficChart } from '../components/TrafficChart';
import { formatCount, formatTime } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useAction, useResource } from '../use-resource';

export function DevicePage({ params }: PageProps) {
  const id = params.id;
  const device = useResource((signal) => api.device(id, signal), [id]);
  const history = useResource((signal) => api.deviceHistory(id, signal), [id]);
  const sites = useResource((signal) => api.sites(signal), []);

  if (device.error)
    return (
      <div className="page">
        <Breadcrumb name="Device" />
        <ErrorPanel error={device.error} />
      </div>
    );
  const d = device.data;
  if (!d) return <div className="page muted">Loading…</div>;
  const site = d.siteId ? sites.data?.items.find((s) => s.id === d.siteId) : undefined;

  return (
    <div className="page">
      <Breadcrumb name={d.name} />
      <div className="page-header">
        <div>
          <h1 data-testid="device-name">{d.name}</h1>
          <div className="badges">
            <Badge tone="info">{label(d.kind)}</Badge>
            <StatusBadge value={d.status} />
            <CriticalityBadge value={d.criticality} />
            <ExposureBadge exposed={d.internetExposed} />
            {d.safetyCritical && <Badge tone="critical">safety-critical</Badge>}
            {d.credentialState === 'default' && <Badge tone="critical">default credentials</Badge>}
          </div>
        </div>
        <StatusEditor
          device={d}
          onSaved={() => {
            device.reload();
            history.reload();
          }}
        />
      </div>

      <div className="grid-2">
        <Facts title="Identity">
          <Fact name="Vendor">{d.vendor}</Fact>
          <Fact name="Product">{d.product}</Fact>
          <Fact name="Model">{d.model}</Fact>
          <Fact name="Firmware" mono>
            {d.firmwareVersion}
          </Fact>
          <Fact name="Serial" mono>
            {d.serial}
          </Fact>
          <Fact name="Site">{site ? site.name : d.siteId ? '…' : null}</Fact>
        </Facts>
        <Facts title="Network">
          <Fact name="IP addresses" mono>
            {d.ipAddresses.length ? d.ipAddresses.join(', ') : null}
          </Fact>
          <Fact name="MAC addresses" mono>
            {d.macAddresses.length ? d.macAddresses.join(', ') : null}
          </Fact>
          <Fact name="Network segment">{d.networkSegment}</Fact>
          <Fact name="Segmented from office">
            <YesNo value={d.segmentedFromOffice} />
          </Fact>
          <Fact name="Exposure">
            <ExposureBadge exposed={d.internetExposed} />
          </Fact>
        </Facts>
        <Facts title="Security posture">
          <Fact name="Criticality">
            <CriticalityBadge value={d.criticality} />
          </Fact>
          <Fact name="Safety-critical">
            <YesNo value={d.safetyCritical} good={false} />
          </Fact>
          <Fact name="Data held">{label(d.dataHeld)}</Fact>
          <Fact name="Credential state">
            <CredentialBadge value={d.credentialState} />
          </Fact>
          <Fact name="Secure boot">
            <YesNo value={d.secureBoot} />
          </Fact>
          <Fact name="Encrypted transport">
            <YesNo value={d.encryptedTransport} />
          </Fact>
          <Fact name="Update mechanism">{label(d.updateMechanism)}</Fact>
          <Fact name="Support ends">
            {d.supportEndDate && (
              <>
                {d.supportEndDate}{' '}
                {d.supportEndDate < new Date().toISOString().slice(0, 10) && (
                  <Badge tone="high">out of support</Badge>
                )}
              </>
            )}
          </Fact>
        </Facts>
        <Facts title="Lifecycle">
          <Fact name="Status">
            <StatusBadge value={d.status} />
          </Fact>
          <Fact name="Last seen">{d.lastSeenAt ? formatTime(d.lastSeenAt) : null}</Fact>
          <Fact name="Registered">{formatTime(d.createdAt)}</Fact>
          <Fact name="Last changed">{formatTime(d.updatedAt)}</Fact>
          <Fact name="Device id" mono>
            {d.id}
          </Fact>
        </Facts>
      </div>

      <DeviceDetection deviceId={d.id} />

      <section className="card">
        <h2>Open services</h2>
        {d.openServices.length === 0 ? (
          <div className="muted">None recorded.</div>
        ) : (
          <table className="table table-auto" data-testid="open-services">
            <thead>
              <tr>
                <th className="num">Port</th>
                <th>Protocol</th>
                <th>Service</th>
              </tr>
            </thead>
            <tbody>
              {d.openServices.map((s) => (
                <tr key={`${s.port}/${s.protocol}`}>
                  <td className="num mono">{s.port}</td>
                  <td>{s.protocol}</td>
                  <td>
                    {s.service ?? <span className="muted">unknown</span>}{' '}
                    {RISKY_PORTS.has(s.port) && <Badge tone="high">cleartext / remote admin</Badge>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <h2>Change history</h2>
        {history.error && <ErrorPanel error={history.error} />}
        {history.data && <History items={history.data.items} />}
      </section>

      <EvidencePanel
        type="device_change"
        record={d.id}
        version={d.updatedAt}
        title="Ledger evidence of changes"
      />
    </div>
  );
}

const TRAFFIC_HOURS = 6;

/** What detection saw of this device: per-minute traffic over the last hours and its alerts. */
function DeviceDetection({ deviceId }: { deviceId: string }) {
  const traffic = useResource(
    (signal) =>
      api.deviceTraffic(deviceId, TRAFFIC_HOURS, signal).then((r) => ({ ...r, loadedAt: Date.now() })),
    [deviceId],
  );
  const alerts = useResource((signal) => api.alerts({ deviceId, limit: 20 }, signal), [deviceId]);
  const points = traffic.data?.points ?? [];
  return (
    <>
      <section className="card">
        <div className="page-header">
          <h2>Traffic, last {TRAFFIC_HOURS} h</h2>
          <button className="btn" onClick={traffic.reload}>
            Refresh
          </button>
        </div>
        {traffic.error && <ErrorPanel error={traffic.error} />}
        {traffic.data &&
          (points.length === 0 ? (
            <div className="muted" data-testid="no-traffic">
              No flows from this device in the last {TRAFFIC_HOURS} hours.
            </div>
          ) : (
            <TrafficChart points={points} hours={TRAFFIC_HOURS} now={traffic.data.loadedAt} />
          ))}
      </section>
      <section className="card">
        <div className="page-header">
          <h2>Alerts{alerts.data && <span className="muted"> ({formatCount(alerts.data.total)})</span>}</h2>
          {alerts.data && alerts.data.total > alerts.data.items.length && (
            <Link to={`/alerts?deviceId=${deviceId}`}>All {formatCount(alerts.data.total)} alerts</Link>
          )}
        </div>
        {alerts.error && <ErrorPanel error={alerts.error} />}
        {alerts.data &&
          (alerts.data.items.length === 0 ? (
            <div className="muted" data-testid="no-device-alerts">
              No alerts for this device.
            </div>
          ) : (
            <AlertTable items={alerts.data.items} showDevice={false} />
          ))}
      </section>
    </>
  );
}

// Telnet, FTP, HTTP admin, RDP, VNC, Modbus, BACnet: services that IoT attacks go after first (CISA AA23-335A).
const RISKY_PORTS = new Set([21, 23, 2323, 80, 3389, 5900, 502, 47808]);

function Breadcrumb({ name }: { name: string }) {
  return (
    <div className="breadcrumb">
      <Link to="/inventory">Devices</Link> <span className="muted">/</span> <span>{name}</span>
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

function Fact({ name, children, mono }: { name: string; children: ReactNode; mono?: boolean }) {
  const empty = children === null || children === undefined || children === '' || children === false;
  return (
    <>
      <dt>{name}</dt>
      <dd className={mono ? 'mono' : undefined}>{empty ? <span className="muted">—</span> : children}</dd>
    </>
  );
}

function StatusEditor({ device, onSaved }: { device: Device; onSaved: () => void }) {
  const { can } = useSession();
  const [status, setStatus] = useState<DeviceStatus>(device.status);
  const { busy, error, run } = useAction();
  if (!can('inventory:write')) return null;
  const save = () => run(() => api.updateDevice(device.id, { status }), onSaved);
  return (
    <div className="status-editor">
      <label>
        Status{' '}
        <select
          data-testid="status-select"
          value={status}
          onChange={(e) => setStatus(e.target.value as DeviceStatus)}
        >
          {DEVICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <button
        className="btn btn-primary"
        data-testid="status-save"
        disabled={busy || status === device.status}
        onClick={() => void save()}
      >
        {busy ? 'Saving…' : 'Save'}
      </button>
      {error && <ErrorPanel error={error} />}
    </div>
  );
}

const show = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v) && v.length === 0) return 'none';
  if (Array.isArray(v))
    return v
      .map((x) =>
        x && typeof x === 'object' && 'port' in x
          ? `${(x as { port: number }).port}/${(x as { protocol: string }).protocol}`
          : String(x),
      )
      .join(', ');
  return String(v);
};

function History({ items }: { items: DeviceHistoryEntry[] }) {
  if (items.length === 0) return <div className="muted">No recorded changes.</div>;
  return (
    <table className="table" data-testid="device-history">
      <thead>
        <tr>
          <th>When</th>
          <th>Field</th>
          <th>From</th>
          <th>To</th>
          <th>Source</th>
        </tr>
      </thead>
      <tbody>
        {items.flatMap((h) =>
          Object.entries(h.change).map(([field, c], i) => (
            <tr key={`${h.id}-${field}`}>
              <td className="nowrap">{i === 0 ? formatTime(h.at) : ''}</td>
              <td>{label(field.replace(/([A-Z])/g, ' $1').toLowerCase())}</td>
              <td className="mono">{show(c.from)}</td>
              <td className="mono">{show(c.to)}</td>
              <td className="muted">{i === 0 ? h.source : ''}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}
