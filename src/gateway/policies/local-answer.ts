// Answers the gateway makes itself (a preflight, a cache hit, a 401, a 429), delivered through a
// handler exactly like an upstream's response, so every interceptor outside sees them the same way.
import { encodeGrpcMessage, GrpcStatus, grpcStatusForProblem, trailersOnly } from '../http/grpc.ts'
import { grpcWebMode } from '../http/grpc-web.ts'
import { type ProblemKind, type ProblemOptions, problemResponse } from '../http/problem.ts'
import type { Outcome } from '../model/index.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { DispatchController, DispatchHandler } from '../upstream/types.ts'
import type { ProxyContext } from './interceptor.ts'

const noop = () => {}

/**
 * The controller of a local answer: nothing to pause or hold; an abort (the client left, a retry
 * drops the answer) ends the answer with `onResponseError`, as it would an upstream's.
 */
export class LocalController implements DispatchController {
  aborted = false
  paused = false
  reason: Error | undefined
  abort(reason: Error): void {
    this.aborted = true
    this.reason ??= reason
  }
  pause(): void {}
  resume(): void {}
  hold(): () => void {
    return noop
  }
}

export function answer(
  handler: DispatchHandler,
  status: number,
  fields: ResponseFields,
  body?: Buffer | string,
): void {
  const c = new LocalController()
  handler.onResponseStart(c, status, fields)
  if (!c.aborted && body !== undefined && body.length > 0)
    handler.onResponseData(c, typeof body === 'string' ? Buffer.from(body) : body)
  if (c.aborted) handler.onResponseError(c, c.reason as Error)
  else handler.onResponseEnd(c)
}

export type LocalProblem = Omit<ProblemOptions, 'instance' | 'traceId'> & {
  /** Who answered, when the problem's kind alone does not say (503: open circuit or no target). */
  readonly outcome?: Outcome
}

/** The inspector's outcome of each problem the gateway answers itself. */
const OUTCOME_OF: Record<ProblemKind, Outcome> = {
  'route-not-found': 'no-route',
  'bad-gateway': 'upstream-failed',
  'gateway-timeout': 'timeout',
  'service-unavailable': 'no-target',
  'rate-limit-exceeded': 'rate-limited',
  unauthorized: 'unauthorized',
  forbidden: 'unauthorized',
  'validation-failed': 'invalid-request',
  'bad-request': 'invalid-request',
  'request-timeout': 'invalid-request',
  'header-fields-too-large': 'invalid-request',
  'content-too-large': 'invalid-request',
  'not-implemented': 'invalid-request',
  'http-version-not-supported': 'invalid-request',
  'program-refused': 'program-refused',
  'program-failed': 'program-failed',
  // Only mock answers (route option `mock`) use these three.
  'operation-not-found': 'mock',
  'not-acceptable': 'mock',
  'mock-failed': 'mock',
}

/**
 * An RFC 9457 problem for this request (instance and traceId filled in); for a gRPC or gRPC-Web call
 * the same answer as a gRPC status in trailers-only form (HTTP 200, no content), which is what gRPC
 * clients read.
 */
export function answerProblem(
  handler: DispatchHandler,
  ctx: ProxyContext,
  kind: ProblemKind,
  opts: LocalProblem,
): void {
  ctx.outcome = opts.outcome ?? OUTCOME_OF[kind]
  if (ctx.grpc) {
    answer(handler, 200, grpcAnswerFields(ctx, kind, opts.detail))
    return
  }
  const p = problemResponse(kind, { ...opts, instance: ctx.url, traceId: ctx.traceId })
  answer(handler, p.status, p.headers, p.body)
}

/** A gRPC status of the gateway's own in trailers-only form, in the content type the client speaks. */
function grpcAnswerFields(ctx: ProxyContext, kind: ProblemKind, detail: string): ResponseFields {
  const type = ctx.req.headers['content-type']
  const web = grpcWebMode(type, ctx.req.headers.accept)
  return trailersOnly(grpcStatusForProblem(kind), detail, web?.responseContentType ?? 'application/grpc')
}

/**
 * The trailers that end a gRPC response cut after its head was sent: gRPC clients read a status
 * there, not a reset. DEADLINE_EXCEEDED when the call's deadline cut it, else UNAVAILABLE.
 */
export function grpcCutTrailers(err: Error & { code?: string }): ResponseFields {
  const late = err.code === 'UPSTREAM_DEADLINE_EXCEEDED'
  return {
    'grpc-status': String(late ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE),
    'grpc-message': encodeGrpcMessage(err.message),
  }
}
