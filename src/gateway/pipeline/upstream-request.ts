// What goes to the upstream for a request: the rewritten path and the header block (hop-by-hop fields
// gone, forwarding fields set, the route's header rules applied). One place for every front-end.
import type { TLSSocket } from 'node:tls'
import { connectionTokens, HOP_BY_HOP } from '../http/hop-headers.ts'
import type { RequestHead } from '../http/request-head.ts'
import type { CompiledRoute, CompiledTarget } from '../router/route-table.ts'

export function upstreamPathOf(
  route: CompiledRoute,
  target: CompiledTarget,
  path: string,
  matchedLength: number,
  query: string,
): string {
  let rest = route.stripPrefix ? path.slice(matchedLength) : path
  if (rest === '' || rest.charCodeAt(0) !== 47) rest = `/${rest}`
  const prefix = target.basePath + route.addPrefix
  return (prefix === '' ? rest : rest === '/' ? prefix : prefix + rest) + query
}

/**
 * Request fields for the upstream. `authority`: what the client asked for (Host, or an absolute-form
 * target's), sent on as X-Forwarded-Host. `upgrade`: the Upgrade value of an upgrade request, which
 * then keeps its Connection and Upgrade fields (they are meant for the next hop too).
 */
export function upstreamHeaders(
  req: RequestHead,
  route: CompiledRoute,
  target: CompiledTarget,
  authority: string,
  traceparent: string,
  upgrade: string | undefined,
): Record<string, string | string[]> {
  const src = req.headers
  const listed = connectionTokens(src.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in src) {
    if (HOP_BY_HOP.has(name) || name === 'host' || listed?.has(name) || route.headersRemove.has(name))
      continue
    const v = src[name]
    if (v !== undefined) out[name] = v
  }
  if (upgrade !== undefined) {
    out.connection = 'upgrade'
    out.upgrade = upgrade
  }
  const remote = req.socket?.remoteAddress ?? ''
  const prior = src['x-forwarded-for']
  out['x-forwarded-for'] = prior ? `${prior}, ${remote}` : remote
  out['x-forwarded-proto'] = (req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http'
  out['x-forwarded-host'] = authority
  out.traceparent = traceparent
  out.host = target.hostHeader
  for (const [k, v] of route.headersAdd) out[k] = v
  return out
}
