// How one upstream attempt ended, for policies that learn from it (circuit breaker, passive health).
import type { Duplex } from 'node:stream'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { ProxyContext } from './interceptor.ts'

/** `failed`: a 5xx, or no complete answer; `client-gone`: the client left (that says nothing of the upstream). */
export type AttemptOutcome = 'ok' | 'failed' | 'client-gone'

/** Wraps `handler` so `settle` hears once how the attempt ended. */
export function watchAttempt(
  handler: DispatchHandler,
  ctx: ProxyContext,
  settle: (outcome: AttemptOutcome) => void,
): DispatchHandler {
  return new OutcomeWatch(handler, ctx, settle)
}

class OutcomeWatch extends DecoratingHandler {
  readonly ctx: ProxyContext
  readonly settle: (outcome: AttemptOutcome) => void
  status = 0
  settled = false

  constructor(inner: DispatchHandler, ctx: ProxyContext, settle: (outcome: AttemptOutcome) => void) {
    super(inner)
    this.ctx = ctx
    this.settle = settle
  }

  end(outcome: AttemptOutcome): void {
    if (this.settled) return
    this.settled = true
    this.settle(outcome)
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    this.status = statusCode
    this.inner.onResponseStart(controller, statusCode, headers)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    this.end(this.status >= 500 ? 'failed' : 'ok')
    this.inner.onResponseEnd(controller, trailers)
  }

  override onResponseError(controller: DispatchController, err: Error): void {
    // An answer dropped after its head (a retry on its status) is judged by that status.
    this.end(this.ctx.gone ? 'client-gone' : this.status >= 200 && this.status < 500 ? 'ok' : 'failed')
    this.inner.onResponseError(controller, err)
  }

  override onUpgrade(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    socket: Duplex,
    head: Buffer,
  ): void {
    this.end('ok')
    super.onUpgrade(controller, statusCode, headers, socket, head)
  }
}
