// The one request pipeline. Every front-end (node:http, the fast lane, upgrades; later HTTP/2) hands
// each request here with a sink to answer through: the target and Host are read and checked, the path
// normalised, the route matched, and the route's composed dispatch (interceptors → target → upstream)
// runs. What the gateway answers itself (malformed request, no route) is written here too.
import { parseGrpcTimeout } from '../http/grpc.ts'
import type { ProblemKind } from '../http/problem.ts'
import type { RequestHead } from '../http/request-head.ts'
import { normalizePath, resolveTarget } from '../http/request-target.ts'
import { answer } from '../policies/local-answer.ts'
import type { CompiledRoute } from '../router/route-table.ts'
import type { RouteTableSwitcher } from '../router/switcher.ts'
import type { CaptureSettings } from '../stats/body-capture.ts'
import type { GatewayTraffic } from '../stats/traffic.ts'
import { Exchange } from './exchange.ts'
import type { ResponseSink } from './response-sink.ts'
import { traceOf } from './trace.ts'

export interface PipelineDeps {
  readonly switcher: RouteTableSwitcher
  readonly traffic: GatewayTraffic
  readonly isDraining: () => boolean
  /** The request inspector's body capture (a live object: a reload changes its cap). */
  readonly capture: CaptureSettings
}

/** What a front-end knows of a request beyond its head. */
export interface RequestFraming {
  /** The request line said HTTP/1.0 (Host is optional, no Upgrade). */
  readonly http10: boolean
  /** How many Host field lines the request had (more than one is refused). */
  readonly hostLines: number
  /** The request's content as it streams in, or null when it has none. */
  readonly body: NodeJS.ReadableStream | null
  /** An HTTP/1.1 Upgrade request. */
  readonly upgrade: boolean
}

export interface Pipeline {
  /** Runs one request; the returned exchange is told when the client leaves (`clientGone()`). */
  handle(req: RequestHead, sink: ResponseSink, framing: RequestFraming): Exchange
  /** Answers a request the front-end could not accept (e.g. an unknown HTTP version), then closes. */
  refuse(req: RequestHead, sink: ResponseSink, kind: ProblemKind, detail: string): void
}

/** What `OPTIONS *` (a question about the gateway itself) is told. */
const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { switcher, traffic } = deps

  const start = (req: RequestHead, sink: ResponseSink, framing: RequestFraming): Exchange => {
    const ex = new Exchange(req, sink, traffic, framing.body, framing.upgrade, deps.capture)
    traffic.rate.mark(Date.now())
    traffic.counters.totalRequests++
    const trace = traceOf(req.headers.traceparent)
    ex.traceId = trace.traceId
    ex.traceparent = trace.traceparent
    if (deps.isDraining()) sink.closeAfter()
    return ex
  }

  return {
    handle(req, sink, framing) {
      const ex = start(req, sink, framing)
      const malformed =
        framingProblem(req, framing) ??
        resolveTarget(ex, ex.method, ex.url, req.headers.host, framing.hostLines, framing.http10)
      if (malformed !== undefined) {
        // The rest of what the client sent cannot be trusted to start where we think it does.
        sink.closeAfter()
        if (typeof malformed === 'string') ex.problem('bad-request', malformed)
        else ex.problem(malformed.kind, malformed.detail)
        return ex
      }
      if (ex.asterisk) {
        ex.outcome = 'preflight'
        answer(ex, 204, { allow: ALLOW })
        return ex
      }
      const path = normalizePath(ex.path)
      ex.path = path
      const match = switcher.current.match(path, req, ex.host)
      if (!match) {
        ex.problem('route-not-found', `no route matches ${ex.method} ${path}`)
        return ex
      }
      ex.enterRoute(match.route, match.matchedLength)
      if (ex.grpc) {
        const deadline = grpcDeadlineMs(match.route, req.headers['grpc-timeout'])
        if (deadline !== undefined) ex.armDeadline(deadline)
      }
      match.route.dispatch(ex, ex)
      return ex
    },

    refuse(req, sink, kind, detail) {
      const ex = start(req, sink, { http10: false, hostLines: 1, body: null, upgrade: false })
      sink.closeAfter()
      ex.problem(kind, detail)
    },
  }
}

/** The platform document's gRPC call deadline when neither the client nor the route sets one. */
export const DEFAULT_GRPC_DEADLINE_MS = 5000

/** The longest a timer can wait (2^31 − 1 ms, ~24.8 days); longer deadlines wait this long. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * A gRPC call's deadline in ms: the client's grpc-timeout (0: already passed), capped by the route's
 * timeout when the route sets one; without either, 5 s. Undefined: none (a route with `timeout: 0`
 * and no grpc-timeout).
 */
export function grpcDeadlineMs(
  route: CompiledRoute,
  grpcTimeout: string | string[] | undefined,
): number | undefined {
  const asked = typeof grpcTimeout === 'string' ? parseGrpcTimeout(grpcTimeout) : undefined
  const routeMs = route.spec.config.timeout !== undefined ? route.timeoutMs : undefined
  let ms: number | undefined
  if (asked === undefined)
    ms = routeMs === undefined ? DEFAULT_GRPC_DEADLINE_MS : routeMs > 0 ? routeMs : undefined
  else ms = routeMs !== undefined && routeMs > 0 ? Math.min(asked, routeMs) : asked
  return ms === undefined ? undefined : Math.min(ms, MAX_TIMER_MS)
}

/** RFC 9112 §6.1/§6.3: requests the gateway will not forward, whatever their route. */
function framingProblem(
  req: RequestHead,
  framing: RequestFraming,
): { kind: ProblemKind; detail: string } | undefined {
  // A 2xx to CONNECT would turn the upstream connection into a tunnel: never sent on.
  if (req.method === 'CONNECT')
    return {
      kind: 'not-implemented',
      detail: 'CONNECT is not served here: Sallyport is a gateway, not a forward proxy',
    }
  const te = req.headers['transfer-encoding']
  if (te !== undefined && te !== 'chunked') {
    const codings = te
      .toLowerCase()
      .split(',')
      .map((c) => c.trim())
    if (codings[codings.length - 1] !== 'chunked')
      return {
        kind: 'bad-request',
        detail: 'the request has a Transfer-Encoding that does not end in chunked',
      }
    if (codings.length > 1 || codings[0] !== 'chunked')
      return { kind: 'not-implemented', detail: `the transfer coding "${te.slice(0, 60)}" is not supported` }
  }
  if (framing.upgrade) {
    if (framing.http10) return { kind: 'bad-request', detail: 'Upgrade needs HTTP/1.1' }
    if (framing.body !== null)
      return { kind: 'bad-request', detail: 'an upgrade request cannot carry a body' }
  }
  return undefined
}
