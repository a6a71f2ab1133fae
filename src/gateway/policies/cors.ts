// CORS per route: the gateway answers preflights itself and decorates every other response, its
// own answers (401, 429, 502…) included, so a browser can read them.
// `*` is never combined with credentials: the request's origin is echoed instead.
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { RouteConfig } from '../model/index.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Interceptor } from './interceptor.ts'
import { answer } from './local-answer.ts'

type Cfg = Exclude<RouteConfig['cors'], false | undefined>

export interface CorsPolicy {
  /** The fields of the answer to a preflight, or undefined when the request is not one. */
  preflight(req: RequestHead): ResponseFields | undefined
  /** Adds the response fields for an actual (non-preflight) request. */
  decorate(req: RequestHead, headers: ResponseFields): void
}

const GRPC_EXPOSE = 'grpc-status, grpc-message'
const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']

function addVary(headers: ResponseFields, value: string): void {
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
    preflight(req) {
      if (req.method !== 'OPTIONS') return undefined
      const origin = req.headers.origin
      const wanted = req.headers['access-control-request-method']
      if (origin === undefined || typeof wanted !== 'string') return undefined
      const headers: ResponseFields = {}
      if (varies) headers.vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
      const allowed = allowOrigin(origin)
      const requestedHeaders = (req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== '')
      const headersOk = !allowHeaderSet || requestedHeaders.every((h) => allowHeaderSet.has(h))
      // Refused: a plain 204 without CORS headers; the browser blocks the actual request.
      if (allowed === undefined || !methodSet.has(wanted.toUpperCase()) || !headersOk) return headers
      headers['access-control-allow-origin'] = allowed
      headers['access-control-allow-methods'] = allowMethods
      if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders.join(', ')
      else if (requestedHeaders.length > 0)
        headers['access-control-allow-headers'] = requestedHeaders.join(', ')
      if (credentials) headers['access-control-allow-credentials'] = 'true'
      if (maxAge !== undefined) headers['access-control-max-age'] = maxAge
      return headers
    },
    decorate(req, headers) {
      if (varies) addVary(headers, 'Origin')
      const origin = req.headers.origin
      if (origin === undefined) return
      const allowed = allowOrigin(origin)
      if (allowed === undefined) return
      headers['access-control-allow-origin'] = allowed
      if (credentials) headers['access-control-allow-credentials'] = 'true'
      // A gRPC-Web client must read the call's status from the head of a trailers-only answer.
      const grpcWeb = req.headers['content-type']?.startsWith('application/grpc-web') === true
      if (grpcWeb)
        headers['access-control-expose-headers'] = expose ? `${expose}, ${GRPC_EXPOSE}` : GRPC_EXPOSE
      else if (expose) headers['access-control-expose-headers'] = expose
    },
  }
}

/** Answers preflights; decorates every other response on its way out. */
export function corsInterceptor(cors: CorsPolicy): Interceptor {
  return (next) => (ctx, handler) => {
    const preflight = cors.preflight(ctx.req)
    if (preflight !== undefined) {
      ctx.outcome = 'preflight'
      answer(handler, 204, preflight)
    } else next(ctx, new CorsHandler(handler, cors, ctx.req))
  }
}

class CorsHandler extends DecoratingHandler {
  readonly cors: CorsPolicy
  readonly req: RequestHead

  constructor(inner: DispatchHandler, cors: CorsPolicy, req: RequestHead) {
    super(inner)
    this.cors = cors
    this.req = req
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    const out = { ...headers }
    this.cors.decorate(this.req, out)
    this.inner.onResponseStart(controller, statusCode, out)
  }
}
