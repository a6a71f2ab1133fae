// RFC 9110 §7.6.1: connection-specific fields are consumed by each hop, never forwarded.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

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

/** Response headers from upstream, minus hop-by-hop fields. */
export function responseHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const listed = connectionTokens(headers.connection)
  const out: OutgoingHttpHeaders = {}
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue
    const v = headers[name]
    if (v !== undefined) out[name] = v
  }
  return out
}
