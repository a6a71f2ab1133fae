// What the proxy publishes when an exchange ends, for whoever listens (the request inspector, an
// access log): a diagnostics channel, so nothing on the request path knows who is listening. Every
// request the gateway answered is published, whoever answered it (`outcome`).
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { Outcome } from '../model/index.ts'
import type { BodyCapture } from './body-capture.ts'

export const EXCHANGE_CHANNEL = 'sallyport:proxy:response'

export interface ExchangeEvent {
  readonly req: RequestHead
  /** Whose traffic this is (several gateways can share one process and one channel). */
  readonly traffic: object
  /** Undefined when no route matched. */
  readonly route: { readonly id: string } | undefined
  /** The target of the last attempt; undefined when nothing went upstream. */
  readonly target: { readonly spec: { readonly url: string } } | undefined
  readonly upstreamPath: string
  /** The header block sent upstream on the last attempt. */
  readonly upstreamHeaders: Record<string, string | string[]> | undefined
  readonly status: number
  readonly responseHeaders: ResponseFields | undefined
  readonly outcome: Outcome
  readonly attempts: number
  /** Date.now() clock. */
  readonly startedAt: number
  readonly durationMs: number
  /** performance.now() times and spans of the request, for the timing breakdown. */
  readonly started: number
  readonly attemptStarted: number
  readonly headAt: number
  readonly connectMs: number
  /** The request's content as a policy read it in full, if one did. */
  readonly body: Buffer | undefined
  readonly requestCapture: BodyCapture | undefined
  readonly responseCapture: BodyCapture | undefined
  readonly error: Error | undefined
  readonly traceId: string
}
