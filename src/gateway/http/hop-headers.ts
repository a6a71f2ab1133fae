// RFC 9110 §7.6.1: connection-specific fields are consumed by each hop, never forwarded.
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
])

/** Field names a `Connection` header lists (they are hop-by-hop for this message too). */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  // The common values name no other field: skip the split.
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive')
    return undefined
  const text = Array.isArray(value) ? value.join(',') : value
  let set: Set<string> | undefined
  for (const token of text.split(',')) {
    const t = token.trim().toLowerCase()
    if (!t || t === 'close' || t === 'keep-alive') continue
    set ??= new Set()
    set.add(t)
  }
  return set
}
