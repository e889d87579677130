/**
 * The flow detector on the real IoT-23 captures (PROTOCOL.md, Zeek section): every flow scored online
 * in file order, no labels seen; metrics computed here from the labels afterwards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import { readFlowFile } from '../../telemetry';
import { FlowDetector } from './flow-detector';

async function evaluate(name: string) {
  const log = sharedData(`iot23/${name}.conn.log`)!;
  const labelLines = readFileSync(sharedData(`iot23/${name}.labels.csv`)!, 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const malicious = new Map(labelLines.map((l) => [l.split(',')[0], l.split(',')[1] === 'malicious']));
  const det = new FlowDetector();
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  let firstAttackTs = Number.POSITIVE_INFINITY;
  const falseBehaviours = new Set<string>();
  await readFlowFile(log, { format: 'zeek-tsv' }, (f) => {
    const v = det.score(f);
    const y = malicious.get(f.uid);
    expect(y).toBeDefined();
    if (y) {
      pos++;
      if (f.ts < firstAttackTs) firstAttackTs = f.ts;
      if (v.alert) tp++;
    } else {
      neg++;
      if (v.alert) {
        fp++;
        falseBehaviours.add(String(v.behaviour));
      }
    }
  });
  const alerts = det.flush();
  return { tpr: pos ? tp / pos : null, fpr: neg ? fp / neg : 0, fp, alerts, falseBehaviours, firstAttackTs };
}

const present = sharedData('iot23/Malware-Capture-34-1.conn.log');

describe.skipIf(!present)('FlowDetector on IoT-23', () => {
  it('Mirai (34-1): catches C&C and DDoS; its only benign-labelled alerts are flood flows', async () => {
    const r = await evaluate('Malware-Capture-34-1');
    expect(r.tpr).toBeGreaterThanOrEqual(0.9);
    // The benign-labelled alerts are a TCP SYN flood (thousands of SYNs per flow, no answer) of the same
    // shape as the flows labelled DDoS; a flow detector that misses it would miss the DDoS too.
    expect([...r.falseBehaviours]).toEqual(r.fp ? ['flood'] : []);
    expect(r.fpr).toBeLessThan(0.02);
    const techniques = new Set(r.alerts.map((a) => a.technique.id));
    expect(techniques.has('T1571')).toBe(true);
    // The C&C retry timer is named within minutes of the first C&C call (the median period forgets the
    // long first session at once; the smoothed mean it replaced took about 700 s).
    const cnc = Math.min(...r.alerts.filter((a) => a.behaviour === 'cnc_beacon').map((a) => a.firstSeen));
    expect(cnc - r.firstAttackTs).toBeLessThan(400);
    expect(r.alerts.some((a) => a.behaviour === 'flood' && a.count > 10_000)).toBe(true);
    // Aggregation: tens of thousands of alerting flows become a handful of alerts.
    expect(r.alerts.length).toBeLessThan(50);
  });

  it('Hakai (8-1): catches the port-50 C&C beacon with no false alert', async () => {
    const r = await evaluate('Malware-Capture-8-1');
    expect(r.tpr).toBeGreaterThanOrEqual(0.9);
    expect(r.fpr).toBeLessThanOrEqual(0.005);
    expect(r.alerts.map((a) => a.behaviour)).toContain('cnc_beacon');
  });

  it.each(['Honeypot-Capture-4-1', 'Honeypot-Capture-5-1'])('raises no alert on benign %s', async (name) => {
    const r = await evaluate(name);
    expect(r.fp).toBe(0);
    expect(r.alerts).toEqual([]);
  });
});

describe.skipIf(!present)('FlowDetector snapshots on IoT-23', () => {
  it('restored at any point of the Mirai capture, gives the same verdicts on the rest of it', async () => {
    const flows: import('../../telemetry').FlowRecord[] = [];
    await readFlowFile(present!, { format: 'zeek-tsv' }, (f) => flows.push({ ...f }));
    const whole = new FlowDetector();
    const expected = flows.map((f) => ({ ...whole.score(f) }));
    // Cut before the first beacon alert, inside the flood, and late in the C&C retries.
    for (const cut of [500, 9_000, 20_000]) {
      const first = new FlowDetector();
      for (const f of flows.slice(0, cut)) first.score(f);
      const bytes = first.snapshot();
      const restored = FlowDetector.restore(bytes);
      const rest = flows.slice(cut).map((f) => ({ ...restored.score(f) }));
      expect(rest, `cut at ${cut}`).toEqual(expected.slice(cut));
      // A second snapshot of the restored detector is the same bytes as one of the original at that point.
      for (const f of flows.slice(cut)) first.score(f);
      expect(Buffer.from(restored.snapshot()).equals(Buffer.from(first.snapshot()))).toBe(true);
    }
  });
});
