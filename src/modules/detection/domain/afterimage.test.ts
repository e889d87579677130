import { describe, expect, it } from 'vitest';
import { AfterImage, FEATURE_COUNT, featureNames, LAMBDAS } from './afterimage';
import { packet } from './packet-test-support';

const L1 = LAMBDAS.indexOf(1); // λ = 1: decay factor 2^-Δt, easy by hand
const MI = 0;
const H = 15;
const HH = 30;
const JIT = 65;
const SOCK = 80;

const a2b = (time: number, length: number) =>
  packet({
    time,
    length,
    srcMac: 'aa:00:00:00:00:01',
    dstMac: 'aa:00:00:00:00:02',
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 1000,
    dstPort: 502,
  });
const b2a = (time: number, length: number) =>
  packet({
    time,
    length,
    srcMac: 'aa:00:00:00:00:02',
    dstMac: 'aa:00:00:00:00:01',
    srcIp: '10.0.0.2',
    dstIp: '10.0.0.1',
    srcPort: 502,
    dstPort: 1000,
  });

describe('AfterImage', () => {
  it('lays out 115 named features', () => {
    expect(FEATURE_COUNT).toBe(115);
    expect(featureNames()).toHaveLength(115);
    expect(featureNames()[SOCK + L1 * 7 + 6]).toBe('socket_l1_pcc');
  });

  it('decays weight, mean and std of one stream by 2^(-λΔt)', () => {
    const ai = new AfterImage();
    const x = new Float64Array(FEATURE_COUNT);
    ai.update(a2b(0, 100), x);
    expect(x[H + L1 * 3]).toBeCloseTo(1, 12);
    expect(x[H + L1 * 3 + 1]).toBeCloseTo(100, 9);
    expect(x[H + L1 * 3 + 2]).toBeCloseTo(0, 9);
    ai.update(a2b(1, 200), x);
    // w = 1·½ + 1, LS = 100·½ + 200, SS = 100²·½ + 200²
    const w = 1.5;
    const mean = 250 / w;
    const std = Math.sqrt(45000 / w - mean * mean);
    for (const off of [MI, H]) {
      expect(x[off + L1 * 3]).toBeCloseTo(w, 9);
      expect(x[off + L1 * 3 + 1]).toBeCloseTo(mean, 9);
      expect(x[off + L1 * 3 + 2]).toBeCloseTo(std, 9);
    }
    // λ = 5: factor 2^-5
    const l5 = LAMBDAS.indexOf(5);
    expect(x[H + l5 * 3]).toBeCloseTo(1 + 2 ** -5, 9);
  });

  it('tracks inter-arrival times as the jitter stream', () => {
    const ai = new AfterImage();
    const x = new Float64Array(FEATURE_COUNT);
    ai.update(a2b(0, 100), x);
    ai.update(a2b(1, 100), x);
    // values 0 then 1: w = 1.5, LS = 1, SS = 1
    expect(x[JIT + L1 * 3]).toBeCloseTo(1.5, 9);
    expect(x[JIT + L1 * 3 + 1]).toBeCloseTo(1 / 1.5, 9);
    expect(x[JIT + L1 * 3 + 2]).toBeCloseTo(Math.sqrt(1 / 1.5 - (1 / 1.5) ** 2), 9);
  });

  it('computes radius, magnitude, covariance and correlation between the two directions', () => {
    const ai = new AfterImage();
    const x = new Float64Array(FEATURE_COUNT);
    ai.update(a2b(0, 100), x);
    ai.update(b2a(1, 300), x);
    ai.update(a2b(2, 200), x);
    ai.update(b2a(3, 100), x);
    // Hand computation at λ = 1 (factor ½ per second):
    // b→a: w = 1.25, LS = 175, SS = 32500 → mean 140, var 6400; residual 100 - 140 = -40
    // a→b decayed to t = 3: w = 0.625, LS = 112.5, SS = 21250 → mean 180, var 1600; last residual 200 - 180 = 20
    // SR = -40 · 20 = -800; w3 = ((1·½ + 1)·½ + 1)·½ + 1 = 1.875
    const cov = -800 / 1.875;
    for (const off of [HH, SOCK]) {
      const o = off + L1 * 7;
      expect(x[o]).toBeCloseTo(1.25, 9);
      expect(x[o + 1]).toBeCloseTo(140, 9);
      expect(x[o + 2]).toBeCloseTo(80, 9);
      expect(x[o + 3]).toBeCloseTo(Math.sqrt(6400 ** 2 + 1600 ** 2), 6);
      expect(x[o + 4]).toBeCloseTo(Math.sqrt(140 ** 2 + 180 ** 2), 9);
      expect(x[o + 5]).toBeCloseTo(cov, 9);
      expect(x[o + 6]).toBeCloseTo(cov / (80 * 40), 9);
    }
  });

  it('keys ARP sockets by MAC and hosts by the ARP protocol addresses', () => {
    const ai = new AfterImage();
    const x = new Float64Array(FEATURE_COUNT);
    const arp = (time: number) =>
      packet({
        time,
        ipVersion: 0,
        protocol: 0,
        length: 42,
        srcMac: 'aa:00:00:00:00:01',
        dstMac: 'ff:ff:ff:ff:ff:ff',
        arpOp: 1,
        arpSenderMac: 'aa:00:00:00:00:01',
        arpSenderIp: '10.0.0.1',
        arpTargetIp: '10.0.0.9',
      });
    ai.update(arp(0), x);
    ai.update(arp(1), x);
    expect(x[SOCK + L1 * 7]).toBeCloseTo(1.5, 9);
    // the host stream is the ARP sender IP, which an IP packet from it continues
    ai.update(a2b(2, 42), x);
    expect(x[H + L1 * 3]).toBeCloseTo(1.75, 9);
    expect(ai.streamCounts().socket).toBe(2);
  });

  it('keeps at most maxStreams streams per table, dropping the stale ones first', () => {
    const ai = new AfterImage({ maxStreams: 8 });
    const x = new Float64Array(FEATURE_COUNT);
    for (let i = 0; i < 100; i++)
      ai.update(
        packet({
          time: i * 1000,
          srcMac: 'aa:00:00:00:00:01',
          srcIp: `10.0.1.${i}`,
          dstIp: '10.0.0.2',
          srcPort: 1,
          dstPort: 2,
        }),
        x,
      );
    const counts = ai.streamCounts();
    for (const n of Object.values(counts)) expect(n).toBeLessThanOrEqual(8);
    // the newest stream survived and keeps its statistics
    ai.update(
      packet({
        time: 99_000.5,
        srcMac: 'aa:00:00:00:00:01',
        srcIp: '10.0.1.99',
        dstIp: '10.0.0.2',
        srcPort: 1,
        dstPort: 2,
      }),
      x,
    );
    expect(x[H + L1 * 3]).toBeCloseTo(1 + 2 ** -0.5, 9);
  });

  it('keeps each stream when its memoised key is dropped and joined again', () => {
    // 70,000 sources overflow the key caches (65,536 keys): they are emptied and rebuilt on the way.
    const ai = new AfterImage({ maxStreams: 1 << 17 });
    const x = new Float64Array(FEATURE_COUNT);
    ai.update(a2b(0, 60), x);
    for (let i = 0; i < 70_000; i++)
      ai.update(
        packet({
          time: 0.5,
          srcMac: 'aa:00:00:00:00:03',
          srcIp: `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          dstIp: '10.0.0.2',
          srcPort: 2000,
          dstPort: 502,
        }),
        x,
      );
    ai.update(a2b(1, 60), x);
    // The weight at λ = 1 of every stream of a→b: 1 + 2^-1, its packet at t = 0 decayed for 1 s.
    for (const at of [MI + L1 * 3, H + L1 * 3, HH + L1 * 7, JIT + L1 * 3, SOCK + L1 * 7])
      expect(x[at]).toBeCloseTo(1 + 2 ** -1, 9);
  });

  it('reuses one stream per identity over a long conversation', () => {
    const ai = new AfterImage({ maxStreams: 16 });
    const x = new Float64Array(FEATURE_COUNT);
    for (let i = 0; i < 5000; i++) ai.update(a2b(i * 0.01, 60 + (i % 7)), x);
    expect(ai.streamCounts()).toEqual({ macIp: 1, host: 1, channel: 1, jitter: 1, socket: 1 });
    expect(x.every(Number.isFinite)).toBe(true);
  });
});
