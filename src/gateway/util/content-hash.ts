import { createHash } from 'node:crypto'

/** Up to this many distinct keys, a key list handed to JSON.stringify is the fastest way to sort them. */
const KEY_LIST_LIMIT = 64

/**
 * JSON with object keys sorted (by code unit, integer-like keys too), so equal values hash equally
 * whatever their key order. JSON.stringify writes each object's properties in the order of a key list it
 * is given, twice as fast as sorting each object on a 10,000-route config; but it walks the whole list at
 * every object (objects × distinct keys: 26 s for a 13 MB OpenAPI document), so a value with many
 * distinct keys sorts each object's own keys instead. Both write the same bytes.
 */
export function canonicalJson(value: unknown): string {
  const keys = new Set<string>()
  if (collectKeys(value, keys)) return JSON.stringify(value, [...keys].sort()) ?? ''
  return write(value, '') ?? ''
}

/** False as soon as there are too many distinct keys for a key list. */
function collectKeys(value: unknown, into: Set<string>): boolean {
  if (value === null || typeof value !== 'object') return true
  if (Array.isArray(value)) {
    for (const item of value) if (!collectKeys(item, into)) return false
    return true
  }
  for (const key of Object.keys(value)) {
    into.add(key)
    if (into.size > KEY_LIST_LIMIT || !collectKeys((value as Record<string, unknown>)[key], into))
      return false
  }
  return true
}

/** What JSON.stringify writes for `value` under `key`, or undefined where it leaves the value out. */
function write(value: unknown, key: string): string | undefined {
  let v = value
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
    v = (v as { toJSON(key: string): unknown }).toJSON(key)
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v)
  if (Array.isArray(v)) {
    const parts = new Array<string>(v.length)
    for (let i = 0; i < v.length; i++) parts[i] = write(v[i], String(i)) ?? 'null'
    return `[${parts.join(',')}]`
  }
  const parts: string[] = []
  for (const k of Object.keys(v).sort()) {
    const text = write((v as Record<string, unknown>)[k], k)
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`)
  }
  return `{${parts.join(',')}}`
}

/** Short content hash (first 12 hex chars of sha256), as the FluxGate dialect shows. */
export function contentHash(value: unknown): string {
  const text = typeof value === 'string' ? value : canonicalJson(value)
  return createHash('sha256').update(text).digest('hex').slice(0, 12)
}
