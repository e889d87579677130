import { api, type DeviceQuery, type Site } from '../api';
import { formatCount } from '../format';
import { useResource } from '../use-resource';
import { Bar, BarChart, CartesianGrid, SERIES, Tooltip, XAxis, YAxis } from './charts';

interface Tile {
  label: string;
  /** The filter the tile counts, applied to the list when clicked. */
  filter: Partial<Record<'exposed' | 'criticality' | 'status', string>>;
  tone?: 'critical' | 'high';
}

const TILES: Tile[] = [
  { label: 'Devices', filter: {} },
  { label: 'Internet-exposed', filter: { exposed: 'true' }, tone: 'critical' },
  { label: 'Critical', filter: { criticality: 'critical' }, tone: 'critical' },
  { label: 'Quarantined', filter: { status: 'quarantined' }, tone: 'high' },
];

/** Whole-fleet counts (independent of the list's filters) and devices per site. */
export function FleetSummary({
  sites,
  onFilter,
}: {
  sites: Site[] | undefined;
  onFilter: (filter: Tile['filter']) => void;
}) {
  // One limit=1 request per tile: the server counts, the browser never pages through the fleet.
  const counts = useResource(
    (signal) =>
      Promise.all(
        TILES.map((t) => {
          const q: DeviceQuery = { limit: 1 };
          if (t.filter.exposed) q.exposed = t.filter.exposed === 'true';
          if (t.filter.criticality) q.criticality = t.filter.criticality;
          if (t.filter.status) q.status = t.filter.status;
          return api.devices(q, signal).then((p) => p.total);
        }),
      ),
    [],
  );
  const perSite = (sites ?? []).filter((s) => s.deviceCount > 0).slice(0, 12);
  return (
    <div className="summary" data-testid="fleet-summary">
      {TILES.map((t, i) => {
        const n = counts.data?.[i];
        return (
          <button
            key={t.label}
            className={`tile${t.tone && n ? ` tile-${t.tone}` : ''}`}
            onClick={() => onFilter(t.filter)}
            title={`Show ${t.label.toLowerCase()} devices`}
          >
            <span className="tile-label">{t.label}</span>
            <span className="tile-value">{n === undefined ? '…' : formatCount(n)}</span>
          </button>
        );
      })}
      {perSite.length > 0 && (
        <div className="tile tile-chart" data-testid="site-chart">
          <span className="tile-label">Devices per site</span>
          <BarChart
            width={300}
            height={Math.max(40, perSite.length * 16)}
            data={perSite}
            layout="vertical"
            margin={{ top: 0, right: 8, bottom: 0, left: 0 }}
          >
            <CartesianGrid horizontal={false} stroke="#edf0f4" />
            <XAxis type="number" hide allowDecimals={false} />
            <YAxis
              type="category"
              dataKey="name"
              width={90}
              tick={{ fontSize: 11 }}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip cursor={{ fill: '#f1f4f8' }} formatter={(v) => [v, 'devices']} />
            <Bar dataKey="deviceCount" fill={SERIES[0]} barSize={10} radius={[0, 3, 3, 0]} />
          </BarChart>
        </div>
      )}
    </div>
  );
}
