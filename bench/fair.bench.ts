import { loadavg } from 'node:os';
import type { FairScenario } from '../src/modules/risk/domain/fair';
import { simulate } from '../src/modules/risk/domain/fair';

/**
 * FAIR Monte Carlo throughput: 1,000,000 simulated years x 5 IoT scenarios (target < 1 s on a
 * 2-core machine). The scenarios mix PERT and Poisson frequencies, PERT and lognormal magnitudes,
 * and secondary losses, like the defaults built by scenariosForOrganisation.
 */
export const benchScenarios: FairScenario[] = [
  {
    id: 'botnet_recruitment',
    name: 'Botnet recruitment',
    threatEventFrequency: { dist: 'pert', min: 0.5, mode: 2, max: 6 },
    vulnerability: 0.35,
    primary: {
      incidentResponse: { dist: 'pert', min: 5_000, mode: 20_000, max: 80_000 },
      restoration: { dist: 'pert', min: 2_000, mode: 10_000, max: 60_000 },
    },
    secondary: {
      probability: 0.1,
      liability: { probability: 0.5, magnitude: { dist: 'lognormal', median: 50_000, p90: 400_000 } },
    },
  },
  {
    id: 'ransomware_ot',
    name: 'Ransomware on OT/IoT',
    threatEventFrequency: { dist: 'pert', min: 0.05, mode: 0.2, max: 0.8 },
    vulnerability: 0.4,
    primary: {
      incidentResponse: { dist: 'pert', min: 50_000, mode: 200_000, max: 1_000_000 },
      outageHours: { dist: 'pert', min: 8, mode: 72, max: 480 },
      hourlyDowntimeCost: { dist: 'pert', min: 5_000, mode: 20_000, max: 60_000 },
      restoration: { dist: 'lognormal', median: 400_000, p90: 1_500_000 },
      extortion: { probability: 0.3, magnitude: { dist: 'lognormal', median: 1_000_000, p90: 4_000_000 } },
    },
    secondary: {
      probability: 0.3,
      notification: {
        records: { dist: 'pert', min: 100, mode: 5_000, max: 50_000 },
        costPerRecord: { dist: 'pert', min: 2, mode: 8, max: 30 },
      },
      regulatory: { probability: 0.2, magnitude: { dist: 'lognormal', median: 100_000, p90: 1_000_000 } },
    },
  },
  {
    id: 'data_breach',
    name: 'Data breach through a device',
    threatEventFrequency: { dist: 'poisson', rate: 0.3 },
    vulnerability: 0.3,
    primary: {
      incidentResponse: { dist: 'pert', min: 30_000, mode: 150_000, max: 800_000 },
      restoration: { dist: 'pert', min: 5_000, mode: 30_000, max: 150_000 },
    },
    secondary: {
      probability: 0.8,
      notification: {
        records: { dist: 'pert', min: 1_000, mode: 20_000, max: 200_000 },
        costPerRecord: { dist: 'pert', min: 2, mode: 8, max: 30 },
      },
      regulatory: { probability: 0.3, magnitude: { dist: 'lognormal', median: 200_000, p90: 2_000_000 } },
      liability: { probability: 0.2, magnitude: { dist: 'lognormal', median: 300_000, p90: 3_000_000 } },
    },
  },
  {
    id: 'service_disruption',
    name: 'Service disruption',
    threatEventFrequency: { dist: 'poisson', rate: 1.5 },
    vulnerability: 0.25,
    primary: {
      incidentResponse: { dist: 'pert', min: 2_000, mode: 10_000, max: 50_000 },
      outageHours: { dist: 'pert', min: 1, mode: 8, max: 72 },
      hourlyDowntimeCost: { dist: 'constant', value: 20_000 },
    },
  },
  {
    id: 'safety_event',
    name: 'Safety event',
    threatEventFrequency: { dist: 'pert', min: 0.01, mode: 0.05, max: 0.2 },
    vulnerability: 0.3,
    primary: {
      incidentResponse: { dist: 'pert', min: 50_000, mode: 150_000, max: 500_000 },
      outageHours: { dist: 'pert', min: 4, mode: 24, max: 168 },
      hourlyDowntimeCost: { dist: 'pert', min: 5_000, mode: 20_000, max: 60_000 },
    },
    secondary: {
      probability: 0.5,
      liability: { probability: 0.6, magnitude: { dist: 'lognormal', median: 500_000, p90: 5_000_000 } },
      regulatory: {
        probability: 0.3,
        magnitude: { dist: 'pert', min: 10_000, mode: 100_000, max: 1_000_000 },
      },
    },
  },
];

export async function run(): Promise<
  Array<{ name: string; value: number; unit: string; target?: string; note?: string }>
> {
  const years = 1_000_000;
  simulate(benchScenarios, { years: 20_000, seed: 1, currency: 'USD' }); // warm the JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  let events = 0;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = simulate(benchScenarios, { years, seed: 42 + i, currency: 'USD' });
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    events = r.events.count;
  }
  const best = Math.min(...wall);
  const round = (xs: number[]) => xs.map((t) => Math.round(t)).join(', ');
  return [
    {
      name: 'fair: 1M years x 5 scenarios, wall (best of 3)',
      value: Math.round(best),
      unit: 'ms',
      target: '< 1000 ms',
      note: `${events.toLocaleString('en-US')} loss events; wall ${round(wall)} ms; cpu ${round(cpu)} ms; load average ${loadavg()[0].toFixed(1)}`,
    },
    {
      name: 'fair: 1M years x 5 scenarios, process CPU (best of 3)',
      value: Math.round(Math.min(...cpu)),
      unit: 'ms',
      target: '< 1000 ms',
      note: 'user + system time of this process: less sensitive than wall time to other load on the machine',
    },
    {
      name: 'fair: simulated years per second (wall)',
      value: Math.round(years / (best / 1000)),
      unit: 'years/s',
    },
  ];
}
