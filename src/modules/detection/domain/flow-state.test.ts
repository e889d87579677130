import { describe, expect, it } from 'vitest';
import { decay, hashA, hashB, KeyedTable } from './flow-state';

describe('KeyedTable', () => {
  it('creates a key once, keeps its fields, and finds it again', () => {
    const t = new KeyedTable(2, { maxCapacity: 1024, idleSeconds: 60 });
    const s = t.upsert(1, 2, 3, 4, 0);
    expect(t.created).toBe(true);
    t.values[s * 2 + 1] = 42;
    const again = t.upsert(1, 2, 3, 4, 1);
    expect(t.created).toBe(false);
    expect(again).toBe(s);
    expect(t.values[again * 2 + 1]).toBe(42);
    expect(t.find(1, 2, 3, 5)).toBe(-1);
  });

  it('grows and keeps every live key with its fields', () => {
    const t = new KeyedTable(1, { initialCapacity: 16, maxCapacity: 1 << 16, idleSeconds: 1e9 });
    for (let i = 0; i < 5000; i++) {
      const s = t.upsert(i, i * 3, 7, 0, i);
      t.lastSeen[s] = i;
      t.values[s] = i * 10;
    }
    expect(t.size).toBe(5000);
    for (let i = 0; i < 5000; i += 97) expect(t.values[t.find(i, i * 3, 7, 0)]).toBe(i * 10);
  });

  it('evicts idle keys first and stays under its cap', () => {
    const t = new KeyedTable(1, { initialCapacity: 16, maxCapacity: 256, idleSeconds: 10 });
    for (let i = 0; i < 10_000; i++) {
      const s = t.upsert(i, 0, 0, 0, i);
      t.lastSeen[s] = i;
    }
    expect(t.size).toBeLessThanOrEqual(256);
    expect(t.evicted).toBeGreaterThan(9000);
    expect(t.find(9999, 0, 0, 0)).toBeGreaterThanOrEqual(0);
    expect(t.find(5, 0, 0, 0)).toBe(-1);
  });
});

describe('hashes and decay', () => {
  it('hashes addresses to differing words', () => {
    expect(hashA('192.168.1.1')).not.toBe(hashA('192.168.1.2'));
    expect(hashB('192.168.1.1')).not.toBe(hashA('192.168.1.1'));
    expect(hashA('10.0.0.1')).toBe(hashA('10.0.0.1'));
  });

  it('decays by e after one time constant', () => {
    expect(decay(10, 10)).toBeCloseTo(Math.exp(-1), 12);
    expect(decay(-5, 10)).toBe(1);
  });
});
