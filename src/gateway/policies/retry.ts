// Retry policy: which requests may be retried, how long to wait, and a budget that keeps retries
// under a share of recent requests so a failing upstream is not hammered (Envoy/Finagle budgets).
// The interceptor retries before anything reached the client: on a status in `retryOn`, or when the
// gateway could not get an answer at all (refused, reset, timed out); each retry picks another
// target when there is one.
//
// gRPC calls (all POSTs, their content streamed) are retried only when `methods` names the call
// ("/pkg.Service/Method", or "/pkg.Service" for all of its methods; never by POST): such a call's one
// request message is read in full first so it can be sent again (name only unary and
// server-streaming methods). A gRPC answer is retryable when the gateway got none at all, or when it
// is a trailers-only status listed in `grpcRetryOn` (default UNAVAILABLE).
import { GrpcStatus } from '../http/grpc.ts'
import type { RouteConfig } from '../model/index.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { toMs } from '../util/duration.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Dispatch, Interceptor, ProxyContext } from './interceptor.ts'
import { answerProblem } from './local-answer.ts'

type Cfg = NonNullable<RouteConfig['retry']>

export interface RetryPolicy {
  readonly maxAttempts: number
  readonly methods: ReadonlySet<string>
  readonly retryOn: ReadonlySet<number>
  /** gRPC status codes (trailers-only answers) worth another attempt. */
  readonly grpcRetryOn: ReadonlySet<string>
  readonly budget: RetryBudget
  delayMs(retry: number): number
}

const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']

/** Retries over requests in a sliding 10 s window (two 5 s halves, the older one weighted down). */
export class RetryBudget {
  readonly percent: number
  #start = 0
  #requests = 0
  #retries = 0
  #prevRequests = 0
  #prevRetries = 0
  constructor(percent: number) {
    this.percent = percent
  }
  #roll(now: number): void {
    if (now - this.#start < 5000) return
    const twoWindows = now - this.#start >= 10_000
    this.#prevRequests = twoWindows ? 0 : this.#requests
    this.#prevRetries = twoWindows ? 0 : this.#retries
    this.#requests = 0
    this.#retries = 0
    this.#start = now
  }
  request(now: number): void {
    this.#roll(now)
    this.#requests++
  }
  /** Takes one retry from the budget if retries stay ≤ percent of requests. */
  tryRetry(now: number): boolean {
    this.#roll(now)
    const requests = this.#requests + this.#prevRequests
    const retries = this.#retries + this.#prevRetries
    // At least one retry is always allowed so a quiet route can still retry once.
    if (retries + 1 > Math.max(1, (requests * this.percent) / 100)) return false
    this.#retries++
    return true
  }
}

export function retryPolicy(route: Cfg | undefined, defaults: Cfg | undefined): RetryPolicy | undefined {
  const cfg = route ?? defaults
  if (!cfg || cfg.enabled === false) return undefined
  const d = route && defaults ? defaults : undefined
  const maxAttempts = cfg.maxAttempts ?? d?.maxAttempts ?? 2
  if (maxAttempts < 2) return undefined
  const backoff = cfg.backoff ?? d?.backoff ?? 'exponential'
  const base = toMs(cfg.baseDelay ?? d?.baseDelay, 100)
  const max = toMs(cfg.maxDelay ?? d?.maxDelay, 2000)
  const jitter = cfg.jitter ?? d?.jitter ?? true
  return {
    maxAttempts,
    methods: new Set((cfg.methods ?? d?.methods ?? IDEMPOTENT).map((m) => m.toUpperCase())),
    retryOn: new Set(cfg.retryOn ?? d?.retryOn ?? [502, 503, 504]),
    grpcRetryOn: new Set(
      (cfg.grpcRetryOn ?? d?.grpcRetryOn ?? ['UNAVAILABLE']).map((name) =>
        String(GrpcStatus[name.toUpperCase() as keyof typeof GrpcStatus] ?? name),
      ),
    ),
    budget: new RetryBudget(cfg.budgetPercent ?? d?.budgetPercent ?? 20),
    delayMs(retry) {
      const raw = backoff === 'fixed' ? base : backoff === 'linear' ? base * retry : base * 2 ** (retry - 1)
      const capped = Math.min(max, raw)
      // Full jitter over the upper half: spreads retries without collapsing the delay to zero.
      return jitter ? capped / 2 + Math.random() * (capped / 2) : capped
    },
  }
}

/** Most request content read in full so a gRPC call can be sent again. */
const MAX_REPLAYED_GRPC_MESSAGE = 4 * 1024 * 1024

/** Whether the route's `methods` name this gRPC call (or its service). */
function grpcCallAllowed(policy: RetryPolicy, path: string): boolean {
  const slash = path.indexOf('/', 1)
  return (
    policy.methods.has(path.toUpperCase()) ||
    (slash > 0 && policy.methods.has(path.slice(0, slash).toUpperCase()))
  )
}

export function retryInterceptor(policy: RetryPolicy): Interceptor {
  return (next) => (ctx, handler) => {
    policy.budget.request(Date.now())
    const retryHandler = new RetryHandler(handler, policy, ctx, next)
    if (ctx.grpc && ctx.hasBody && ctx.body === undefined && grpcCallAllowed(policy, ctx.path)) {
      retryHandler.grpcAllowed = true
      // The call's request message, kept so it can be sent again. Too large (or the client went):
      // the rest of the stream cannot be sent on whole, so the call ends here.
      ctx.readBody(MAX_REPLAYED_GRPC_MESSAGE).then(
        () => next(ctx, retryHandler),
        (err: Error) =>
          answerProblem(handler, ctx, 'content-too-large', {
            detail: `${err.message}: a retried gRPC call keeps its message (at most ${MAX_REPLAYED_GRPC_MESSAGE} bytes)`,
          }),
      )
      return
    }
    retryHandler.grpcAllowed = ctx.grpc && grpcCallAllowed(policy, ctx.path)
    next(ctx, retryHandler)
  }
}

class RetryHandler extends DecoratingHandler {
  readonly policy: RetryPolicy
  readonly ctx: ProxyContext
  readonly next: Dispatch
  /** This attempt's answer is being dropped; its end (or error) starts the next attempt. */
  retrying = false
  /** A gRPC call the route's `methods` name (gRPC calls are otherwise never retried). */
  grpcAllowed = false

  constructor(inner: DispatchHandler, policy: RetryPolicy, ctx: ProxyContext, next: Dispatch) {
    super(inner)
    this.policy = policy
    this.ctx = ctx
    this.next = next
  }

  /** Whether one more attempt is allowed now (takes from the retry budget when it is). */
  mayRetry(): boolean {
    const ctx = this.ctx
    const p = this.policy
    // No target left to try (all down or open): the 503 stands.
    const allowed = ctx.grpc ? this.grpcAllowed : p.methods.has(ctx.method)
    // Nothing went upstream yet (a program refused it): the gateway's answer stands.
    if (ctx.gone || ctx.noTarget || ctx.attempts === 0 || ctx.attempts >= p.maxAttempts || !allowed)
      return false
    // Content already streamed to an upstream cannot be sent again; content read in full can.
    if (ctx.hasBody && ctx.body === undefined) return false
    return p.budget.tryRetry(Date.now())
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    const grpcStatus = headers['grpc-status']
    const failed =
      this.ctx.upstreamError !== undefined ||
      (this.ctx.grpc
        ? typeof grpcStatus === 'string' && this.policy.grpcRetryOn.has(grpcStatus)
        : this.policy.retryOn.has(statusCode))
    if (failed && this.mayRetry()) {
      // Nothing has reached the client yet: drop this answer and try again.
      this.retrying = true
      controller.abort(new Error(`retrying after status ${statusCode}`))
      return
    }
    this.inner.onResponseStart(controller, statusCode, headers)
  }

  override onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (!this.retrying) this.inner.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    if (this.retrying) this.again()
    else this.inner.onResponseEnd(controller, trailers)
  }

  override onResponseError(controller: DispatchController, err: Error): void {
    if (this.retrying) this.again()
    else this.inner.onResponseError(controller, err)
  }

  again(): void {
    this.retrying = false
    this.ctx.routeCounters.retryAttempts++
    setTimeout(() => {
      if (!this.ctx.gone) this.next(this.ctx, this)
    }, this.policy.delayMs(this.ctx.attempts))
  }
}
