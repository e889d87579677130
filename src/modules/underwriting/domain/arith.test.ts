import { describe, expect, it } from 'vitest';
import { applyFactor, formatAmount, groupThousands, interpolate, mulDivRound, toFactor4 } from './arith';

describe('mulDivRound', () => {
  it('rounds half away from zero, exactly', () => {
    expect(mulDivRound(1_035_788, 9_300, 10_000)).toBe(963_283); // 963,282.84
    expect(mulDivRound(1_339_889 * 2 + 1, 1, 2)).toBe(1_339_890); // x.5 up
    expect(mulDivRound(-5, 1, 2)).toBe(-3); // -2.5 away from zero
    expect(mulDivRound(-4, 1, 2)).toBe(-2);
    expect(mulDivRound(7, 0, 3)).toBe(0);
  });

  it('agrees with BigInt arithmetic past 2^53 (the fallback path)', () => {
    const a = 9_000_000_000_007;
    const b = 12_345;
    const big = (BigInt(a) * BigInt(b) * 2n + 10_000n) / 20_000n;
    expect(mulDivRound(a, b, 10_000)).toBe(Number(big));
  });

  it('agrees with BigInt on generated inputs', () => {
    let x = 7;
    for (let i = 0; i < 2_000; i++) {
      x = (Math.imul(x, 48_271) + 11) >>> 0;
      const a = (x % 2_000_000_000) - 1_000_000_000;
      const b = (x >>> 7) % 40_000;
      const c = 1 + ((x >>> 3) % 9_999);
      const p = BigInt(a) * BigInt(b);
      const neg = p < 0n;
      const abs = neg ? -p : p;
      const q = (abs * 2n + BigInt(c)) / (2n * BigInt(c));
      expect(mulDivRound(a, b, c)).toBe(Number(neg ? -q : q));
    }
  });

  it('refuses floats and a non-positive divisor', () => {
    expect(() => mulDivRound(1.5, 2, 3)).toThrow();
    expect(() => mulDivRound(1, 2, 0)).toThrow();
  });
});

describe('factors and amounts', () => {
  it('rounds a factor to 4 decimals as a person would', () => {
    expect(toFactor4(1.00005)).toBe(10_001);
    expect(toFactor4(0.930000000001)).toBe(9_300);
    expect(applyFactor(825_000, 13_500)).toBe(1_113_750);
  });

  it('interpolates linearly, in ln(x), and clamps only when asked', () => {
    const pts = [
      [1, 1],
      [100, 3],
    ] as const;
    expect(interpolate(pts, 10, 'log')).toBeCloseTo(2, 12);
    expect(interpolate(pts, 50.5, 'linear')).toBeCloseTo(2, 12);
    expect(interpolate(pts, 101, 'linear')).toBeUndefined();
    expect(interpolate(pts, 101, 'linear', true)).toBe(3);
    expect(interpolate(pts, 0, 'linear', true)).toBe(1);
  });

  it('writes amounts the way a rule message quotes them', () => {
    expect(groupThousands(1_234_567)).toBe('1,234,567');
    expect(groupThousands(999)).toBe('999');
    expect(formatAmount(500_000, 'USD', 2)).toBe('USD 5,000');
    expect(formatAmount(2_500_000_001, 'USD', 2)).toBe('USD 25,000,000.01');
    expect(formatAmount(1_500, 'JPY', 0)).toBe('JPY 1,500');
    expect(formatAmount(1_005, 'KWD', 3)).toBe('KWD 1.005');
  });
});
