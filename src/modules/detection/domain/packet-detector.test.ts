import { describe, expect, it } from 'vitest';
import type { DetectionAlert } from './alert';
import { CONTEXT } from './context-rules';
import { PacketDetector } from './packet-detector';
import { forgedWrite, modbusPolling, renumber } from './packet-test-support';

const TRAIN = 1200;

function scenario() {
  const normal = modbusPolling(0, 600); // 3,600 packets, 60 s
  const attack = forgedWrite(60.05);
  const after = modbusPolling(60.5, 100, 3, 99);
  return renumber([...normal, ...attack, ...after]);
}

describe('PacketDetector', () => {
  it('trains on exactly the first T packets, then scores', () => {
    const d = new PacketDetector({ trainPackets: TRAIN });
    const packets = scenario();
    packets.forEach((p, i) => {
      const v = d.process(p);
      expect(v.training).toBe(i < TRAIN);
      if (i < TRAIN) expect(v.score).toBe(0);
    });
    expect(d.calibration().threshold).toBeGreaterThan(0);
    expect(Number.isFinite(d.calibration().threshold)).toBe(true);
  });

  it('ranks a forged write above all normal polling and raises T0855 once per window', () => {
    const alerts: DetectionAlert[] = [];
    const d = new PacketDetector({ trainPackets: TRAIN, onAlert: (a) => alerts.push(a) });
    const packets = scenario();
    const attackFrames = new Set(
      packets.filter((p) => p.srcIp === '192.168.1.101' && p.dstIp === '192.168.1.102').map((p) => p.frame),
    );
    let maxNormal = 0;
    let minAttack = Number.POSITIVE_INFINITY;
    let normalAlerts = 0;
    for (const p of packets) {
      const v = d.process(p);
      if (v.training) continue;
      const isAttack =
        attackFrames.has(p.frame) || (p.srcIp === '192.168.1.102' && p.dstIp === '192.168.1.101');
      if (isAttack) {
        minAttack = Math.min(minAttack, v.score);
        expect(v.alert).toBe(true);
        expect(v.context & CONTEXT.newPair).toBe(CONTEXT.newPair);
      } else {
        maxNormal = Math.max(maxNormal, v.score);
        // The compromised host's own next packets may still echo the attack in its damped statistics.
        if (v.alert && !(p.srcIp === '192.168.1.101' && p.time < 61.2)) normalAlerts++;
      }
    }
    d.flush();
    expect(minAttack).toBeGreaterThan(maxNormal);
    expect(maxNormal).toBeLessThan(1);
    expect(minAttack).toBeGreaterThan(1);
    expect(normalAlerts).toBe(0);
    const write = alerts.filter((a) => a.technique.id === 'T0855');
    expect(write).toHaveLength(1);
    expect(write[0]).toMatchObject({ subject: '192.168.1.101', severity: 'critical', count: 2 });
    const conversation = alerts.find((a) => a.behaviour === 'new_conversation');
    expect(conversation?.count).toBe(5);
    expect(conversation?.evidence.recordIds).toHaveLength(5);
  });

  it('keeps its threshold fixed whatever comes after training', () => {
    const d = new PacketDetector({ trainPackets: TRAIN });
    const packets = scenario();
    let threshold = 0;
    packets.forEach((p, i) => {
      d.process(p);
      if (i === TRAIN - 1) threshold = d.calibration().threshold;
    });
    for (let k = 0; k < 20; k++) for (const p of forgedWrite(80 + k)) d.process(p);
    expect(d.calibration().threshold).toBe(threshold);
  });

  it('restores from a snapshot to identical scores on the continuing stream', () => {
    const packets = scenario();
    const original = new PacketDetector({ trainPackets: TRAIN, seed: 5 });
    const cut = 2000;
    for (const p of packets.slice(0, cut)) original.process(p);
    const bytes = original.snapshot();
    const restored = PacketDetector.restore(bytes);
    for (const p of packets.slice(cut)) {
      const a = { ...original.process(p) };
      const b = restored.process(p);
      expect(b).toEqual(a);
    }
    expect(restored.calibration()).toEqual(original.calibration());
  });

  it('restores in the middle of an attack with the same alerts afterwards', () => {
    const packets = scenario();
    const cut = packets.findIndex((p) => p.srcIp === '192.168.1.101' && p.dstIp === '192.168.1.102') + 2;
    const original = new PacketDetector({ trainPackets: TRAIN });
    for (const p of packets.slice(0, cut)) original.process(p);
    const restored = PacketDetector.restore(original.snapshot());
    let alerts = 0;
    for (const p of packets.slice(cut)) {
      const a = { ...original.process(p) };
      expect(restored.process(p)).toEqual(a);
      if (a.alert) alerts++;
    }
    expect(alerts).toBeGreaterThan(0);
  });

  it('restores mid-training and finishes training identically', () => {
    const packets = scenario();
    const original = new PacketDetector({ trainPackets: TRAIN });
    for (const p of packets.slice(0, 500)) original.process(p);
    const restored = PacketDetector.restore(original.snapshot());
    for (const p of packets.slice(500))
      expect({ ...restored.process(p) }).toEqual({ ...original.process(p) });
  });

  it('rejects a corrupt or foreign snapshot with an invalid error', () => {
    const d = new PacketDetector({ trainPackets: TRAIN });
    const bytes = d.snapshot();
    expect(() => PacketDetector.restore(bytes.slice(0, bytes.length - 3))).toThrow(/truncated|trailing/);
    const foreign = bytes.slice();
    foreign[0] ^= 0xff;
    expect(() => PacketDetector.restore(foreign)).toThrow(/not a packet detector snapshot/);
  });

  it('refuses too little training', () => {
    expect(() => new PacketDetector({ trainPackets: 10 })).toThrow(/at least 50/);
  });
});

describe('PacketDetector alert aggregation', () => {
  it('bounds open alerts when thousands of new talkers appear', () => {
    const alerts: DetectionAlert[] = [];
    const d = new PacketDetector({ trainPackets: TRAIN, onAlert: (a) => alerts.push(a) });
    const packets = modbusPolling(0, 300);
    renumber(packets);
    for (const p of packets) d.process(p);
    const spoofed = modbusPolling(31, 1, 1)[0];
    for (let i = 0; i < 10_000; i++) {
      spoofed.srcMac = `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      spoofed.time = 31 + i * 1e-4;
      spoofed.frame = 2000 + i;
      expect(d.process(spoofed).context & CONTEXT.newTalker).toBe(CONTEXT.newTalker);
    }
    expect(alerts.length).toBeGreaterThanOrEqual(10_000 - 4096);
    d.flush();
    const talkers = alerts.filter((a) => a.behaviour === 'new_talker');
    expect(talkers).toHaveLength(10_000);
    expect(talkers.every((a) => a.technique.id === 'T1200' && a.count === 1)).toBe(true);
  });
});
