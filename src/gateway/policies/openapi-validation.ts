// OpenAPI validation on a route (metadata `openapiValidate: request|response|both`): a request that
// does not match its service's document is answered 400 before it reaches the upstream; a response
// that does not match is counted (contractViolations) after the client has it, never changed.
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Interceptor, ProxyContext } from './interceptor.ts'
import { answerProblem } from './local-answer.ts'

/** What validation needs of the OpenAPI layer (kept narrow so policies/ stays independent of it). */
export interface RequestValidator {
  needsBody(routeId: string, method: string, path: string): boolean
  validateRequest(
    routeId: string,
    req: {
      method: string
      path: string
      query: URLSearchParams
      headers: Record<string, string | string[] | undefined>
      body?: unknown
    },
  ): readonly { message: string }[] | undefined
  validateResponse(
    routeId: string,
    method: string,
    path: string,
    status: number,
    contentType: string | undefined,
    body: unknown,
  ): readonly { message: string }[] | undefined
}

export interface ValidationPolicy {
  /** Set once the OpenAPI aggregator exists (it loads with the admin side). */
  readonly validator: () => RequestValidator | undefined
  readonly request: boolean
  readonly response: boolean
}

/** JSON bodies up to this size are read to be validated; a larger one is refused (request) or skipped. */
export const MAX_VALIDATED_BODY = 1024 * 1024

export function validationInterceptor(policy: ValidationPolicy): Interceptor {
  return (next) => (ctx, handler) => {
    const validator = policy.validator()
    if (!validator) {
      next(ctx, handler)
      return
    }
    const checked = policy.response ? new ContractCheck(handler, validator, ctx) : handler
    if (!policy.request) {
      next(ctx, checked)
      return
    }
    const check = (body: unknown) => {
      if (ctx.gone) return
      const failures = validator.validateRequest(ctx.routeId, {
        method: ctx.method,
        path: ctx.path,
        query: new URLSearchParams(ctx.query.slice(1)),
        headers: ctx.req.headers,
        body,
      })
      if (failures && failures.length > 0) {
        ctx.routeCounters.validationFailures++
        answerProblem(handler, ctx, 'validation-failed', {
          detail: `request does not match the OpenAPI document: ${failures.map((f) => f.message).join('; ')}`,
          extra: { errors: failures },
        })
      } else next(ctx, checked)
    }
    if (!ctx.hasBody || !validator.needsBody(ctx.routeId, ctx.method, ctx.path)) {
      check(undefined)
      return
    }
    ctx.readBody(MAX_VALIDATED_BODY).then(
      (raw) => {
        let value: unknown
        try {
          value = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'))
        } catch {
          refuse(handler, ctx, 'request body is not valid JSON')
          return
        }
        check(value)
      },
      (err: Error) => refuse(handler, ctx, err.message),
    )
  }
}

function refuse(handler: DispatchHandler, ctx: ProxyContext, message: string): void {
  if (ctx.gone) return
  ctx.routeCounters.validationFailures++
  answerProblem(handler, ctx, 'validation-failed', {
    detail: message,
    extra: { errors: [{ in: 'body', message }] },
  })
}

/** Keeps a JSON response body (≤ 1 MiB) and checks it once the client has the whole response. */
class ContractCheck extends DecoratingHandler {
  readonly validator: RequestValidator
  readonly ctx: ProxyContext
  chunks: Buffer[] | undefined
  bytes = 0
  status = 0
  type: string | undefined

  constructor(inner: DispatchHandler, validator: RequestValidator, ctx: ProxyContext) {
    super(inner)
    this.validator = validator
    this.ctx = ctx
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    this.status = statusCode
    const type = headers['content-type']
    this.type = typeof type === 'string' ? type : undefined
    // The gateway's own answers (a 502 for a refused connection) are not the service's contract.
    const own = this.ctx.upstreamError !== undefined || this.ctx.noTarget
    this.chunks = this.type?.includes('json') && !own ? [] : undefined
    this.bytes = 0
    this.inner.onResponseStart(controller, statusCode, headers)
  }

  override onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (this.chunks) {
      this.bytes += chunk.length
      if (this.bytes > MAX_VALIDATED_BODY) this.chunks = undefined
      else this.chunks.push(Buffer.from(chunk))
    }
    this.inner.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    this.inner.onResponseEnd(controller, trailers)
    const chunks = this.chunks
    if (!chunks) return
    let body: unknown
    try {
      body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      body = undefined
    }
    const ctx = this.ctx
    const failures = this.validator.validateResponse(
      ctx.routeId,
      ctx.method,
      ctx.path,
      this.status,
      this.type,
      body,
    )
    if (failures && failures.length > 0) ctx.routeCounters.contractViolations++
  }
}
