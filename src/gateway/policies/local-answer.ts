// Answers the gateway makes itself (a preflight, a cache hit, a 401, a 429), delivered through a
// handler exactly like an upstream's response, so every interceptor outside sees them the same way.
import { type ProblemKind, type ProblemOptions, problemResponse } from '../http/problem.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { DispatchController, DispatchHandler } from '../upstream/types.ts'
import type { ProxyContext } from './interceptor.ts'

const noop = () => {}

/** The controller of a local answer: nothing to pause, hold or abort. */
export const LOCAL_CONTROLLER: DispatchController = {
  aborted: false,
  paused: false,
  abort: noop,
  pause: noop,
  resume: noop,
  hold: () => noop,
}

export function answer(
  handler: DispatchHandler,
  status: number,
  fields: ResponseFields,
  body?: Buffer | string,
): void {
  handler.onResponseStart(LOCAL_CONTROLLER, status, fields)
  if (body !== undefined && body.length > 0)
    handler.onResponseData(LOCAL_CONTROLLER, typeof body === 'string' ? Buffer.from(body) : body)
  handler.onResponseEnd(LOCAL_CONTROLLER)
}

export type LocalProblem = Omit<ProblemOptions, 'instance' | 'traceId'>

/** An RFC 9457 problem for this request (instance and traceId filled in). */
export function answerProblem(
  handler: DispatchHandler,
  ctx: ProxyContext,
  kind: ProblemKind,
  opts: LocalProblem,
): void {
  const p = problemResponse(kind, { ...opts, instance: ctx.url, traceId: ctx.traceId })
  answer(handler, p.status, p.headers, p.body)
}
