/**
 * Seeded randomness for the simulator. Two kinds: a sequential PRNG (mulberry32) to build a
 * fleet, and stateless hashes of coordinates (seed, key, time bucket) for everything that
 * varies over time, so that the value at an instant never depends on what was sampled before.
 */

/** mulberry32: a small, fast 32-bit PRNG; floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a, to turn ids into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

// murmur3's finaliser: every input bit flips about half the output bits.
function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

// Integers up to 2^53 (day and second indices, ms timestamps) keep their high bits.
function fold(x: number): number {
  return ((x >>> 0) ^ Math.imul(Math.floor(x / 4294967296) | 0, 0x27d4eb2d)) >>> 0
}

/** A 32-bit hash of a seed and up to three integer coordinates. */
export function hash(seed: number, a: number, b = 0, c = 0): number {
  let h = fmix((seed ^ 0x9e3779b9) >>> 0)
  h = fmix(h ^ fold(a))
  h = fmix((h + 0x632be5ab) ^ fold(b))
  return fmix((h + 0x85ebca77) ^ fold(c))
}

/** Uniform in [0, 1) at a coordinate. */
export function unit(seed: number, a: number, b = 0, c = 0): number {
  return hash(seed, a, b, c) / 4294967296
}

/**
 * Roughly standard normal at a coordinate: the sum of four uniform bytes of one hash
 * (Irwin–Hall). Bounded at about ±3.45, so noise never produces absurd outliers.
 */
export function gauss(seed: number, a: number, b = 0, c = 0): number {
  return gaussOf(hash(seed, a, b, c))
}

/**
 * Independent noise streams from one coordinate hash: `noise(base, key)` costs one mix
 * instead of a full hash, which matters at a few hundred thousand samples a second.
 */
export function noise(base: number, key: number): number {
  return gaussOf(fmix((base ^ Math.imul(key, 0x9e3779b1)) >>> 0))
}

function gaussOf(h: number): number {
  return ((h & 255) + ((h >>> 8) & 255) + ((h >>> 16) & 255) + (h >>> 24) - 510) / 147.8
}

/** Smooth value noise in [-1, 1] with one knot per `period` (same unit as `t`). */
export function smoothNoise(seed: number, key: number, t: number, period: number): number {
  const x = t / period
  const i = Math.floor(x)
  const f = x - i
  const a = unit(seed, key, i) * 2 - 1
  const b = unit(seed, key, i + 1) * 2 - 1
  return a + (b - a) * f * f * (3 - 2 * f)
}

/** Helpers over a sequential PRNG, for building fleets. */
export class Rng {
  private readonly next: () => number

  constructor(seed: number) {
    this.next = mulberry32(seed)
  }

  float(): number {
    return this.next()
  }

  range(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    const total = items.reduce((sum, i) => sum + weight(i), 0)
    let r = this.next() * total
    for (const item of items) {
      r -= weight(item)
      if (r < 0) return item
    }
    return this.pick(items)
  }
}

export function clamp(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x
}

const POW10 = [1, 10, 100, 1000, 10_000]

export function round(x: number, decimals: number): number {
  const f = POW10[decimals] ?? 10 ** decimals
  return Math.round(x * f) / f
}
