// What the proxy publishes when an exchange ends, for whoever listens (the request inspector, an
// access log): a diagnostics channel, so nothing on the request path knows who is listening.
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { TrafficCounters } from './counters.ts'

export const EXCHANGE_CHANNEL = 'sallyport:proxy:response'

export interface ExchangeEvent {
  readonly req: RequestHead
  readonly route: { readonly id: string; readonly counters: TrafficCounters }
  readonly target: { readonly spec: { readonly url: string } }
  readonly upstreamPath: string
  readonly status: number
  readonly responseHeaders: ResponseFields | undefined
  /** Date.now() clock. */
  readonly startedAt: number
  readonly durationMs: number
  readonly error: Error | undefined
  readonly traceId: string
}
