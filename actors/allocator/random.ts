/** Seeded randomness for deterministic allocation (the allocator never calls Math.random). */

/** A source of numbers uniform in [0, 1), e.g. the host's seeded PRNG. */
export type RandomSource = () => number;

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence.
 * @example const random = createSeededRandom(42); random(); // 0.6011037519201636
 */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place (Fisher–Yates) using `random`. */
export function shuffleInPlace<T>(items: T[], random: RandomSource): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    const item = items[index];
    items[index] = items[other];
    items[other] = item;
  }
}
