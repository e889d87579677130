import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A small seeded random source for demo data and simulators (DESIGN.md §4: reproducible). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function seededRng(seed: number): Rng {
  const g = xoroshiro128plus(seed);
  const next = () => (g.next() >>> 0) / 4294967296;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}
