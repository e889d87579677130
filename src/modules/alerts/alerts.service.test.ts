import { describe, expect, it } from 'vitest';
import { mergeEvidence } from './alerts.service';

describe('mergeEvidence', () => {
  const scanWindow = (from: number, peers: string[], extra: Record<string, unknown> = {}) => ({
    recordIds: peers.map((p) => `C${p}`),
    totalRecords: peers.length,
    distinctPeers: peers.length,
    distinctPorts: 1,
    peers,
    ports: [23],
    window: { from, to: from + 1, seconds: 1 },
    origBytes: 0,
    origPkts: peers.length,
    distinctDestinationsDecayed: 20 + peers.length,
    thresholdRatio: 1 + peers.length / 20,
    ...extra,
  });

  it('spans the windows, adds packets and bytes, keeps peaks, joins the peer and port lists', () => {
    const first = scanWindow(100, ['a', 'b', 'c'], { ports: [23] });
    const second = scanWindow(140, ['d', 'e'], { ports: [2323], origBytes: 80 });
    const m = mergeEvidence(first, second, 3, 2);
    expect(m.window).toEqual({ from: 100, to: 141, seconds: 41 });
    expect(m.origPkts).toBe(5);
    expect(m.origBytes).toBe(80);
    expect(m.totalRecords).toBe(5);
    expect(m.recordIds).toEqual(['Ca', 'Cb', 'Cc', 'Cd', 'Ce']);
    // Distinct counts and the peak metric are the largest window's (a lower bound for the alert).
    expect(m.distinctPeers).toBe(3);
    expect(m.distinctDestinationsDecayed).toBe(23);
    expect(m.thresholdRatio).toBe(1.15);
    expect(m.peers).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(m.ports).toEqual([23, 2323]);
  });

  it("keeps a beacon's latest period, caps the lists, and counts records from the alert when older evidence has no total", () => {
    const peers = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const older = { recordIds: ['x'], periodSeconds: 10, peers: peers.slice(0, 8) };
    const m = mergeEvidence(older, { recordIds: ['y'], periodSeconds: 9.5, peers: peers.slice(4) }, 40, 6);
    expect(m.periodSeconds).toBe(9.5);
    expect(m.peers).toEqual(peers.slice(0, 10));
    expect(m.totalRecords).toBe(46);
    expect(m.recordIds).toEqual(['x', 'y']);
  });
});
