import { createHash } from 'node:crypto'

/**
 * JSON with object keys sorted, so equal values hash equally whatever their key order. JSON.stringify
 * writes each object's properties in the order of a key list it is given, so the sorted list of every key
 * in the value is enough: about twice as fast on a 10,000-route config as a replacer building a sorted copy
 * of every object. Keys sort by code unit, integer-like ones too (a sorted copy would have put those first).
 */
export function canonicalJson(value: unknown): string {
  const keys = new Set<string>()
  collectKeys(value, keys)
  return JSON.stringify(value, [...keys].sort()) ?? ''
}

function collectKeys(value: unknown, into: Set<string>): void {
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    for (const item of value) collectKeys(item, into)
    return
  }
  for (const key of Object.keys(value)) {
    into.add(key)
    collectKeys((value as Record<string, unknown>)[key], into)
  }
}

/** Short content hash (first 12 hex chars of sha256), as the FluxGate dialect shows. */
export function contentHash(value: unknown): string {
  const text = typeof value === 'string' ? value : canonicalJson(value)
  return createHash('sha256').update(text).digest('hex').slice(0, 12)
}
