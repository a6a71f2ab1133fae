// One request through the gateway, whatever front-end it came in on: the context its route's
// interceptors see, the handler at the end of their chain that writes the response to the front-end's
// sink, the bookkeeping (counters, gauges) and the event published when it ends. One object per
// request; the front-end calls `clientGone()` when its client leaves early.
import { channel } from 'node:diagnostics_channel'
import type { Duplex } from 'node:stream'
import { isGrpcLike } from '../http/grpc.ts'
import type { ProblemKind } from '../http/problem.ts'
import type { Outcome } from '../model/index.ts'
import { attemptOutcome, failureReason } from '../policies/attempt-judge.ts'
import { answerProblem, grpcCutTrailers } from '../policies/local-answer.ts'
import type { RequestHead } from '../http/request-head.ts'
import { isBodiless, type ResponseFields } from '../http/response-fields.ts'
import type { TargetParts } from '../http/request-target.ts'
import type { ProxyContext } from '../policies/interceptor.ts'
import type { ResponseHeaderEdits } from '../policies/response-header-edits.ts'
import type { CompiledRoute, CompiledTarget } from '../router/route-table.ts'
import type { BodyArena } from '../stats/body-arena.ts'
import { BodyCapture, type CaptureSettings } from '../stats/body-capture.ts'
import { EXCHANGE_CHANNEL, type ExchangeEvent } from '../stats/exchange-event.ts'
import type { GatewayTraffic } from '../stats/traffic.ts'
import {
  type DispatchController,
  type DispatchHandler,
  type RequestBodyObserver,
  type ResponseHeaders,
  UpstreamError,
} from '../upstream/types.ts'
import type { ResponseSink } from './response-sink.ts'
import { explainFailure, failureKind } from './upstream-failure.ts'

const responseChannel = channel(EXCHANGE_CHANNEL)
const NO_FIELDS: ResponseFields = {}
const EMPTY = Buffer.alloc(0)

export const clientGoneError = (): Error => new Error('client went away')

export class Exchange implements ProxyContext, DispatchHandler, TargetParts, RequestBodyObserver {
  readonly req: RequestHead
  readonly sink: ResponseSink
  readonly traffic: GatewayTraffic
  readonly method: string
  readonly url: string
  readonly upgrade: boolean
  readonly grpc: boolean
  readonly hasBody: boolean
  /** The client's content as it streams in (node:http's IncomingMessage), or null. */
  readonly bodyStream: NodeJS.ReadableStream | null
  readonly started = performance.now()
  // Filled by resolveTarget().
  path = '/'
  query = ''
  authority = ''
  host = ''
  asterisk = false
  traceId = ''
  traceparent = ''
  route: CompiledRoute | undefined = undefined
  matchedLength = 0
  // ProxyContext.
  body: Buffer | undefined = undefined
  upstreamHeaderChanges: Record<string, string | undefined> | undefined = undefined
  responseHeaderEdits: ResponseHeaderEdits | undefined = undefined
  claims: Record<string, unknown> | undefined = undefined
  gone = false
  attempts = 0
  target: CompiledTarget | undefined = undefined
  upstreamError: Error | undefined = undefined
  noTarget = false
  /** Who answered (the inspector's outcome): set where the gateway answers itself. */
  outcome: Outcome = 'upstream'
  /** Targets tried already (retries pick another one); undefined until a second attempt needs it. */
  tried: CompiledTarget[] | undefined = undefined
  /** The controller of the upstream attempt in progress, if any. */
  controller: DispatchController | undefined = undefined
  // The attempt in progress (one at a time; a retry starts the next after this one ended).
  attemptStarted = 0
  attemptStatus = 0
  /** A gRPC attempt's grpc-status once seen. */
  attemptGrpcStatus: string | undefined = undefined
  attemptOpen = false
  /**
   * The exchange is its attempt's handler itself: the route has no interceptors, so nothing sits
   * between (one object less per request on the plain path). Otherwise an Attempt wraps the chain.
   */
  direct = false
  // ExchangeEvent.
  upstreamPath = ''
  upstreamHeaders: Record<string, string | string[]> | undefined = undefined
  /** When the response head was ready (performance.now()), and the last attempt's connect time. */
  headAt = 0
  connectMs = 0
  /** Body bytes kept for the inspector, up to `captureLimit` each (0: none kept), and where. */
  readonly captureLimit: number
  readonly captureArena: BodyArena
  requestCapture: BodyCapture | undefined = undefined
  responseCapture: BodyCapture | undefined = undefined
  status = 0
  responseHeaders: ResponseFields | undefined = undefined
  startedAt = 0
  durationMs = 0
  error: Error | undefined = undefined
  done = false
  /** A gRPC call's deadline (performance.now() time), or 0; its timer. */
  deadlineAt = 0
  deadlineTimer: NodeJS.Timeout | undefined = undefined
  /** The response has no content (HEAD, 1xx, 204, 304): bytes for one are dropped. */
  bodiless = false
  sse = false

  constructor(
    req: RequestHead,
    sink: ResponseSink,
    traffic: GatewayTraffic,
    bodyStream: NodeJS.ReadableStream | null,
    upgrade: boolean,
    capture: CaptureSettings,
  ) {
    this.req = req
    this.sink = sink
    this.traffic = traffic
    this.method = req.method ?? 'GET'
    this.url = req.url ?? '/'
    this.bodyStream = bodyStream
    this.hasBody = bodyStream !== null
    this.upgrade = upgrade
    const type = req.headers['content-type']
    this.grpc = type !== undefined && isGrpcLike(type)
    this.captureLimit = capture.bodyLimit
    this.captureArena = capture.arena
  }

  get routeId(): string {
    return this.route?.id ?? ''
  }

  get routeCounters(): ProxyContext['routeCounters'] {
    return (this.route as CompiledRoute).counters
  }

  /** The route matched: it counts the request as in flight until `finish`. */
  enterRoute(route: CompiledRoute, matchedLength: number): void {
    this.route = route
    this.matchedLength = matchedLength
    route.counters.totalRequests++
    route.counters.activeConns++
    this.traffic.counters.activeConns++
  }

  readBody(limit: number): Promise<Buffer> {
    if (this.body !== undefined) return Promise.resolve(this.body)
    const stream = this.bodyStream
    if (stream === null) return Promise.resolve(EMPTY)
    // A client that sent `Expect: 100-continue` waits for this before it sends anything.
    this.sink.interim(100, NO_FIELDS)
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      const stop = (err: Error | undefined) => {
        stream.removeListener('data', onData)
        stream.removeListener('end', onEnd)
        stream.removeListener('error', onError)
        stream.removeListener('close', onClose)
        if (err) {
          // The rest is not read: the connection cannot carry another request after the answer.
          this.sink.closeAfter()
          reject(err)
        }
      }
      const onData = (c: Buffer) => {
        size += c.length
        if (size > limit)
          stop(new Error(`request body is larger than ${limit} bytes and cannot be validated`))
        else chunks.push(c)
      }
      const onEnd = () => {
        stop(undefined)
        this.body = Buffer.concat(chunks, size)
        resolve(this.body)
      }
      const onError = () => stop(new Error('the client stopped sending the request body'))
      const onClose = () => stop(new Error('the client stopped sending the request body'))
      stream.on('data', onData)
      stream.on('end', onEnd)
      stream.on('error', onError)
      stream.on('close', onClose)
    })
  }

  /** Copies a response chunk's first bytes for the inspector (the chunk is the connection's buffer). */
  captureResponse(chunk: Buffer): void {
    let c = this.responseCapture
    if (c === undefined) {
      const length = this.responseHeaders?.['content-length']
      c = new BodyCapture(
        this.captureArena,
        this.captureLimit,
        typeof length === 'string' ? Number(length) : -1,
      )
      this.responseCapture = c
    }
    c.add(chunk)
  }

  /** The client's body on its way upstream (streamed): its first bytes are kept for the inspector. */
  onRequestBody(chunk: Buffer): void {
    let c = this.requestCapture
    if (c === undefined) {
      const length = this.req.headers['content-length']
      c = new BodyCapture(this.captureArena, this.captureLimit, length === undefined ? -1 : Number(length))
      this.requestCapture = c
    }
    c.add(chunk)
  }

  /** Answers with a problem of the gateway's own (no route, malformed request…), like any answer. */
  problem(kind: ProblemKind, detail: string): void {
    answerProblem(this, this, kind, { detail })
  }

  /** An upstream attempt to `target` begins: it is load on the target until it ends. */
  beginAttempt(target: CompiledTarget, direct: boolean): void {
    this.target = target
    this.direct = direct
    this.attemptStarted = performance.now()
    this.attemptStatus = 0
    this.attemptGrpcStatus = undefined
    this.attemptOpen = true
    target.counters.totalRequests++
    target.counters.activeConns++
    target.state.inflight++
    target.state.judge?.begin(target.state)
  }

  /**
   * The attempt ended (its response complete, or failed): the target's bookkeeping, once, and what
   * its passive health and breaker learn (policies/attempt-judge.ts).
   */
  endAttempt(err: Error | undefined): void {
    if (!this.attemptOpen) return
    this.attemptOpen = false
    const t = this.target as CompiledTarget
    const status = this.attemptStatus
    const failed = (err !== undefined && !this.gone) || status >= 500
    const now = Date.now()
    t.counters.finish(performance.now() - this.attemptStarted, failed, now)
    t.state.inflight--
    this.controller = undefined
    const judge = t.state.judge
    if (judge === undefined) return
    const grpcStatus = this.attemptGrpcStatus
    const outcome = attemptOutcome(err, status, grpcStatus, this.gone)
    const route = this.route as CompiledRoute
    const why =
      outcome === 'failed'
        ? failureReason(t.spec.url, status, grpcStatus, () =>
            explainFailure(err as Error, t, route.timeoutMs),
          )
        : ''
    if (judge.end(t.state, outcome, why, now)) {
      route.counters.circuitBreaks++
      t.counters.circuitBreaks++
    }
  }

  /** A gRPC answer's status, from its head (trailers-only) or its trailers, for the attempt's verdict. */
  noteGrpcStatus(fields: ResponseHeaders | undefined): void {
    const status = fields?.['grpc-status']
    if (typeof status === 'string') this.attemptGrpcStatus = status
  }

  /**
   * The attempt failed before any response byte (refused, reset, timed out, malformed): the gateway
   * answers for the upstream through `handler` (502/504). False when a response had begun or the
   * client is gone: the failure then goes on as an error.
   */
  answerFailure(handler: DispatchHandler, err: Error): boolean {
    if (this.attemptStatus !== 0 || this.gone) return false
    this.upstreamError = err
    const route = this.route as CompiledRoute
    answerProblem(handler, this, failureKind(err), {
      detail: explainFailure(err, this.target as CompiledTarget, route.timeoutMs),
    })
    return true
  }

  // The end of the interceptor chain: the response goes to the client.

  onRequestStart(controller: DispatchController): void {
    this.controller = controller
    if (this.gone) controller.abort(clientGoneError())
  }

  onResponseInterim(_controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (!this.done) this.sink.interim(statusCode, headers)
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (this.done) {
      controller.abort(clientGoneError())
      return
    }
    if (this.sink.closed) {
      // The client left before its 'close' was heard: the same as clientGone(), for every policy too.
      this.gone = true
      controller.abort(clientGoneError())
      this.finish(clientGoneError())
      return
    }
    if (this.direct && this.attemptOpen) {
      this.attemptStatus = statusCode
      if (this.grpc) this.noteGrpcStatus(headers)
    }
    if (this.responseHeaderEdits !== undefined) headers = this.responseHeaderEdits.apply(headers)
    this.status = statusCode
    this.responseHeaders = headers
    this.headAt = performance.now()
    this.connectMs = controller.connectMs ?? 0
    this.bodiless = isBodiless(this.method, statusCode)
    const type = headers['content-type']
    if (typeof type === 'string' && type.startsWith('text/event-stream')) {
      this.sse = true
      this.traffic.activeSse++
    }
    // An event stream's head goes out at once: the first event may be a while.
    this.sink.start(statusCode, headers, this.sse)
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (this.bodiless || this.done) return
    if (this.captureLimit > 0) this.captureResponse(chunk)
    const sink = this.sink
    // The chunk's bytes belong to the upstream connection's read buffer until the write is done.
    if (!sink.write(chunk, controller.hold())) {
      controller.pause()
      sink.onDrain(() => controller.resume())
    }
  }

  onResponseEnd(_controller: DispatchController, trailers?: ResponseHeaders): void {
    if (this.direct && this.attemptOpen) {
      if (this.grpc) this.noteGrpcStatus(trailers)
      this.endAttempt(undefined)
    }
    if (this.done) return
    this.sink.end(trailers)
    this.finish(undefined)
  }

  onResponseError(_controller: DispatchController, err: Error): void {
    if (this.direct && this.attemptOpen) {
      this.endAttempt(err)
      if (!this.done && this.answerFailure(this, err)) return
    }
    if (this.done) return
    if (this.sink.headSent && this.grpc && !this.gone && !this.sink.closed) {
      // A gRPC client reads a status from trailers: say why the call ended instead of resetting it.
      this.sink.end(grpcCutTrailers(err))
    } else if (this.sink.headSent) this.sink.abort()
    else if (!this.gone && !this.sink.closed) {
      this.sink.closeAfter()
      this.upstreamError ??= err
      this.problem('bad-gateway', `the response could not be completed: ${err.message}`)
    }
    this.finish(err)
  }

  onUpgrade(
    _controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    socket: Duplex,
    head: Buffer,
  ): void {
    const target = this.target
    if (this.direct) {
      this.attemptStatus = statusCode
      this.endAttempt(undefined)
    }
    if (this.done || this.sink.closed || target === undefined) {
      socket.destroy()
      return
    }
    this.status = statusCode
    this.responseHeaders = headers
    // An open tunnel is load on its target (least-load balancing) and a gauge of its own.
    const traffic = this.traffic
    traffic.activeWs++
    target.state.inflight++
    socket.once('close', () => {
      traffic.activeWs--
      target.state.inflight--
    })
    this.sink.upgrade(statusCode, headers, socket, head)
    this.finish(undefined)
  }

  /**
   * A gRPC call ends by `ms` from now: past it the upstream call is cancelled and the client gets
   * DEADLINE_EXCEEDED (in trailers-only form when nothing was answered yet).
   */
  armDeadline(ms: number): void {
    this.deadlineAt = performance.now() + ms
    this.deadlineTimer = setTimeout(() => {
      if (this.done) return
      const err = new UpstreamError('UPSTREAM_DEADLINE_EXCEEDED', `the call's deadline of ${ms} ms passed`)
      const controller = this.controller
      if (controller !== undefined) controller.abort(err)
      else if (!this.sink.headSent) {
        this.upstreamError = err
        this.problem('gateway-timeout', err.message)
      }
    }, ms)
  }

  /** The client left before its response was complete: stop the upstream side too. */
  clientGone(): void {
    if (this.done) return
    this.gone = true
    this.controller?.abort(clientGoneError())
    if (!this.done) this.finish(clientGoneError())
  }

  /** Request-level bookkeeping, once. */
  finish(err: Error | undefined): void {
    if (this.done) return
    this.done = true
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer)
    const route = this.route
    const now = Date.now()
    const ms = performance.now() - this.started
    // A client that hangs up (an event stream closed, a download abandoned) is no failure of the
    // gateway or its upstream: it counts by what was answered, not as an error.
    const failed = this.status >= 500 || (err !== undefined && !this.gone)
    if (route === undefined) {
      // No route matched (or the request was refused before routing): the gateway answered itself.
      this.traffic.counters.answered(ms, failed, now, this.status, true)
      this.publish(err, now, ms)
      return
    }
    // By class, and whether the gateway made the answer itself (no upstream reached, or it failed).
    const local = this.target === undefined || this.upstreamError !== undefined
    route.counters.finish(ms, failed, now, this.status, local)
    this.traffic.counters.finish(ms, failed, now, this.status, local)
    if (this.sse) this.traffic.activeSse--
    this.publish(err, now, ms)
  }

  /** The event the inspector records: every answer, the gateway's own too (no route, 429, 503...). */
  private publish(err: Error | undefined, now: number, ms: number): void {
    if (!responseChannel.hasSubscribers) return
    if (this.gone) this.outcome = 'client-gone'
    this.startedAt = now - ms
    this.durationMs = ms
    this.error = err ?? this.upstreamError
    responseChannel.publish(this as ExchangeEvent)
  }
}
