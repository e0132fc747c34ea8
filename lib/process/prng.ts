/**
 * A small seeded pseudo-random generator (sfc32), one per actor host, so that ids and shuffles
 * are reproducible from a logged seed under simulation.
 */
import { urlAlphabet } from 'nanoid';
import { asVersion4, uuidText, UUID_BYTES } from '../uuid';

export class Prng {
  /**
   * The four words of sfc32's state (a, b, c, d). In a typed array, not four number fields: a
   * word above 2^31 is no small integer, so each write to such a field boxed a new heap number,
   * five per draw (~7 KB of garbage per simulated task, which draws ids).
   */
  private readonly state = new Uint32Array(4);
  /** Numbers drawn so far (traces record it, so a replay can check it draws the same). */
  private drawn = 0;

  constructor(readonly seed: number) {
    // splitmix32 spreads a small integer seed over the four words of state.
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (let word = 0; word < 4; word++) this.state[word] = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
    this.drawn = 0;
  }

  /** How many 32-bit numbers have been drawn since construction (every other method draws through `nextUint32`). */
  get draws(): number {
    return this.drawn;
  }

  /** Draws and discards `count` numbers (a replay catching up with draws made by actors it does not re-run). */
  skip(count: number): void {
    for (let i = 0; i < count; i++) this.nextUint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    this.drawn++;
    const state = this.state;
    const a = state[0] as number;
    const b = state[1] as number;
    const c = state[2] as number;
    const d = state[3] as number;
    const t = (((a + b) >>> 0) + d) >>> 0;
    state[3] = d + 1;
    state[0] = b ^ (b >>> 9);
    state[1] = c + (c << 3);
    state[2] = (((c << 21) | (c >>> 11)) >>> 0) + t;
    return t;
  }

  /** A float in [0, 1), usable wherever `Math.random` would be. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const swap = items[i] as T;
      items[i] = items[j] as T;
      items[j] = swap;
    }
    return items;
  }

  /** Random bytes, for id generators (nanoid's `customRandom`). */
  bytes(size: number): Uint8Array {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}

/** nanoid's URL-safe alphabet: 64 characters, so each drawn byte's low 6 bits pick one. */
const URL_ALPHABET = urlAlphabet;
/** Length of an id from `newIdFrom`. */
export const ID_LENGTH = 21;
/** Bytes nanoid's `customRandom` draws per id of 21 from a 64-character alphabet (`ceil(1.6 × 63 × 21 / 64)`); it uses the last 21, last first. */
const ID_DRAWS = 34;

/**
 * A 21-character URL-safe id from `prng`: the very id nanoid's `customRandom(urlAlphabet, 21,
 * prng.bytes)` makes, from the same draws (so seeds replay as before), without its garbage (a
 * byte array and a string per character: the most a simulated task allocated after path
 * resolution).
 *
 * @example newIdFrom(new Prng(7)) // e.g. 'V1StGXR8_Z5jdHi6B-myT', the same for seed 7 every time
 */
export function newIdFrom(prng: Prng): string {
  const bytes = idBytes;
  for (let index = 0; index < ID_DRAWS; index++) bytes[index] = prng.nextUint32() & 0xff;
  const codes = idCodes;
  for (let index = 0; index < ID_LENGTH; index++) codes[index] = URL_ALPHABET.charCodeAt((bytes[ID_DRAWS - 1 - index] as number) & 63);
  return String.fromCharCode.apply(null, codes);
}

/**
 * A random version 4 UUID's text from `prng` (a status update's uuid, as Mesos makes them). It
 * draws as many numbers as `newIdFrom`, so a seed's later draws are what they were when these
 * uuids were ids.
 */
export function newUuidFrom(prng: Prng): string {
  const bytes = uuidScratch;
  for (let index = 0; index < ID_DRAWS; index++) {
    const draw = prng.nextUint32() & 0xff;
    if (index < UUID_BYTES) bytes[index] = draw;
  }
  return uuidText(asVersion4(bytes));
}

/** Scratch space of `newUuidFrom`. */
const uuidScratch = new Uint8Array(UUID_BYTES);

/** Scratch space of `newIdFrom` (it never yields between filling and reading them). */
const idBytes = new Uint8Array(ID_DRAWS);
const idCodes: number[] = new Array<number>(ID_LENGTH).fill(0);

/** A seed from the OS' randomness, for hosts not under simulation. */
export function randomSeed(): number {
  return require('node:crypto').randomBytes(4).readUInt32LE(0) as number;
}
