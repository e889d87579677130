/**
 * Recharts, with animation off everywhere: charts render their final state at once, so screenshots
 * (and the end-to-end tests that take them) are deterministic and nothing moves under a reader's eye.
 * Import chart parts from here, never from 'recharts' directly.
 */
import type { ComponentProps } from 'react';
import {
  Area as RArea,
  Bar as RBar,
  Line as RLine,
  Pie as RPie,
  Scatter as RScatter,
  Tooltip as RTooltip,
} from 'recharts';

export {
  AreaChart,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  Legend,
  LineChart,
  PieChart,
  ReferenceLine,
  ResponsiveContainer,
  ScatterChart,
  XAxis,
  YAxis,
} from 'recharts';

export const Area = (p: ComponentProps<typeof RArea>) => <RArea {...p} isAnimationActive={false} />;
export const Bar = (p: ComponentProps<typeof RBar>) => <RBar {...p} isAnimationActive={false} />;
export const Line = (p: ComponentProps<typeof RLine>) => <RLine {...p} isAnimationActive={false} />;
export const Pie = (p: ComponentProps<typeof RPie>) => <RPie {...p} isAnimationActive={false} />;
export const Scatter = (p: ComponentProps<typeof RScatter>) => <RScatter {...p} isAnimationActive={false} />;
export const Tooltip = (p: ComponentProps<typeof RTooltip>) => <RTooltip {...p} isAnimationActive={false} />;

/** The palette of the console (styles.css), for series colours. */
export const SERIES = ['#2563eb', '#0d9488', '#d97706', '#dc2626', '#7c3aed', '#64748b'];
