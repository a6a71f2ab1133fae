// Mock answers on a route (option `mock`): `always` answers every request from the service's OpenAPI
// document and never calls the upstream; `fallback` does so only where the gateway would answer
// 502/503/504 itself (every target down, circuits open, the upstream unreachable). The document and
// the answer come from the OpenAPI layer through MockResponder, handed down like the validator.
import type { ProblemKind } from '../http/problem.ts'
import type { MockConfig } from '../model/index.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Interceptor, ProxyContext } from './interceptor.ts'
import { answer, answerProblem } from './local-answer.ts'
import { MAX_VALIDATED_BODY } from './openapi-validation.ts'

export const MOCK_HEADER = 'x-sallyport-mock'
export const DEFAULT_MOCK_SEED = 1

export interface MockRequest {
  readonly method: string
  /** The path as the upstream would get it (stripPrefix/addPrefix applied), without the query. */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The parsed JSON body, when it was read (`bodyRead`). */
  readonly body?: unknown
  /** False when the body was streamed on instead (fallback): body rules are not checked then. */
  readonly bodyRead: boolean
  readonly seed: number
}

export type MockResult =
  | {
      readonly kind: 'answer'
      readonly status: number
      readonly headers: Record<string, string>
      readonly body: Buffer
    }
  | {
      readonly kind: 'problem'
      readonly problem: ProblemKind
      readonly detail: string
      readonly extra?: Record<string, unknown>
    }
  /** No document for the route (yet): a fallback keeps the gateway's own answer. */
  | { readonly kind: 'unavailable'; readonly detail: string }

/** What mock answers need of the OpenAPI layer (kept narrow so policies/ stays independent of it). */
export interface MockResponder {
  /** True when the matching operation declares a JSON request body (read it to validate it). */
  needsBody(routeId: string, method: string, path: string): boolean
  answer(routeId: string, req: MockRequest): MockResult
}

/** The responder's answer, or a 500 `mock-failed` when building it throws: a document must never take
 * the gateway down (a schema the sampler cannot handle is the document's problem, told to the client). */
function answerSafely(responder: MockResponder, routeId: string, req: MockRequest): MockResult {
  try {
    return responder.answer(routeId, req)
  } catch (err) {
    return {
      kind: 'problem',
      problem: 'mock-failed',
      detail: `no mock answer could be built from the document: ${(err as Error).message}`,
    }
  }
}

export interface MockPolicy {
  readonly mode: 'fallback' | 'always'
  readonly seed: number
  /** Set once the OpenAPI aggregator exists (it loads with the admin side). */
  readonly responder: () => MockResponder | undefined
  readonly stripPrefix: boolean
  readonly addPrefix: string
}

/** The route's `mock` option as a policy; undefined when it is off or absent. */
export function mockPolicyOf(
  cfg: MockConfig | undefined,
  route: { stripPrefix: boolean; addPrefix: string | undefined },
  responder: () => MockResponder | undefined,
): MockPolicy | undefined {
  const mode = typeof cfg === 'string' ? cfg : cfg?.mode
  if (mode !== 'fallback' && mode !== 'always') return undefined
  const seed = typeof cfg === 'object' ? (cfg.seed ?? DEFAULT_MOCK_SEED) : DEFAULT_MOCK_SEED
  return { mode, seed, responder, stripPrefix: route.stripPrefix, addPrefix: route.addPrefix ?? '' }
}

/** The path the upstream would have been sent, as proxying computes it (less the target's base path). */
function documentPath(p: MockPolicy, ctx: ProxyContext): string {
  let rest = p.stripPrefix ? ctx.path.slice(ctx.matchedLength) : ctx.path
  if (rest === '' || rest.charCodeAt(0) !== 47) rest = `/${rest}`
  return p.addPrefix === '' ? rest : rest === '/' ? p.addPrefix : p.addPrefix + rest
}

function requestOf(p: MockPolicy, ctx: ProxyContext, body: unknown, bodyRead: boolean): MockRequest {
  return {
    method: ctx.method,
    path: documentPath(p, ctx),
    query: new URLSearchParams(ctx.query.slice(1)),
    headers: ctx.req.headers,
    body,
    bodyRead,
    seed: p.seed,
  }
}

function deliver(handler: DispatchHandler, ctx: ProxyContext, result: MockResult): void {
  if (ctx.gone) return
  if (result.kind === 'answer') {
    ctx.outcome = 'mock'
    answer(handler, result.status, result.headers, result.body)
  } else if (result.kind === 'problem')
    answerProblem(handler, ctx, result.problem, {
      detail: result.detail,
      outcome: 'mock',
      headers: { [MOCK_HEADER]: 'true' },
      ...(result.extra ? { extra: result.extra } : {}),
    })
  else answerProblem(handler, ctx, 'service-unavailable', { detail: result.detail, outcome: 'mock' })
}

export function mockInterceptor(p: MockPolicy): Interceptor {
  if (p.mode === 'fallback')
    return (next) => (ctx, handler) => {
      // A gRPC call or an upgrade has no answer in an OpenAPI document.
      if (ctx.grpc || ctx.upgrade) next(ctx, handler)
      else next(ctx, new MockFallback(handler, ctx, p))
    }
  return () => (ctx, handler) => {
    const responder = p.responder()
    if (ctx.grpc || ctx.upgrade || !responder) {
      answerProblem(handler, ctx, ctx.grpc || ctx.upgrade ? 'mock-failed' : 'service-unavailable', {
        detail: responder
          ? 'a gRPC call or an upgrade cannot be answered from an OpenAPI document'
          : 'mock answers start once the OpenAPI layer has loaded',
        outcome: 'mock',
      })
      return
    }
    const path = documentPath(p, ctx)
    if (!ctx.hasBody || !responder.needsBody(ctx.routeId, ctx.method, path)) {
      deliver(handler, ctx, answerSafely(responder, ctx.routeId, requestOf(p, ctx, undefined, false)))
      return
    }
    // The body is read to be validated like Prism does; one that is not JSON or too large is not.
    ctx.readBody(MAX_VALIDATED_BODY).then(
      (raw) => {
        let body: unknown
        let read = true
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'))
        } catch {
          read = false
        }
        deliver(handler, ctx, answerSafely(responder, ctx.routeId, requestOf(p, ctx, body, read)))
      },
      () => deliver(handler, ctx, answerSafely(responder, ctx.routeId, requestOf(p, ctx, undefined, false))),
    )
  }
}

/** Passes the response on, unless it is the gateway's own 502/503/504: then the mock answer replaces it. */
class MockFallback extends DecoratingHandler {
  readonly ctx: ProxyContext
  readonly policy: MockPolicy
  replacement: MockResult | undefined

  constructor(inner: DispatchHandler, ctx: ProxyContext, policy: MockPolicy) {
    super(inner)
    this.ctx = ctx
    this.policy = policy
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    const ctx = this.ctx
    const own = ctx.noTarget || ctx.upstreamError !== undefined
    const responder = own && statusCode >= 502 && statusCode <= 504 ? this.policy.responder() : undefined
    if (responder) {
      // The body went (or was to go) upstream as a stream: only a body some policy read is checked.
      const read = ctx.body !== undefined
      let body: unknown
      try {
        body = read && ctx.body?.length ? JSON.parse((ctx.body as Buffer).toString('utf8')) : undefined
      } catch {
        body = undefined
      }
      const result = answerSafely(responder, ctx.routeId, requestOf(this.policy, ctx, body, read))
      if (result.kind !== 'unavailable') {
        this.replacement = result
        return
      }
    }
    this.inner.onResponseStart(controller, statusCode, headers)
  }

  override onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (!this.replacement) this.inner.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    const replacement = this.replacement
    if (!replacement) {
      this.inner.onResponseEnd(controller, trailers)
      return
    }
    this.replacement = undefined
    deliver(this.inner, this.ctx, replacement)
  }

  override onResponseError(controller: DispatchController, err: Error): void {
    this.replacement = undefined
    this.inner.onResponseError(controller, err)
  }
}
