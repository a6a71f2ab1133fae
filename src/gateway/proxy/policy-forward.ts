// The proxy path for routes with traffic policies: CORS preflight → rate limit → JWT → cache →
// circuit-aware target pick → dispatch with retries. Routes without policies never come here.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { JwtOutcome } from '../middleware/jwt.ts'
import type { Capture } from '../middleware/response-cache.ts'
import type { TakeResult } from '../resilience/rate-limit.ts'
import type { CompiledRoute, CompiledTarget, RoutePolicies } from '../router/route-table.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import {
  errorKind,
  explainFailure,
  type GatewayTraffic,
  hasBody,
  type ProxyEvent,
  responseChannel,
  upstreamHeaders,
  upstreamPathOf,
} from './forward.ts'
import { type ProblemKind, sendProblem } from './problem.ts'
import type { Trace } from './trace.ts'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const clientGoneError = () => new Error('client went away')

/** One client request on a policy route; lives across retry attempts. */
const MAX_VALIDATED_BODY = 1024 * 1024

/** Reads a request body for validation; it is then forwarded from the buffer. */
function readJsonBody(req: IncomingMessage, limit: number): Promise<{ raw: Buffer; value: unknown }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        req.destroy()
        reject(new Error(`request body is larger than ${limit} bytes and cannot be validated`))
      } else chunks.push(c)
    })
    req.on('error', reject)
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      try {
        resolve({ raw, value: raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')) })
      } catch {
        reject(new Error('request body is not valid JSON'))
      }
    })
  })
}

class PolicyRequest {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly route: CompiledRoute
  readonly p: RoutePolicies
  readonly path: string
  readonly query: string
  readonly matchedLength: number
  readonly trace: Trace
  readonly traffic: GatewayTraffic
  readonly started = performance.now()
  attempts = 0
  tried: CompiledTarget[] = []
  current: PolicyAttempt | undefined
  retryTimer: NodeJS.Timeout | undefined
  cacheKey: string | undefined
  invalidateKey: string | undefined
  gone = false
  done = false
  counted = false
  lastTarget: CompiledTarget | undefined
  /** The request body, when validation had to read it before forwarding. */
  body: Buffer | undefined

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    path: string,
    query: string,
    matchedLength: number,
    trace: Trace,
    traffic: GatewayTraffic,
  ) {
    this.req = req
    this.res = res
    this.route = route
    this.p = route.policies as RoutePolicies
    this.path = path
    this.query = query
    this.matchedLength = matchedLength
    this.trace = trace
    this.traffic = traffic
  }

  start(): void {
    const p = this.p
    this.route.counters.activeConns++
    this.traffic.counters.activeConns++
    this.counted = true
    this.res.once('close', () => this.clientGone())
    if (p.retry) p.retry.budget.request(Date.now())
    if (p.rateLimit && !p.rateLimit.needsClaims) this.limit(undefined, () => this.authenticate())
    else this.authenticate()
  }

  limit(claims: Record<string, unknown> | undefined, next: () => void): void {
    const rl = this.p.rateLimit
    if (!rl) {
      next()
      return
    }
    const r = rl.store.take(rl.keyOf(this.req, claims), rl.ratePerSec, rl.burst, Date.now())
    if (r instanceof Promise)
      r.then(
        (x) => this.afterLimit(x, next),
        () => next(), // a shared store that is down must not take the route down with it
      )
    else this.afterLimit(r, next)
  }

  afterLimit(r: TakeResult, next: () => void): void {
    if (this.gone) {
      this.end(undefined, 0)
      return
    }
    if (r.ok) {
      next()
      return
    }
    this.route.counters.rateLimited++
    this.reject('rate-limit-exceeded', 'rate limit exceeded for this route', {
      retryAfterS: r.retryAfterS,
      headers: { 'ratelimit-limit': String(this.p.rateLimit?.burst), 'ratelimit-remaining': '0' },
    })
  }

  authenticate(): void {
    const jwt = this.p.jwt
    if (!jwt) {
      this.afterAuth(undefined)
      return
    }
    const c = jwt.cached(this.req)
    if (c) {
      this.afterJwt(c)
      return
    }
    jwt.verify(this.req).then(
      (o) => this.afterJwt(o),
      () =>
        this.afterJwt({
          ok: false,
          status: 401,
          detail: 'token invalid',
          challenge: 'Bearer realm="sallyport"',
        }),
    )
  }

  afterJwt(o: JwtOutcome): void {
    if (this.gone) {
      this.end(undefined, 0)
      return
    }
    if (o.ok) {
      this.afterAuth(o.claims as Record<string, unknown>)
      return
    }
    this.reject(o.status === 403 ? 'forbidden' : 'unauthorized', o.detail, {
      headers: { 'www-authenticate': o.challenge },
    })
  }

  afterAuth(claims: Record<string, unknown> | undefined): void {
    if (this.p.rateLimit?.needsClaims) this.limit(claims, () => this.validate())
    else this.validate()
  }

  /** OpenAPI request validation: a JSON body is read (≤ 1 MiB) only when the operation declares one. */
  validate(): void {
    const validator = this.p.validation?.request ? this.p.validation.registry.validator : undefined
    if (!validator) {
      this.fromCache()
      return
    }
    const method = this.req.method as string
    const check = (body: unknown) => {
      const failures = validator.validateRequest(this.route.id, {
        method,
        path: this.path,
        query: new URLSearchParams(this.query.slice(1)),
        headers: this.req.headers,
        body,
      })
      if (failures && failures.length > 0) {
        this.reject(
          'validation-failed',
          `request does not match the OpenAPI document: ${failures.map((f) => f.message).join('; ')}`,
          {
            extra: { errors: failures },
          },
        )
        return
      }
      this.fromCache()
    }
    if (!hasBody(this.req) || !validator.needsBody(this.route.id, method, this.path)) {
      check(undefined)
      return
    }
    readJsonBody(this.req, MAX_VALIDATED_BODY).then(
      ({ raw, value }) => {
        this.body = raw
        check(value)
      },
      (err: Error) =>
        this.reject('validation-failed', err.message, {
          extra: { errors: [{ in: 'body', message: err.message }] },
        }),
    )
  }

  fromCache(): void {
    const cache = this.p.cache
    const m = this.req.method as string
    if (cache) {
      if (m === 'GET' || m === 'HEAD') {
        const key = cache.keyOf(this.req)
        const hit = cache.lookup(this.req, key, Date.now())
        if (hit) {
          this.route.counters.cacheHits++
          const headers: OutgoingHttpHeaders = {
            ...hit.entry.headers,
            age: String(Math.floor(hit.ageS)),
            'x-cache': 'HIT',
          }
          this.p.cors?.decorate(this.req, headers)
          this.res.writeHead(hit.entry.status, headers)
          this.res.end(m === 'HEAD' ? undefined : hit.entry.body)
          this.end(undefined, hit.entry.status)
          return
        }
        this.route.counters.cacheMisses++
        this.cacheKey = key
      } else if (UNSAFE.has(m)) this.invalidateKey = cache.keyOf(this.req)
    }
    this.attempt()
  }

  pick(): CompiledTarget | undefined {
    const route = this.route
    const n = route.targets.length
    let first = -1
    for (let tries = 0; tries < n; tries++) {
      const i = route.balancer.pick(this.req)
      if (i < 0) return undefined
      if (first < 0) first = i
      const t = route.targets[i] as CompiledTarget
      if (!this.tried.includes(t)) return t
    }
    return route.targets[first]
  }

  attempt(): void {
    if (this.gone) {
      this.end(clientGoneError(), 0)
      return
    }
    const target = this.pick()
    if (!target) {
      this.noTarget()
      return
    }
    this.attempts++
    this.tried.push(target)
    this.lastTarget = target
    this.p.breaker?.acquire(target.state)
    target.counters.totalRequests++
    target.counters.activeConns++
    target.state.inflight++
    const upstreamPath = upstreamPathOf(this.route, target, this.path, this.matchedLength, this.query)
    const a = new PolicyAttempt(this, target, upstreamPath)
    this.current = a
    target.pool.dispatch(
      {
        path: upstreamPath,
        method: this.req.method as string,
        headers: upstreamHeaders(this.req, this.route, target, this.trace.traceparent),
        body: this.body ?? (hasBody(this.req) ? this.req : null),
        headersTimeout: this.route.timeoutMs,
      },
      a,
    )
  }

  noTarget(): void {
    const now = Date.now()
    let openUntil = 0
    for (const t of this.route.targets)
      if (t.state.circuitState === 'open' && t.state.healthy)
        openUntil = openUntil === 0 ? t.state.openUntil : Math.min(openUntil, t.state.openUntil)
    const detail =
      openUntil > 0
        ? `circuit open for every available target of route ${this.route.id}`
        : `route ${this.route.id} has no healthy upstream target`
    this.reject('service-unavailable', detail, {
      retryAfterS: openUntil > 0 ? Math.max(1, (openUntil - now) / 1000) : 1,
      failed: true,
    })
  }

  /** Whether one more attempt is allowed now (takes from the retry budget when it is). */
  mayRetry(): boolean {
    const r = this.p.retry
    if (!r || this.gone || this.res.headersSent) return false
    if (this.attempts >= r.maxAttempts || !r.methods.has(this.req.method as string)) return false
    // A body already handed to the upstream cannot be replayed.
    if (hasBody(this.req)) return false
    return r.budget.tryRetry(Date.now())
  }

  retry(): void {
    const r = this.p.retry
    if (!r) return
    this.route.counters.retryAttempts++
    const delay = r.delayMs(this.attempts)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.attempt()
    }, delay)
  }

  reject(
    kind: ProblemKind,
    detail: string,
    opts: {
      retryAfterS?: number
      headers?: Record<string, string>
      failed?: boolean
      extra?: Record<string, unknown>
    } = {},
  ): void {
    const headers: Record<string, string> = { ...opts.headers }
    this.p.cors?.decorate(this.req, headers)
    sendProblem(this.res, kind, {
      detail,
      instance: this.req.url ?? '/',
      traceId: this.trace.traceId,
      headers,
      ...(opts.extra ? { extra: opts.extra } : {}),
      ...(opts.retryAfterS !== undefined ? { retryAfterS: opts.retryAfterS } : {}),
    })
    this.end(opts.failed ? new Error(detail) : undefined, this.res.statusCode)
  }

  clientGone(): void {
    if (this.done) return
    this.gone = true
    if (this.retryTimer) {
      clearTimeout(this.retryTimer)
      this.retryTimer = undefined
      this.end(clientGoneError(), 0)
      return
    }
    this.current?.clientGone()
  }

  /** Request-level accounting, once. */
  end(err: Error | undefined, status: number, sent?: OutgoingHttpHeaders, target?: CompiledTarget): void {
    if (this.done) return
    this.done = true
    const now = Date.now()
    const ms = performance.now() - this.started
    const failed = err !== undefined || status >= 500
    if (this.counted) {
      this.route.counters.finish(ms, failed, now)
      this.traffic.counters.finish(ms, failed, now)
    }
    const t = target ?? this.lastTarget
    if (t && responseChannel.hasSubscribers) {
      responseChannel.publish({
        req: this.req,
        route: this.route,
        target: t,
        upstreamPath: upstreamPathOf(this.route, t, this.path, this.matchedLength, this.query),
        status,
        responseHeaders: sent,
        startedAt: now - ms,
        durationMs: ms,
        error: err,
        traceId: this.trace.traceId,
      } satisfies ProxyEvent)
    }
  }
}

/** One upstream attempt: the upstream pool's dispatch handler. */
class PolicyAttempt implements DispatchHandler {
  readonly rq: PolicyRequest
  readonly target: CompiledTarget
  readonly upstreamPath: string
  readonly started = performance.now()
  controller: DispatchController | undefined
  status = 0
  sent: OutgoingHttpHeaders | undefined
  upstream: ResponseHeaders | undefined
  capture: Capture | undefined
  freshForS = 0
  retrying = false
  finished = false
  sse = false
  /** JSON response body kept (≤ 1 MiB) for contract checks, when the route validates responses. */
  contract: Buffer[] | undefined
  contractBytes = 0
  upstreamType: string | undefined

  constructor(rq: PolicyRequest, target: CompiledTarget, upstreamPath: string) {
    this.rq = rq
    this.target = target
    this.upstreamPath = upstreamPath
  }

  /** Chunks are borrowed (the cache copies what it keeps) unless a contract check keeps them. */
  get borrowsChunks(): boolean {
    return this.contract === undefined
  }

  onRequestStart(controller: DispatchController): void {
    this.controller = controller
    if (this.rq.gone) controller.abort(clientGoneError())
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    const rq = this.rq
    this.status = statusCode
    if (rq.p.retry?.retryOn.has(statusCode) && rq.mayRetry()) {
      // Nothing has reached the client yet: drop this answer and try again.
      this.retrying = true
      controller.abort(new Error(`retrying after upstream status ${statusCode}`))
      return
    }
    const res = rq.res
    if (res.destroyed) {
      controller.abort(clientGoneError())
      return
    }
    const out: OutgoingHttpHeaders = { ...headers } // decorated below; `headers` stays as the upstream sent it
    const cache = rq.p.cache
    if (cache) {
      if (rq.cacheKey !== undefined) {
        out['x-cache'] = 'MISS'
        const fresh = cache.storable(rq.req, statusCode, headers)
        if (fresh !== undefined) {
          this.capture = cache.begin(rq.cacheKey, headers['content-length'])
          this.freshForS = fresh
          this.upstream = headers
        }
      } else if (rq.invalidateKey !== undefined && statusCode < 400) cache.invalidate(rq.invalidateKey)
    }
    rq.p.cors?.decorate(rq.req, out)
    this.sent = out
    const type = headers['content-type']
    this.upstreamType = typeof type === 'string' ? type : undefined
    if (typeof type === 'string' && type.startsWith('text/event-stream')) {
      this.sse = true
      rq.traffic.activeSse++
    }
    if (rq.p.validation?.response && typeof type === 'string' && type.includes('json')) this.contract = []
    res.writeHead(statusCode, out)
    if (this.sse) res.flushHeaders()
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (this.retrying) return
    if (this.capture) this.rq.p.cache?.add(this.capture, chunk)
    if (this.contract) {
      this.contractBytes += chunk.length
      if (this.contractBytes > MAX_VALIDATED_BODY) this.contract = undefined
      else this.contract.push(chunk)
    }
    const res = this.rq.res
    if (!res.write(chunk, controller.hold())) {
      controller.pause()
      res.once('drain', () => controller.resume())
    }
  }

  onResponseEnd(): void {
    if (this.retrying) {
      this.afterRetryable(undefined)
      return
    }
    const rq = this.rq
    rq.res.end()
    if (this.capture && this.upstream && this.sent)
      rq.p.cache?.commit(
        this.capture,
        rq.req,
        this.status,
        this.upstream,
        this.sent,
        this.freshForS,
        Date.now(),
      )
    if (this.contract) this.checkContract(this.contract)
    this.finish(undefined)
    rq.end(undefined, this.status, this.sent, this.target)
  }

  /** Response validation: after the client has its answer, so it never delays or changes it. */
  checkContract(chunks: Buffer[]): void {
    const rq = this.rq
    const validator = rq.p.validation?.registry.validator
    if (!validator) return
    let body: unknown
    try {
      body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      body = undefined
    }
    const type = this.upstreamType
    const failures = validator.validateResponse(
      rq.route.id,
      rq.req.method as string,
      rq.path,
      this.status,
      type,
      body,
    )
    if (failures && failures.length > 0) rq.route.counters.contractViolations++
  }

  onResponseError(_controller: DispatchController, err: Error): void {
    const rq = this.rq
    if (this.retrying) {
      this.afterRetryable(err)
      return
    }
    if (rq.gone) {
      this.finish(clientGoneError())
      rq.end(clientGoneError(), this.status, this.sent, this.target)
      return
    }
    const res = rq.res
    if (!res.headersSent && rq.mayRetry()) {
      this.finish(err)
      rq.retry()
      return
    }
    if (!res.destroyed) {
      if (res.headersSent) res.destroy(err)
      else {
        const kind = errorKind(err)
        this.status = kind === 'gateway-timeout' ? 504 : 502
        rq.reject(kind, explainFailure(err, this.target, rq.route.timeoutMs), { failed: true })
      }
    }
    this.finish(err)
    rq.end(err, this.status, this.sent, this.target)
  }

  afterRetryable(_err: Error | undefined): void {
    if (this.finished) return
    this.finish(new Error(`upstream status ${this.status}`))
    this.rq.retry()
  }

  clientGone(): void {
    if (this.finished) return
    this.controller?.abort(clientGoneError())
  }

  /** Attempt-level accounting: target counters, breaker, passive health. */
  finish(err: Error | undefined): void {
    if (this.finished) return
    this.finished = true
    const rq = this.rq
    const t = this.target
    const s = t.state
    const now = Date.now()
    const ms = performance.now() - this.started
    const failed = err !== undefined || this.status >= 500
    t.counters.finish(ms, failed, now)
    s.inflight--
    if (this.sse) rq.traffic.activeSse--
    // The client leaving says nothing about the upstream.
    if (rq.gone && !this.retrying && this.status === 0) {
      if (s.circuitState === 'half-open' && s.halfOpenInflight > 0) s.halfOpenInflight--
      return
    }
    const b = rq.p.breaker
    if (b?.onResult(s, failed, now)) {
      rq.route.counters.circuitBreaks++
      t.counters.circuitBreaks++
    }
    const passive = rq.p.passive
    if (passive) {
      if (!failed) s.passiveFailures = 0
      else if (++s.passiveFailures >= passive.threshold && s.healthy) {
        s.healthy = false
        s.checkSuccesses = 0
        s.passiveUntil = now + passive.cooldownMs
        s.reason = `${s.passiveFailures} consecutive proxy failures`
      }
    }
  }
}

export function forwardWithPolicies(
  req: IncomingMessage,
  res: ServerResponse,
  route: CompiledRoute,
  path: string,
  query: string,
  matchedLength: number,
  trace: Trace,
  traffic: GatewayTraffic,
): void {
  route.counters.totalRequests++
  const cors = (route.policies as RoutePolicies).cors
  if (cors?.preflight(req, res)) return
  new PolicyRequest(req, res, route, path, query, matchedLength, trace, traffic).start()
}
