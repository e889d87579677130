import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import type { FlowRecord } from '../../telemetry/domain/records';
import type { DetectionAlert } from './alert';
import { FlowDetector } from './flow-detector';
import { makeFlow, synOnly } from './flow-test-support';

const T0 = 1_700_000_000;

function run(det: FlowDetector, flows: FlowRecord[]) {
  const verdicts = flows.map((f) => ({ ...det.score(f) }));
  const alerts = det.flush();
  return { verdicts, alerts };
}

/** Ordinary traffic of a smart-home device: DNS, NTP, a few cloud endpoints over HTTPS. */
function benignDay(host: string, start: number, hours: number): FlowRecord[] {
  const flows: FlowRecord[] = [];
  const clouds = ['52.94.241.86', '54.239.27.11', '13.32.118.7'];
  let n = 0;
  for (let t = start; t < start + hours * 3600; t += 37 + (n % 13)) {
    n++;
    flows.push(makeFlow({ ts: t, origHost: host, respHost: '192.168.1.1', respPort: 53, proto: 'udp' }));
    if (n % 2 === 0) {
      flows.push(
        makeFlow({
          ts: t + 1,
          origHost: host,
          respHost: clouds[n % 3],
          respPort: 443,
          duration: 2 + (n % 7),
        }),
      );
    }
    if (n % 3 === 0) {
      flows.push(
        makeFlow({
          ts: t + 2,
          origHost: host,
          respHost: '147.231.100.5',
          respPort: 123,
          proto: 'udp',
          origPort: 123,
        }),
      );
    }
  }
  return flows;
}

const only = (alerts: DetectionAlert[], behaviour: string) => alerts.filter((a) => a.behaviour === behaviour);

describe('FlowDetector', () => {
  it('raises nothing on ordinary device traffic', () => {
    const { verdicts, alerts } = run(new FlowDetector(), benignDay('192.168.1.60', T0, 6));
    expect(alerts).toEqual([]);
    expect(verdicts.every((v) => !v.alert && v.score < 0.5)).toBe(true);
  });

  it('names a telnet scan across many hosts a horizontal scan (T1046), aggregated into one alert', () => {
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 300; i++) {
      flows.push(
        synOnly({
          ts: T0 + i * 0.1,
          respHost: `41.${(i * 7) % 250}.${i % 200}.${(i * 13) % 250}`,
          respPort: 23,
        }),
      );
    }
    const { verdicts, alerts } = run(new FlowDetector(), flows);
    const scans = only(alerts, 'port_scan_horizontal');
    expect(scans).toHaveLength(1);
    expect(scans[0].technique.id).toBe('T1046');
    expect(scans[0].subject).toBe('192.168.1.50');
    expect(scans[0].count).toBeGreaterThan(250);
    expect(scans[0].evidence.recordIds).toHaveLength(20);
    expect(scans[0].evidence.totalRecords).toBe(scans[0].count);
    expect(scans[0].evidence.distinctPeers).toBe(scans[0].count);
    expect(scans[0].summary).toContain('port 23');
    // The first probes cannot be told from normal use; later ones must alert.
    expect(verdicts[5].alert).toBe(false);
    expect(verdicts.slice(50).every((v) => v.alert && v.behaviour === 'port_scan_horizontal')).toBe(true);
  });

  it('does not call sessions that exchanged data with many web hosts a scan', () => {
    const flows = Array.from({ length: 120 }, (_, i) =>
      makeFlow({ ts: T0 + i * 0.2, respHost: `151.101.${i}.${(i * 3) % 250}`, respPort: 443 }),
    );
    expect(run(new FlowDetector(), flows).alerts).toEqual([]);
  });

  it('does not call short SSH sessions to many different hosts brute force', () => {
    const flows = Array.from({ length: 60 }, (_, i) =>
      makeFlow({ ts: T0 + i * 0.5, respHost: `10.0.${i >> 4}.${i & 15}`, respPort: 22, duration: 2 }),
    );
    expect(run(new FlowDetector(), flows).alerts).toEqual([]);
  });

  it('names many ports on one host a vertical scan', () => {
    const flows = Array.from({ length: 200 }, (_, i) =>
      makeFlow({
        ts: T0 + i * 0.05,
        respHost: '192.168.1.10',
        respPort: 1 + i,
        connState: 'REJ',
        history: 'Sr',
      }),
    );
    const { alerts } = run(new FlowDetector(), flows);
    const v = only(alerts, 'port_scan_vertical');
    expect(v).toHaveLength(1);
    expect(v[0].technique.id).toBe('T1046');
    expect(v[0].evidence.distinctPorts).toBeGreaterThan(150);
    expect(v[0].evidence.distinctPeers).toBe(1);
  });

  it('names repeated short SSH connections to one host brute force (T1110)', () => {
    const flows = Array.from({ length: 60 }, (_, i) =>
      makeFlow({ ts: T0 + i * 2, respHost: '192.168.1.20', respPort: 22, duration: 1.5, origBytes: 900 }),
    );
    const { alerts } = run(new FlowDetector(), flows);
    const b = only(alerts, 'bruteforce');
    expect(b).toHaveLength(1);
    expect(b[0].technique.id).toBe('T1110');
    expect(b[0].count).toBeGreaterThan(40);
  });

  it('does not call one long SSH session or a few logins brute force', () => {
    const flows = [
      makeFlow({ ts: T0, respHost: '192.168.1.20', respPort: 22, duration: 3600, origBytes: 90_000 }),
      ...Array.from({ length: 4 }, (_, i) =>
        makeFlow({ ts: T0 + 600 * (i + 1), respHost: '192.168.1.20', respPort: 22, duration: 5 }),
      ),
    ];
    expect(run(new FlowDetector(), flows).alerts).toEqual([]);
  });

  it('names periodic connections to an external host on a non-standard port a C&C beacon (T1571)', () => {
    const flows = Array.from({ length: 40 }, (_, i) =>
      synOnly({ ts: T0 + i * 80 + (i % 3) * 0.2, respHost: '178.128.185.250', respPort: 50 }),
    );
    const { alerts } = run(new FlowDetector(), flows);
    const c = only(alerts, 'cnc_beacon');
    expect(c).toHaveLength(1);
    expect(c[0].technique.id).toBe('T1571');
    expect(c[0].evidence.periodSeconds).toBeGreaterThan(75);
    expect(c[0].evidence.periodSeconds).toBeLessThan(85);
  });

  it('counts SYN retransmissions of one attempt (same source port) as one beacon attempt', () => {
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 30; i++) {
      const t = T0 + i * 80;
      const origPort = 43000 + i;
      for (const dt of [0, 7, 16, 32])
        flows.push(synOnly({ ts: t + dt, origPort, respHost: '178.128.185.250', respPort: 50 }));
    }
    const { alerts } = run(new FlowDetector(), flows);
    const c = only(alerts, 'cnc_beacon');
    expect(c).toHaveLength(1);
    expect(c[0].evidence.periodSeconds).toBeCloseTo(80, 0);
  });

  it('calls irregular but persistent unanswered retries on an odd port C&C, not answered sessions', () => {
    // Arrival jitter from a fixed pseudo-random sequence: 40 s +- 30 s.
    const at = (i: number) => T0 + i * 40 + (((i * i * 2654435761) >>> 0) % 60) - 30;
    const retries = Array.from({ length: 200 }, (_, i) =>
      synOnly({ ts: at(i), respHost: '185.244.25.235', respPort: 6000 }),
    );
    const c = only(run(new FlowDetector(), retries).alerts, 'cnc_beacon');
    expect(c).toHaveLength(1);
    // Persistence needs three consecutive 10-minute buckets: more than 10 minutes of retrying.
    expect(c[0].firstSeen).toBeGreaterThan(T0 + 600);

    const answered = Array.from({ length: 200 }, (_, i) =>
      makeFlow({ ts: at(i), respHost: '34.1.2.3', respPort: 6000 }),
    );
    expect(run(new FlowDetector(), answered).alerts).toEqual([]);
  });

  it('does not call irregular traffic to a web port a beacon, nor NTP polling', () => {
    const flows: FlowRecord[] = [];
    let t = T0;
    for (let i = 0; i < 200; i++) {
      t += 5 + ((i * 7919) % 600);
      flows.push(makeFlow({ ts: t, respHost: '52.94.241.86', respPort: 443 }));
      flows.push(
        makeFlow({ ts: t + 1, respHost: '147.231.100.5', respPort: 123, proto: 'udp', origPort: 123 }),
      );
    }
    expect(run(new FlowDetector(), flows).alerts).toEqual([]);
  });

  it('names a SYN flood to one host a flood (T1499) and a UDP flood T1498', () => {
    const syn = Array.from({ length: 2000 }, (_, i) =>
      synOnly({ ts: T0 + i * 0.002, respHost: '123.59.209.185', respPort: 80 }),
    );
    const a = run(new FlowDetector(), syn).alerts;
    expect(only(a, 'flood')).toHaveLength(1);
    expect(only(a, 'flood')[0].technique.id).toBe('T1499');

    const udp = Array.from({ length: 5 }, (_, i) =>
      makeFlow({
        ts: T0 + i * 3,
        proto: 'udp',
        respHost: '74.91.117.248',
        respPort: 5376,
        duration: 3,
        origBytes: 15_000_000,
        respBytes: 0,
        connState: 'S0',
        origPkts: 10_000,
        respPkts: 0,
      }),
    );
    const u = only(run(new FlowDetector(), udp).alerts, 'flood');
    expect(u).toHaveLength(1);
    expect(u[0].technique.id).toBe('T1498');
  });

  it('does not call a large answered download a flood', () => {
    const f = makeFlow({
      ts: T0,
      respHost: '13.32.118.129',
      duration: 246,
      origBytes: 673,
      respBytes: 336_516_351,
      origPkts: 123_657,
      respPkts: 239_484,
    });
    expect(run(new FlowDetector(), [f]).alerts).toEqual([]);
  });

  it('names an upload far above the device history exfiltration (T1048)', () => {
    const flows = Array.from({ length: 50 }, (_, i) =>
      makeFlow({ ts: T0 + i * 60, origBytes: 800 + (i % 5) * 100 }),
    );
    flows.push(
      makeFlow({
        ts: T0 + 3600,
        respHost: '45.77.1.2',
        respPort: 8443,
        origBytes: 80_000_000,
        respBytes: 90_000,
        respPkts: 30_000,
        origPkts: 60_000,
        duration: 120,
      }),
    );
    const { verdicts, alerts } = run(new FlowDetector(), flows);
    const e = only(alerts, 'exfiltration');
    expect(e).toHaveLength(1);
    expect(e[0].technique.id).toBe('T1048');
    expect(verdicts.at(-1)?.alert).toBe(true);
    expect(verdicts.slice(0, -1).some((v) => v.alert)).toBe(false);
  });

  it('names many failed connections to scattered hosts and ports active scanning (T1595)', () => {
    const flows = Array.from({ length: 120 }, (_, i) =>
      synOnly({ ts: T0 + i * 0.5, respHost: `203.0.${i}.${(i * 37) % 250}`, respPort: 1000 + i * 17 }),
    );
    const f = only(run(new FlowDetector(), flows).alerts, 'failed_connections');
    expect(f).toHaveLength(1);
    expect(f[0].technique.id).toBe('T1595');
  });

  it('keeps scores in [0,1] with alert exactly when the score passes one half', () => {
    const det = new FlowDetector();
    const flows = [
      ...benignDay('192.168.1.61', T0, 1),
      ...Array.from({ length: 500 }, (_, i) =>
        synOnly({ ts: T0 + 3600 + i * 0.01, respHost: `8.8.${i % 250}.${i % 7}`, respPort: 2323 }),
      ),
    ];
    for (const f of flows) {
      const v = det.score(f);
      expect(v.score).toBeGreaterThanOrEqual(0);
      expect(v.score).toBeLessThanOrEqual(1);
      expect(v.alert).toBe(v.score >= 0.5);
    }
  });

  it('splits alert windows separated by more than the gap and reports them through onAlert', () => {
    const seen: DetectionAlert[] = [];
    const det = new FlowDetector({ onAlert: (a) => seen.push(a), thresholds: { alertGapSeconds: 300 } });
    const burst = (start: number) =>
      Array.from({ length: 1500 }, (_, i) =>
        synOnly({ ts: start + i * 0.002, respHost: '123.59.209.185', respPort: 80 }),
      );
    for (const f of [...burst(T0), ...burst(T0 + 5000)]) det.score(f);
    expect(only(seen, 'flood')).toHaveLength(1); // the second window is still open
    det.flushIdle(T0 + 5000 + 3 + 301);
    const floods = only(seen, 'flood');
    expect(floods).toHaveLength(2);
    expect(floods[0].lastSeen).toBeLessThan(floods[1].firstSeen);
    expect(det.alerts).toEqual([]); // live use keeps no history in the detector
  });

  it('keeps memory bounded: idle and excess keys are evicted', () => {
    const det = new FlowDetector({ maxSources: 1024, maxChannels: 4096 });
    for (let i = 0; i < 100_000; i++) {
      det.score(
        makeFlow({
          ts: T0 + i,
          origHost: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          respPort: 443,
        }),
      );
    }
    const s = det.stats();
    expect(s.evictedKeys).toBeGreaterThan(90_000);
    expect(s.trackedKeys).toBeLessThan(4 * 8192);
    expect(s.stateBytes).toBeLessThan(10_000_000);
  });

  it('learns services from a baseline before scoring, and refuses a baseline afterwards', () => {
    // A device polling a vendor service on an unusual port on a timer, answered every time.
    const polling = (host: string, start: number) =>
      Array.from({ length: 60 }, (_, i) =>
        makeFlow({ ts: start + i * 200 + (i % 3), origHost: host, respHost: '34.1.2.3', respPort: 9543 }),
      );
    const plain = new FlowDetector();
    expect(only(run(plain, polling('192.168.1.70', T0)).alerts, 'cnc_beacon').length).toBeGreaterThan(0);

    const taught = new FlowDetector();
    for (const f of polling('192.168.5.5', T0 - 86_400)) taught.learn(f);
    expect(taught.baselineFlows).toBe(60);
    expect(only(run(taught, polling('192.168.1.70', T0)).alerts, 'cnc_beacon')).toEqual([]);
    let err: unknown;
    try {
      taught.learn(makeFlow({ ts: T0 }));
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.kind).toBe('conflict');
  });
});
