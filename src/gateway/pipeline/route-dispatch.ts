// The last steps of every route, after its request interceptors: pick a target (another one on a
// retry), count the attempt, send the request upstream. A failure before any response byte becomes
// the gateway's own 502/504 answer here, so every interceptor outside (CORS, cache, retry) sees it as
// a response.
import type { Duplex } from 'node:stream'
import { formatGrpcTimeout } from '../http/grpc.ts'
import { compose, type Dispatch } from '../policies/interceptor.ts'
import { DecoratingHandler } from '../policies/decorating-handler.ts'
import { answerProblem, LocalController } from '../policies/local-answer.ts'
import type { CompiledRoute, CompiledTarget } from '../router/route-table.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { clientGoneError, type Exchange } from './exchange.ts'
import { upstreamHeaders, upstreamPathOf } from './upstream-request.ts'

/** The route's dispatch: its interceptors around target pick → upstream. */
export function dispatchFor(route: CompiledRoute): Dispatch {
  // Only the pipeline calls a route's dispatch, always with its own Exchange.
  const pick: Dispatch = (ctx, handler) => pickTarget(route, ctx as Exchange, handler)
  return compose(route.policies?.request ?? [], pick)
}

function pickTarget(route: CompiledRoute, ex: Exchange, handler: DispatchHandler): void {
  // Gone, or already answered while an interceptor waited (a body read, a deadline): nothing goes up.
  if (ex.gone || ex.done) {
    handler.onResponseError(new LocalController(), clientGoneError())
    return
  }
  const target = choose(route, ex)
  if (target === undefined) {
    ex.noTarget = true
    noTarget(route, ex, handler)
    return
  }
  // The service's programs see the chosen target, once: a retry to another one does not run them again.
  const programs = route.programs
  if (programs !== undefined && ex.attempts === 0)
    programs.run(ex, target.id, handler, () => {
      // They may have waited for a token to be verified.
      if (ex.gone || ex.done) handler.onResponseError(new LocalController(), clientGoneError())
      else attempt(route, ex, handler, target)
    })
  else attempt(route, ex, handler, target)
}

/** One attempt on `target`: counted, and its request sent upstream. */
function attempt(route: CompiledRoute, ex: Exchange, handler: DispatchHandler, target: CompiledTarget): void {
  ex.noTarget = false
  ex.outcome = 'upstream'
  if (ex.attempts > 0) {
    ex.tried ??= []
    ex.tried.push(ex.target as CompiledTarget)
  }
  ex.attempts++
  ex.upstreamError = undefined
  ex.upstreamPath = upstreamPathOf(route, target, ex.path, ex.matchedLength, ex.query)
  // Nothing between the exchange and the upstream: it handles its attempt itself.
  const direct = handler === ex && route.policies === undefined
  ex.beginAttempt(target, direct)
  sendUpstream(ex, direct ? ex : new Attempt(handler, ex))
}

/** The balancer's pick; on a retry, a target not tried yet when there is one. */
function choose(route: CompiledRoute, ex: Exchange): CompiledTarget | undefined {
  const n = route.targets.length
  let first = -1
  for (let tries = 0; tries < n; tries++) {
    const i = route.balancer.pick(ex.req)
    if (i < 0) return undefined
    const t = route.targets[i] as CompiledTarget
    if (ex.attempts === 0 || (t !== ex.target && !ex.tried?.includes(t))) return t
    if (first < 0) first = i
  }
  return route.targets[first]
}

/**
 * 503 when every target is out (open circuit, passively or actively down), nothing sent upstream;
 * Retry-After says when the first of them may be tried again. A route marked unavailable says why.
 */
function noTarget(route: CompiledRoute, ex: Exchange, handler: DispatchHandler): void {
  const unavailable = route.spec.unavailable
  if (unavailable !== undefined) {
    answerProblem(handler, ex, 'service-unavailable', { outcome: 'no-target', detail: unavailable })
    return
  }
  const now = Date.now()
  let next = Number.POSITIVE_INFINITY
  let why = ''
  for (const t of route.targets) {
    const s = t.state
    const at = !s.healthy ? s.passiveUntil : s.circuitState === 'open' ? s.openUntil : 0
    if (at > 0 && at < next) next = at
    why ||= s.reason ?? ''
  }
  const open = route.targets.every((t) => t.state.healthy && t.state.circuitState !== 'closed')
  answerProblem(handler, ex, 'service-unavailable', {
    outcome: open ? 'circuit-open' : 'no-target',
    detail: `${
      open
        ? `circuit open for every target of route ${route.id}`
        : `route ${route.id} has no healthy upstream target`
    }${why ? ` (${why})` : ''}`,
    retryAfterS: Number.isFinite(next) ? Math.max(1, Math.ceil((next - now) / 1000)) : 1,
  })
}

/** The longest deadline told to an upstream: 99,999,999 ms, the most grpc-timeout says in ms. */
const MAX_FORWARDED_DEADLINE_MS = 99_999_999

function sendUpstream(ex: Exchange, handler: DispatchHandler): void {
  const route = ex.route as CompiledRoute
  const target = ex.target as CompiledTarget
  const upgrade = ex.upgrade ? (ex.req.headers.upgrade as string) : undefined
  if (ex.body === undefined && ex.bodyStream !== null) ex.sink.bodyWanted()
  const headers = upstreamHeaders(ex.req, route, target, ex.authority, ex.traceparent, upgrade)
  // The inspector shows this very object (no copy): nothing changes it once it has gone upstream.
  ex.upstreamHeaders = headers
  const changes = ex.upstreamHeaderChanges
  if (changes !== undefined)
    for (const name in changes) {
      const value = changes[name]
      if (value === undefined) delete headers[name]
      else headers[name] = value
    }
  if (ex.deadlineAt > 0) {
    // The upstream learns how long it has left (gRPC servers cancel their own work past it), at most
    // ~27 h: some servers' timers overflow on longer ones and fire at once.
    const left = Math.min(MAX_FORWARDED_DEADLINE_MS, Math.max(1, ex.deadlineAt - performance.now()))
    headers['grpc-timeout'] = formatGrpcTimeout(left)
  }
  target.pool.dispatch(
    {
      path: ex.upstreamPath,
      method: ex.method,
      headers,
      body: ex.body ?? ex.bodyStream,
      // A gRPC call's deadline covers the whole call, not only the wait for the head.
      headersTimeout: ex.grpc ? 0 : route.timeoutMs,
      upgrade: upgrade !== undefined,
      bodyObserver: ex.captureLimit > 0 && ex.body === undefined ? ex : undefined,
    },
    handler,
  )
}

/** One upstream attempt inside a route's interceptors: the exchange's attempt bookkeeping and its
 * answer for an upstream that gave none, delivered through the chain. */
class Attempt extends DecoratingHandler {
  readonly ex: Exchange

  constructor(inner: DispatchHandler, ex: Exchange) {
    super(inner)
    this.ex = ex
  }

  override onRequestStart(controller: DispatchController): void {
    this.ex.controller = controller
    if (this.ex.gone) controller.abort(clientGoneError())
    else this.inner.onRequestStart?.(controller)
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    this.ex.attemptStatus = statusCode
    if (this.ex.grpc) this.ex.noteGrpcStatus(headers)
    this.inner.onResponseStart(controller, statusCode, headers)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    if (this.ex.grpc) this.ex.noteGrpcStatus(trailers)
    this.ex.endAttempt(undefined)
    this.inner.onResponseEnd(controller, trailers)
  }

  override onResponseError(controller: DispatchController, err: Error): void {
    this.ex.endAttempt(err)
    if (!this.ex.answerFailure(this.inner, err)) this.inner.onResponseError(controller, err)
  }

  override onUpgrade(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    socket: Duplex,
    head: Buffer,
  ): void {
    this.ex.attemptStatus = statusCode
    this.ex.endAttempt(undefined)
    super.onUpgrade(controller, statusCode, headers, socket, head)
  }
}
