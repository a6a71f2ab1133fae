// CORS per route: the gateway answers preflights itself and decorates actual responses.
// `*` is never combined with credentials: the request's origin is echoed instead.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { RouteConfig } from '../model/index.ts'

type Cfg = NonNullable<RouteConfig['cors']>

export interface CorsPolicy {
  /** Answers a preflight; returns false when the request is not one. */
  preflight(req: IncomingMessage, res: ServerResponse): boolean
  /** Adds the response headers for an actual (non-preflight) request. */
  decorate(req: IncomingMessage, headers: OutgoingHttpHeaders): void
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']

function addVary(headers: OutgoingHttpHeaders, value: string): void {
  const prior = headers.vary
  if (prior === undefined || prior === '') headers.vary = value
  else if (
    !String(prior)
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(value.toLowerCase()) &&
    prior !== '*'
  )
    headers.vary = `${String(prior)}, ${value}`
}

export function compileCors(cfg: Cfg | undefined): CorsPolicy | undefined {
  if (!cfg || cfg.enabled === false) return undefined
  const origins = cfg.origins ?? ['*']
  const any = origins.includes('*')
  const exact = new Set(origins.filter((o) => o !== '*').map((o) => o.toLowerCase()))
  const credentials = cfg.credentials === true
  const methods = (cfg.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase())
  const methodSet = new Set(methods)
  const allowMethods = methods.join(', ')
  const allowHeaders = cfg.headers?.map((h) => h.toLowerCase())
  const allowHeaderSet = allowHeaders ? new Set(allowHeaders) : undefined
  const expose = cfg.exposeHeaders?.length ? cfg.exposeHeaders.join(', ') : undefined
  const maxAge = cfg.maxAge !== undefined ? String(cfg.maxAge) : undefined

  /** The Access-Control-Allow-Origin value for this origin, or undefined when not allowed. */
  const allowOrigin = (origin: string): string | undefined => {
    if (exact.has(origin.toLowerCase())) return origin
    if (!any) return undefined
    return credentials ? origin : '*'
  }
  // With a fixed `*` and no credentials the answer does not depend on Origin; otherwise caches must vary.
  const varies = !(any && exact.size === 0 && !credentials)

  return {
    preflight(req, res) {
      if (req.method !== 'OPTIONS') return false
      const origin = req.headers.origin
      const wanted = req.headers['access-control-request-method']
      if (origin === undefined || wanted === undefined) return false
      const headers: OutgoingHttpHeaders = { 'content-length': 0 }
      if (varies) headers.vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
      const allowed = allowOrigin(origin)
      const requestedHeaders = (req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== '')
      const headersOk = !allowHeaderSet || requestedHeaders.every((h) => allowHeaderSet.has(h))
      if (allowed === undefined || !methodSet.has(wanted.toUpperCase()) || !headersOk) {
        // Refused: a plain 204 without CORS headers; the browser blocks the actual request.
        res.writeHead(204, headers)
        res.end()
        return true
      }
      headers['access-control-allow-origin'] = allowed
      headers['access-control-allow-methods'] = allowMethods
      if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders.join(', ')
      else if (requestedHeaders.length > 0)
        headers['access-control-allow-headers'] = requestedHeaders.join(', ')
      if (credentials) headers['access-control-allow-credentials'] = 'true'
      if (maxAge !== undefined) headers['access-control-max-age'] = maxAge
      res.writeHead(204, headers)
      res.end()
      return true
    },
    decorate(req, headers) {
      if (varies) addVary(headers, 'Origin')
      const origin = req.headers.origin
      if (origin === undefined) return
      const allowed = allowOrigin(origin)
      if (allowed === undefined) return
      headers['access-control-allow-origin'] = allowed
      if (credentials) headers['access-control-allow-credentials'] = 'true'
      if (expose) headers['access-control-expose-headers'] = expose
    },
  }
}
