// The hot path: one proxied HTTP request, streamed both ways through the upstream pool with a
// hand-written dispatch handler (no stream wrappers, no per-request closures beyond the handler).
import { channel } from 'node:diagnostics_channel'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { CompiledRoute, CompiledTarget } from '../router/route-table.ts'
import type { RouteTableSwitcher } from '../router/switcher.ts'
import { hostOf } from '../router/predicates.ts'
import type { RequestHead } from '../router/request-head.ts'
import type { RateMeter, TrafficCounters } from '../stats/counters.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { connectionTokens, HOP_BY_HOP } from './hop-headers.ts'
import { forwardWithPolicies } from './policy-forward.ts'
import { sendProblem } from './problem.ts'
import { traceOf } from './trace.ts'

/** Published after every proxied response when someone listens (request inspector, access log). */
export const responseChannel = channel('sallyport:proxy:response')

export interface ProxyEvent {
  readonly req: RequestHead
  readonly route: CompiledRoute
  readonly target: CompiledTarget
  readonly upstreamPath: string
  readonly status: number
  readonly responseHeaders: OutgoingHttpHeaders | undefined
  readonly startedAt: number
  readonly durationMs: number
  readonly error: Error | undefined
  readonly traceId: string
}

export interface GatewayTraffic {
  readonly counters: TrafficCounters
  readonly rate: RateMeter
  activeSse: number
}

export interface ForwardDeps {
  readonly switcher: RouteTableSwitcher
  readonly traffic: GatewayTraffic
  readonly isDraining: () => boolean
}

/** Normalises dot segments and empty segments, which upstreams would resolve differently. */
export function normalizePath(path: string): string {
  if (!path.includes('/.') && !path.includes('//')) return path
  const out: string[] = []
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return `/${out.join('/')}${path.endsWith('/') && out.length > 0 ? '/' : ''}`
}

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

/** Request headers for the upstream: hop-by-hop removed, forwarding headers set, route rules applied. */
export function upstreamHeaders(
  req: RequestHead,
  route: CompiledRoute,
  target: CompiledTarget,
  traceparent: string,
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
  const remote = req.socket.remoteAddress ?? ''
  const prior = src['x-forwarded-for']
  out['x-forwarded-for'] = prior ? `${prior}, ${remote}` : remote
  out['x-forwarded-proto'] = (req.socket as TLSSocket).encrypted ? 'https' : 'http'
  out['x-forwarded-host'] = src.host ?? ''
  out.traceparent = traceparent
  out.host = target.hostHeader
  for (const [k, v] of route.headersAdd) out[k] = v
  return out
}

export function errorKind(err: Error & { code?: string }): 'gateway-timeout' | 'bad-gateway' {
  return err.code === 'UPSTREAM_HEADERS_TIMEOUT' || err.code === 'UPSTREAM_CONNECT_TIMEOUT'
    ? 'gateway-timeout'
    : 'bad-gateway'
}

export function explainFailure(
  err: Error & { code?: string },
  target: CompiledTarget,
  timeoutMs: number,
): string {
  switch (err.code) {
    case 'UPSTREAM_HEADERS_TIMEOUT':
      return `upstream ${target.spec.url} did not answer within ${timeoutMs} ms`
    case 'UPSTREAM_CONNECT_TIMEOUT':
      return `could not connect to upstream ${target.spec.url} in time`
    case 'ECONNREFUSED':
      return `upstream ${target.spec.url} refused the connection`
    case 'UPSTREAM_BAD_RESPONSE':
    case 'UPSTREAM_CLOSED':
      return `upstream ${target.spec.url}: ${err.message}`
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      // Local services often use their own certificates: say how to trust one.
      return `upstream ${target.spec.url} presented a TLS certificate that is not trusted (${err.code}: ${err.message}); to trust a local CA, start Sallyport with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`
    default:
      return `upstream ${target.spec.url} failed: ${err.code ?? err.message}`
  }
}

/**
 * One proxied exchange: what its dispatch handler needs, and the ProxyEvent published when it ends (no
 * second object per request). The node:http path and the fast lane each add how they answer the client.
 */
export class ProxyExchange implements ProxyEvent {
  readonly req: RequestHead
  readonly route: CompiledRoute
  readonly target: CompiledTarget
  readonly traffic: GatewayTraffic
  readonly started: number
  readonly traceId: string
  readonly upstreamPath: string
  controller: DispatchController | undefined
  status = 0
  responseHeaders: OutgoingHttpHeaders | undefined
  startedAt = 0
  durationMs = 0
  error: Error | undefined
  done = false
  sse = false
  readonly borrowsChunks = true

  constructor(
    req: RequestHead,
    route: CompiledRoute,
    target: CompiledTarget,
    traffic: GatewayTraffic,
    traceId: string,
    upstreamPath: string,
  ) {
    this.req = req
    this.route = route
    this.target = target
    this.traffic = traffic
    this.traceId = traceId
    this.upstreamPath = upstreamPath
    this.started = performance.now()
  }

  onRequestStart(controller: DispatchController): void {
    this.controller = controller
    if (this.done) controller.abort(new Error('client went away'))
  }

  /** Records the response head; true for an event stream (counted while it lasts). */
  protected noteResponse(statusCode: number, headers: ResponseHeaders): void {
    this.status = statusCode
    this.responseHeaders = headers
    const type = headers['content-type']
    if (typeof type === 'string' && type.startsWith('text/event-stream')) {
      this.sse = true
      this.traffic.activeSse++
    }
  }

  /** Client closed before the response completed: stop the upstream request too. */
  clientGone(): void {
    if (this.done) return
    this.controller?.abort(new Error('client went away'))
    if (!this.done) this.finish(new Error('client went away'))
  }

  finish(err: Error | undefined): void {
    if (this.done) return
    this.done = true
    const now = Date.now()
    const ms = performance.now() - this.started
    const failed = err !== undefined || this.status >= 500
    this.route.counters.finish(ms, failed, now)
    this.target.counters.finish(ms, failed, now)
    this.traffic.counters.finish(ms, failed, now)
    this.target.state.inflight--
    if (this.sse) this.traffic.activeSse--
    if (responseChannel.hasSubscribers) {
      this.startedAt = now - ms
      this.durationMs = ms
      this.error = err
      responseChannel.publish(this satisfies ProxyEvent)
    }
  }
}

/** Counts a request that goes to `target` on the plain path (either server). */
export function countDispatch(route: CompiledRoute, target: CompiledTarget, traffic: GatewayTraffic): void {
  route.counters.activeConns++
  target.counters.totalRequests++
  target.counters.activeConns++
  traffic.counters.activeConns++
  target.state.inflight++
}

/** The node:http path's dispatch handler: answers through the ServerResponse. */
class ProxyHandler extends ProxyExchange implements DispatchHandler {
  readonly res: ServerResponse

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    target: CompiledTarget,
    traffic: GatewayTraffic,
    traceId: string,
    upstreamPath: string,
  ) {
    super(req, route, target, traffic, traceId, upstreamPath)
    this.res = res
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    // End-to-end fields only already (the upstream client drops hop-by-hop ones): sent as they are.
    this.noteResponse(statusCode, headers)
    const res = this.res
    if (res.destroyed) {
      controller.abort(new Error('client went away'))
      return
    }
    res.writeHead(statusCode, headers)
    if (this.sse) res.flushHeaders()
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    // The chunk's bytes belong to the upstream connection's read buffer until the write is done.
    if (!this.res.write(chunk, controller.hold())) {
      controller.pause()
      this.res.once('drain', () => controller.resume())
    }
  }

  onResponseEnd(): void {
    this.res.end()
    this.finish(undefined)
  }

  onResponseError(_controller: DispatchController, err: Error): void {
    if (!this.done && !this.res.destroyed) {
      if (this.res.headersSent) this.res.destroy(err)
      else {
        this.status = errorKind(err) === 'gateway-timeout' ? 504 : 502
        sendProblem(this.res, errorKind(err), {
          detail: explainFailure(err, this.target, this.route.timeoutMs),
          instance: this.req.url ?? '/',
          traceId: this.traceId,
        })
      }
    }
    this.finish(err)
  }
}

// The handler rides on the response, so one shared listener serves every request (no bind per request).
const kHandler = Symbol('sallyport.proxyHandler')
type ResponseWithHandler = ServerResponse & { [kHandler]?: ProxyHandler }

function onResponseClose(this: ResponseWithHandler): void {
  this[kHandler]?.clientGone()
}

export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length']
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined
}

export function createForwarder(deps: ForwardDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { switcher, traffic } = deps
  return function forward(req, res) {
    const table = switcher.current
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = normalizePath(q < 0 ? url : url.slice(0, q))
    const query = q < 0 ? '' : url.slice(q)
    const now = Date.now()
    traffic.rate.mark(now)
    traffic.counters.totalRequests++
    const match = table.match(path, req, hostOf(req.headers.host))
    const trace = traceOf(req.headers.traceparent)
    if (deps.isDraining()) res.shouldKeepAlive = false
    if (!match) {
      sendProblem(res, 'route-not-found', {
        detail: `no route matches ${req.method} ${path}`,
        instance: url,
        traceId: trace.traceId,
      })
      return
    }
    const route = match.route
    // Routes with traffic policies take their own path; one branch here, nothing else for the rest.
    if (route.policies !== undefined) {
      forwardWithPolicies(req, res, route, path, query, match.matchedLength, trace, traffic)
      return
    }
    const i = route.balancer.pick(req)
    route.counters.totalRequests++
    if (i < 0) {
      route.counters.totalErrors++
      traffic.counters.totalErrors++
      sendProblem(res, 'service-unavailable', {
        detail: `route ${route.id} has no healthy upstream target`,
        instance: url,
        traceId: trace.traceId,
        retryAfterS: 1,
      })
      return
    }
    const target = route.targets[i] as CompiledTarget
    countDispatch(route, target, traffic)
    const upstreamPath = upstreamPathOf(route, target, path, match.matchedLength, query)
    const handler = new ProxyHandler(req, res, route, target, traffic, trace.traceId, upstreamPath)
    ;(res as ResponseWithHandler)[kHandler] = handler
    res.on('close', onResponseClose) // 'close' comes once; `once` would bind a wrapper per request
    target.pool.dispatch(
      {
        path: upstreamPath,
        method: req.method as string,
        headers: upstreamHeaders(req, route, target, trace.traceparent),
        body: hasBody(req) ? req : null,
        headersTimeout: route.timeoutMs,
      },
      handler,
    )
  }
}
