// Deterministic randomness for mock data: the same seed and request always give the same body.

/** Numbers in [0, 1), repeatable from the seed (mulberry32: small, fast, good enough for sample data). */
export type Random = () => number

export function seededRandom(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seed for one request: the route's seed mixed with the text (FNV-1a). */
export function seedFor(seed: number, text: string): number {
  let h = (2166136261 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 16777619) >>> 0
  }
  return h
}
