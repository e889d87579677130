/**
 * Underwriting throughput: quotes rated per second (the full worksheet of quote A), and simulated loss
 * events per second through the quoted terms (insured loss, the technical-premium hot path) on a
 * 1,000,000-year simulation of the risk module's benchmark scenarios. Rates are per CPU second of this
 * process (user + system) because the machine is shared; wall time is in the note.
 */
import { readFileSync } from 'node:fs';
import { parseScenarioFile, simulate } from '../src/modules/risk';
import {
  adequacy,
  insuredLoss,
  iotCyberFiling202601,
  parseSubmission,
  rate,
  technicalPremium,
} from '../src/modules/underwriting';
import { manufacturerSubmission } from '../src/modules/underwriting/domain/fixtures';
import { benchScenarios } from './fair.bench';

function cpuSeconds<T>(f: () => T): { value: T; cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, cpu: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000 };
}

export async function run() {
  const submission = parseSubmission(manufacturerSubmission());
  for (let i = 0; i < 2_000; i++) rate(submission, iotCyberFiling202601); // warm-up (JIT)
  const N = 20_000;
  const q = cpuSeconds(() => {
    let total = 0;
    for (let i = 0; i < N; i++) total += rate(submission, iotCyberFiling202601).premium!.amount;
    return total;
  });
  if (q.value !== N * 1_209_251) throw new Error('rating changed under the benchmark');

  const terms = rate(submission, iotCyberFiling202601).terms!;
  const years = 1_000_000;
  const sim = simulate(benchScenarios, { years, seed: 20_260_101, currency: 'USD' });
  insuredLoss(simulate(benchScenarios, { years: 10_000, seed: 1, currency: 'USD' }), terms); // warm-up
  const il = cpuSeconds(() => insuredLoss(sim, terms));
  const tp = technicalPremium(il.value, iotCyberFiling202601);
  const events = sim.events.count;

  // Calibration: the example manufacturer's own scenarios (src/modules/risk/data/example-scenarios.json,
  // sized to its USD 30 M revenue), rated vs technical premium. benchScenarios above are a load fixture.
  const example = parseScenarioFile(
    readFileSync(new URL('../src/modules/risk/data/example-scenarios.json', import.meta.url), 'utf8'),
    'example-scenarios.json',
  );
  const exSim = simulate(example.scenarios, { years: 200_000, seed: 20_260_101, currency: 'USD' });
  const exTp = technicalPremium(insuredLoss(exSim, terms), iotCyberFiling202601);
  const rated = rate(submission, iotCyberFiling202601).premium!;
  const ratio = adequacy(rated, exTp.premium);
  return [
    {
      name: 'calibration: rated / technical premium (example manufacturer)',
      value: ratio ?? 0,
      unit: 'x',
      target: '0.5 - 2 (UW-TP-1)',
      note: `rated ${(rated.amount / 100).toFixed(2)} USD, technical ${(exTp.premium.amount / 100).toFixed(2)} USD (expected insured loss ${(exTp.expectedInsuredLoss.amount / 100).toFixed(2)} USD, 200,000 years)`,
    },
    {
      name: 'rating: quotes rated (19-line worksheet)',
      value: Math.round(N / q.cpu),
      unit: 'quotes/s',
      note: `${N.toLocaleString('en-US')} quotes in ${q.cpu.toFixed(2)} s CPU, ${q.wall.toFixed(2)} s wall`,
    },
    {
      name: 'insured loss: events through quoted terms',
      value: Math.round(events / il.cpu),
      unit: 'events/s',
      target: '1,000,000 simulated years < 1 s',
      note: `${years.toLocaleString('en-US')} years, ${events.toLocaleString('en-US')} events in ${il.cpu.toFixed(3)} s CPU (${il.wall.toFixed(3)} s wall); load-fixture technical premium ${(tp.premium.amount / 100).toFixed(2)} USD (not calibrated to this insured)`,
    },
  ];
}
