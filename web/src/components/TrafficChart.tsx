import type { TrafficPoint } from '../api';
import { formatCount } from '../format';
import {
  Bar,
  CartesianGrid,
  Cell,
  ComposedChart,
  Line,
  ResponsiveContainer,
  SERIES,
  Tooltip,
  XAxis,
  YAxis,
} from './charts';

const MINUTE = 60_000;
const MIN_SPAN_MINUTES = 30;
const FLOWS = SERIES[0];
const ALERTING = SERIES[3];
const BYTES = SERIES[1];

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

interface Row {
  t: number;
  flows: number;
  bytes: number;
  packets: number;
  alerting: number;
}

/**
 * Every minute of the window, zero where the device sent nothing: a gap in traffic is a fact to see,
 * not something to interpolate across.
 */
export function minuteSeries(points: TrafficPoint[], hours: number, now: number): Row[] {
  const end = Math.floor(now / MINUTE) * MINUTE;
  const windowStart = end - hours * 60 * MINUTE;
  const byMinute = new Map(points.map((p) => [Date.parse(p.minute), p]));
  // A device heard from only recently would be a sliver at the right edge of hours of nothing: start
  // a little before its first minute instead (at least MIN_SPAN_MINUTES wide), and say so.
  const first = Math.min(...byMinute.keys());
  const start = Math.max(windowStart, Math.min(first - 10 * MINUTE, end - MIN_SPAN_MINUTES * MINUTE));
  const rows: Row[] = [];
  for (let t = start + MINUTE; t <= end; t += MINUTE) {
    const p = byMinute.get(t);
    rows.push({
      t,
      flows: p?.flows ?? 0,
      bytes: p?.bytes ?? 0,
      packets: p?.packets ?? 0,
      alerting: p?.alerting ?? 0,
    });
  }
  return rows;
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

/** Flows (bars, red in minutes with alerting flows) and bytes (line, right axis) per minute, UTC. */
export function TrafficChart({ points, hours, now }: { points: TrafficPoint[]; hours: number; now: number }) {
  const rows = minuteSeries(points, hours, now);
  const alertingMinutes = rows.filter((r) => r.alerting > 0).length;
  const trimmed = rows.length < hours * 60;
  return (
    <div data-testid="traffic-chart">
      <div className="traffic-legend">
        <span>
          <i style={{ background: FLOWS }} />
          flows / min
        </span>
        <span>
          <i style={{ background: ALERTING }} />
          minutes with alerting flows ({formatCount(alertingMinutes)})
        </span>
        <span>
          <i style={{ background: BYTES }} />
          bytes / min (right axis)
        </span>
        {trimmed && rows.length > 0 && (
          <span data-testid="traffic-trimmed">
            from {hhmm(rows[0].t)} UTC: no traffic earlier in the last {hours} h
          </span>
        )}
      </div>
      <ResponsiveContainer width="100%" height={240}>
        <ComposedChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap={0}>
          <CartesianGrid vertical={false} stroke="#edf0f4" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            // Half a minute either side, so the bars of the first and last minute stay inside the axes.
            domain={[(min: number) => min - MINUTE / 2, (max: number) => max + MINUTE / 2]}
            tickFormatter={hhmm}
            tick={{ fontSize: 11 }}
            minTickGap={40}
          />
          <YAxis yAxisId="flows" allowDecimals={false} tick={{ fontSize: 11 }} width={48} />
          <YAxis
            yAxisId="bytes"
            orientation="right"
            tickFormatter={formatBytes}
            tick={{ fontSize: 11 }}
            width={64}
          />
          <Tooltip
            labelFormatter={(t) => `${hhmm(Number(t))} UTC`}
            formatter={(v, name) =>
              name === 'bytes' ? [formatBytes(Number(v)), 'bytes'] : [formatCount(Number(v)), String(name)]
            }
          />
          <Bar yAxisId="flows" dataKey="flows" name="flows" fill={FLOWS}>
            {rows.map((r) => (
              <Cell key={r.t} fill={r.alerting > 0 ? ALERTING : FLOWS} />
            ))}
          </Bar>
          <Line
            yAxisId="bytes"
            dataKey="bytes"
            name="bytes"
            stroke={BYTES}
            dot={false}
            strokeWidth={1.5}
            type="step"
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
