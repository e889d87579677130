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

/**
 * The device's NTP, answered every ten minutes over `seconds`, merged in time order with `flows`: what
 * shows that its uplink works (the Hakai device of IoT-23 gets NTP answers all along).
 */
function withUplink(flows: FlowRecord[], seconds: number, host = '192.168.1.50'): FlowRecord[] {
  const ntp = Array.from({ length: Math.ceil(seconds / 600) + 1 }, (_, i) =>
    makeFlow({
      ts: T0 - 1 + i * 600,
      origHost: host,
      respHost: '147.231.100.5',
      respPort: 123,
      origPort: 123,
      proto: 'udp',
      connState: 'SF',
      history: 'Dd',
      origPkts: 1,
      respPkts: 1,
      origBytes: 48,
      respBytes: 48,
    }),
  );
  return [...flows, ...ntp].sort((a, b) => a.ts - b.ts);
}

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
    const { alerts } = run(new FlowDetector(), withUplink(flows, 3200));
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
    const { alerts } = run(new FlowDetector(), withUplink(flows, 2400));
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
    const c = only(run(new FlowDetector(), withUplink(retries, 8000)).alerts, 'cnc_beacon');
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

  it("raises one alert for a Mirai telnet sweep: its first failures and its 2323 probes join the scan's", () => {
    // 25 probes a second to random addresses, 9 in 10 on port 23 and 1 in 10 on 2323, most unanswered.
    const flows = Array.from({ length: 1500 }, (_, i) => {
      const f = synOnly({
        ts: T0 + i * 0.04,
        origHost: '192.168.1.195',
        respHost: `${1 + ((i * 97) % 223)}.${(i * 31) % 256}.${(i * 7) % 256}.${1 + (i % 254)}`,
        respPort: i % 10 === 9 ? 2323 : 23,
      });
      return i % 5 === 0 ? { ...f, connState: 'REJ', history: 'Sr' } : f;
    });
    const { verdicts, alerts } = run(new FlowDetector(), flows);
    expect(alerts.map((a) => `${a.behaviour} ${a.technique.id}`)).toEqual(['port_scan_horizontal T1046']);
    const scan = alerts[0];
    // Every marked flow is in the one alert, the failures before the scan was named included.
    const marked = verdicts.filter((v) => v.alert).length;
    expect(marked).toBeGreaterThan(1400);
    expect(scan.count).toBe(marked);
    expect(scan.evidence.ports).toEqual(expect.arrayContaining([23, 2323]));
    expect(scan.firstSeen).toBe(flows.findIndex((_, i) => verdicts[i].alert) * 0.04 + T0);
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

describe('FlowDetector alert quality', () => {
  /** A keep-alive nobody answers: TCP without handshake seen, or UDP, and not one packet back. */
  const silent = (over: Partial<FlowRecord> & { ts: number }) =>
    makeFlow({
      connState: 'OTH',
      history: null,
      duration: 1.5,
      origBytes: 0,
      respBytes: 0,
      origPkts: 4,
      respPkts: 0,
      respIpBytes: 0,
      ...over,
    });

  it('calls unanswered cloud keep-alives a beacon only when something outside answers the device', () => {
    // Cameras of the benign Kitsune prefix: a vendor port polled every ~4.6 s and a UDP P2P server every
    // ~12.7 s, with no packet from outside at all in the capture (DNS included).
    const camera = '192.168.2.108';
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 220; i++) {
      flows.push(
        silent({
          ts: T0 + i * 4.6 + (i % 4) * 0.05,
          origHost: camera,
          respHost: '52.25.66.250',
          respPort: 8280,
        }),
      );
      if (i % 3 === 0) {
        flows.push(
          silent({
            ts: T0 + i * 4.6 + 1,
            origHost: camera,
            respHost: '50.19.254.134',
            respPort: 21047,
            proto: 'udp',
            connState: 'S0',
            origPkts: 1,
          }),
        );
      }
      if (i % 11 === 0) {
        const dns = { ts: T0 + i * 4.6 + 2, origHost: camera, respHost: '8.8.8.8', respPort: 53 };
        flows.push(silent({ ...dns, proto: 'udp', connState: 'S0', origPkts: 1 }));
      }
    }
    const dead = run(new FlowDetector(), flows);
    expect(dead.alerts).toEqual([]);
    expect(Math.max(...dead.verdicts.map((v) => v.score))).toBeLessThan(0.5);

    // The same calls while the device's NTP is answered: a dead C&C behind a working uplink.
    const live = run(new FlowDetector(), withUplink(flows, 1100, camera));
    const c = only(live.alerts, 'cnc_beacon');
    expect(c).toHaveLength(1);
    expect(c[0].evidence.ports).toContain(8280);
    expect(c.every((a) => a.technique.id === 'T1571' && a.subject === camera)).toBe(true);
  });

  it('finds a retry timer after one long gap within a few attempts', () => {
    // One answered session, a 277 s pause, then a retry every 10 s nobody answers (Mirai's C&C calls).
    const flows = [
      makeFlow({ ts: T0, respHost: '185.244.25.235', respPort: 4444, duration: 30 }),
      ...Array.from({ length: 40 }, (_, i) =>
        synOnly({ ts: T0 + 277 + i * 10 + (i % 2) * 0.01, respHost: '185.244.25.235', respPort: 4444 }),
      ),
    ];
    const c = only(run(new FlowDetector(), withUplink(flows, 700)).alerts, 'cnc_beacon');
    expect(c).toHaveLength(1);
    // An exponentially weighted mean needed about 35 retries to forget the long gap; the median, 6.
    expect(c[0].firstSeen).toBeLessThanOrEqual(T0 + 277 + 8 * 10);
    expect(c[0].evidence.periodSeconds).toBeCloseTo(10, 0);
  });

  it('does not take intervals that only partly line up for a timer', () => {
    // Four of every six intervals near 49 s, two near 20 s: answered, so only regularity could alert.
    const gaps = [48, 49, 20, 50, 51, 22];
    let t = T0;
    const flows = Array.from({ length: 200 }, (_, i) => {
      t += gaps[i % gaps.length];
      return makeFlow({ ts: t, respHost: '34.1.2.3', respPort: 6000 });
    });
    expect(run(new FlowDetector(), withUplink(flows, t - T0)).alerts).toEqual([]);
  });

  it('keeps a bot that reconnects at once after short IRC sessions a persistent C&C caller', () => {
    // Sessions of about a second, one after the other for 40 minutes: the period is below the shortest
    // beacon period, yet the channel persists in consecutive buckets.
    const flows = Array.from({ length: 1600 }, (_, i) =>
      makeFlow({
        ts: T0 + i * 1.5,
        respHost: '185.244.25.235',
        respPort: 6667,
        duration: 1.1,
        connState: 'S3',
      }),
    );
    const c = only(run(new FlowDetector(), flows).alerts, 'cnc_beacon');
    expect(c).toHaveLength(1);
    expect(c[0].firstSeen).toBeGreaterThan(T0 + 600);
  });

  it('does not call DNS lookups to an unreachable resolver a flood, but names a SYN flood to port 53', () => {
    // A device whose resolver does not answer: a UDP query and a TCP fallback every 5 s, each TCP
    // attempt a kernel SYN with its retransmissions (1 s, 2 s, 4 s) in one S0 record, for 30 minutes.
    const resolver = '50.50.50.53';
    const lookups: FlowRecord[] = [];
    for (let i = 0; i < 360; i++) {
      const ts = T0 + i * 5;
      lookups.push(
        makeFlow({
          ts,
          respHost: resolver,
          respPort: 53,
          proto: 'udp',
          connState: 'S0',
          history: 'D',
          duration: null,
          origBytes: 40,
          respBytes: 0,
          origPkts: 1,
          respPkts: 0,
        }),
      );
      lookups.push(
        synOnly({
          ts: ts + 0.1,
          respHost: resolver,
          respPort: 53,
          duration: 7,
          origPkts: 4,
          origIpBytes: 240,
        }),
      );
    }
    const quiet = run(new FlowDetector(), lookups);
    expect(quiet.alerts).toEqual([]);
    expect(quiet.verdicts.every((v) => v.score < 0.5)).toBe(true);

    // The records of IoT-23 Mirai to that address: raw 40-byte SYNs, thousands per record (one source
    // port reused), two more records every 0.55 s, the same sequence as its flows labelled DDoS.
    const flood: FlowRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const ts = T0 + i * 0.55;
      const burst = i % 3 === 0;
      flood.push(
        synOnly({
          ts,
          respHost: resolver,
          respPort: 53,
          origPort: burst ? 65279 : 1024 + i * 997,
          duration: burst ? 3 : null,
          origPkts: burst ? 3069 : 1,
          origIpBytes: burst ? 122_760 : 40,
        }),
      );
      flood.push(synOnly({ ts: ts + 0.0003, respHost: resolver, respPort: 53, origPort: 2000 + i }));
    }
    const f = only(run(new FlowDetector(), flood).alerts, 'flood');
    expect(f).toHaveLength(1);
    expect(f[0].technique.id).toBe('T1499');
  });

  it('marks only the flows that make up a behaviour, not the rest of the device traffic', () => {
    const device = '192.168.1.195';
    const flows: FlowRecord[] = [];
    const benign = new Set<string>();
    const attack = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const ts = T0 + i * 0.1;
      // a web scan (port 80, no answer) and active scanning of scattered ports, both failed
      const probe = synOnly({
        ts,
        origHost: device,
        respHost: `41.${i % 200}.${(i * 7) % 250}.9`,
        respPort: 80,
      });
      flows.push(probe);
      attack.add(probe.uid);
      if (i % 10 === 0) {
        // a SYN flood to one host, thousands of unanswered packets per record
        const syn = synOnly({ ts: ts + 0.01, origHost: device, respHost: '71.61.66.148', origPkts: 3000 });
        flows.push(syn);
        attack.add(syn.uid);
      }
      if (i % 50 === 25) {
        // meanwhile the device's ordinary answered traffic: its cloud over HTTP, NTP, and the flooded host
        for (const f of [
          makeFlow({ ts: ts + 0.02, origHost: device, respHost: `52.94.241.${i % 250}`, respPort: 80 }),
          makeFlow({
            ts: ts + 0.03,
            origHost: device,
            respHost: '147.231.100.5',
            respPort: 123,
            proto: 'udp',
          }),
          makeFlow({ ts: ts + 0.04, origHost: device, respHost: '71.61.66.148', respPort: 443 }),
        ]) {
          flows.push(f);
          benign.add(f.uid);
        }
      }
    }
    const det = new FlowDetector();
    const marked = new Set(flows.filter((f) => det.score(f).alert).map((f) => f.uid));
    const behaviours = new Set(det.flush().map((a) => a.behaviour));
    // the probes of port 80 across 200 hosts are a horizontal scan (not the generic failed connections,
    // although every one failed), the flood a flood
    expect(behaviours.has('flood')).toBe(true);
    expect(behaviours.has('port_scan_horizontal')).toBe(true);
    expect([...benign].filter((u) => marked.has(u))).toEqual([]);
    expect([...attack].filter((u) => marked.has(u)).length).toBeGreaterThan(attack.size * 0.9);
  });

  it('does not mark a long SSH session to a host under password guessing as brute force', () => {
    const guesses = Array.from({ length: 40 }, (_, i) =>
      makeFlow({ ts: T0 + i * 2, respHost: '10.0.0.5', respPort: 22, duration: 1.5, origBytes: 900 }),
    );
    const session = makeFlow({ ts: T0 + 60.5, respHost: '10.0.0.5', respPort: 22, duration: 900 });
    const det = new FlowDetector();
    const flows = [...guesses, session].sort((a, b) => a.ts - b.ts);
    const verdicts = new Map(flows.map((f) => [f.uid, det.score(f).alert]));
    expect(only(det.flush(), 'bruteforce')).toHaveLength(1);
    expect(verdicts.get(session.uid)).toBe(false);
    expect(verdicts.get(guesses.at(-1)!.uid)).toBe(true);
  });
});

describe('FlowDetector snapshots', () => {
  it('refuses bytes that are not a flow detector snapshot, naming the offset', () => {
    const det = new FlowDetector();
    det.score(synOnly({ ts: T0, respHost: '203.0.113.9', respPort: 23 }));
    const bytes = det.snapshot();
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), /not a flow detector snapshot/],
      [bytes.slice(0, bytes.length - 9), /truncat|short|end/i],
      [Uint8Array.from([...bytes, 0]), /trailing/],
    ];
    for (const [b, message] of cases) {
      let error: unknown;
      try {
        FlowDetector.restore(b);
      } catch (e) {
        error = e;
      }
      expect(isAppError(error), String(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(message);
    }
    // A table whose sizes disagree is refused, naming where it starts. With no options and no baseline
    // the first table follows magic, version, "{}", scoring, three counters and two empty lists.
    const tableAt = 4 + 4 + (4 + 2) + 4 + 3 * 8 + 4 + (4 + 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(tableAt, true)).toBe(1024); // the sources table's initial capacity
    const broken = bytes.slice();
    new DataView(broken.buffer).setUint32(tableAt, 2048, true);
    let error: unknown;
    try {
      FlowDetector.restore(broken);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toMatch(/state table does not fit/);
    expect(isAppError(error) && error.details[0].offset).toBe(tableAt);
  });
});
