// The shape every traffic policy has: an interceptor `(next) => dispatch` around the dispatch that
// sends a request on (undici's Dispatcher.compose, Traefik's middleware chain). A route's
// interceptors are composed once per route table; a request then runs through plain function calls.
// An interceptor may answer the request itself (through the handler it was given, so the
// interceptors outside it still see the answer), wrap the handler to watch or change the response, or
// call `next` again (retry).
import type { RequestHead } from '../http/request-head.ts'
import type { Outcome } from '../model/index.ts'
import type { TargetState } from '../health/target-state.ts'
import type { TrafficCounters } from '../stats/counters.ts'
import type { DispatchHandler } from '../upstream/types.ts'
import type { ResponseHeaderEdits } from './response-header-edits.ts'

/** The upstream target an attempt goes to, as policies see it. */
export interface AttemptTarget {
  readonly id: string
  readonly state: TargetState
  readonly counters: TrafficCounters
}

/** One request on its way through a route's interceptors (the pipeline's exchange implements it). */
export interface ProxyContext {
  readonly req: RequestHead
  readonly method: string
  readonly routeId: string
  readonly routeCounters: TrafficCounters
  /** The normalised path and the query ("?…" or ""). */
  readonly path: string
  readonly query: string
  /** How much of `path` the route's prefix matched (what stripPrefix removes). */
  readonly matchedLength: number
  /** The request target as the client sent it (a problem's `instance`). */
  readonly url: string
  readonly traceId: string
  /** An HTTP/1.1 Upgrade request (WebSocket and the like). */
  readonly upgrade: boolean
  /** A gRPC or gRPC-Web call: what the gateway answers itself is a gRPC status, not a problem. */
  readonly grpc: boolean
  /** The client's request has content (streamed to the upstream unless an interceptor read it). */
  readonly hasBody: boolean
  /**
   * Request fields an interceptor changes on the way upstream (gRPC-Web → gRPC): a value replaces
   * the client's, undefined removes it. The client's own fields stay as they came (the inspector).
   */
  upstreamHeaderChanges: Record<string, string | undefined> | undefined
  /** Response fields a program set or added: applied to the head of whatever answer the client gets. */
  responseHeaderEdits: ResponseHeaderEdits | undefined
  /** Content an interceptor read in full (request validation): sent from here, so it can be sent again. */
  body: Buffer | undefined
  /** Who answered, for the request inspector: a policy that answers itself says so here. */
  outcome: Outcome
  /** Verified JWT claims, for policies keyed on them. */
  claims: Record<string, unknown> | undefined
  /** The client left: nothing more is sent upstream or answered. */
  readonly gone: boolean
  /** Upstream attempts started so far. */
  readonly attempts: number
  /** The target of the current attempt. */
  readonly target: AttemptTarget | undefined
  /** Why the gateway answered an attempt itself (502, 504), for policies that treat failures apart. */
  readonly upstreamError: Error | undefined
  /** No target was available for the last attempt: the answer (503) is the gateway's own. */
  readonly noTarget: boolean
  /**
   * Reads the client's content in full (at most `limit` bytes, else rejects) into `body`, from where
   * it is then sent upstream; asks a client that waits for 100 Continue to send it.
   */
  readBody(limit: number): Promise<Buffer>
}

export type Dispatch = (ctx: ProxyContext, handler: DispatchHandler) => void
export type Interceptor = (next: Dispatch) => Dispatch

/** `interceptors[0]` outermost; `last` is what the innermost calls. */
export function compose(interceptors: readonly Interceptor[], last: Dispatch): Dispatch {
  let dispatch = last
  for (let i = interceptors.length - 1; i >= 0; i--) dispatch = (interceptors[i] as Interceptor)(dispatch)
  return dispatch
}
