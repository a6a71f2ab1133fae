// gRPC-Web for browsers, on every gRPC route (what Envoy's grpc_web filter does): a request with
// `application/grpc-web[-text][+codec]` goes upstream as gRPC (base64 decoded for -text), and the
// upstream's gRPC response comes back as gRPC-Web: its trailers become the last body frame (flag
// 0x80), the whole body base64 for -text. Answers the gateway makes itself are already in gRPC-Web's
// trailers-only form (policies/local-answer.ts). Sits inside CORS, so browsers can read the result.
import { GrpcStatus } from '../http/grpc.ts'
import {
  Base64StreamDecoder,
  Base64StreamEncoder,
  type GrpcWebMode,
  grpcWebMode,
  requestHeaderChanges,
  responseHeadersFor,
  trailerFrame,
} from '../http/grpc-web.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Interceptor, ProxyContext } from './interceptor.ts'
import { answerProblem, grpcCutTrailers } from './local-answer.ts'

/** A browser's gRPC-Web request is one message (unary or server streaming): read whole up to this. */
const MAX_TEXT_REQUEST = 4 * 1024 * 1024

export function grpcWebInterceptor(): Interceptor {
  return (next) => (ctx, handler) => {
    const headers = ctx.req.headers
    const mode = grpcWebMode(headers['content-type'], headers.accept)
    if (mode === undefined) {
      next(ctx, handler)
      return
    }
    ctx.upstreamHeaderChanges = requestHeaderChanges(mode)
    const wrapped = new GrpcWebHandler(handler, mode)
    if (!mode.text || !ctx.hasBody) {
      next(ctx, wrapped)
      return
    }
    ctx.readBody(MAX_TEXT_REQUEST).then(
      (text) => {
        try {
          const decoder = new Base64StreamDecoder()
          const head = decoder.push(text)
          const rest = decoder.end()
          ctx.body = rest.length > 0 ? Buffer.concat([head, rest]) : head
        } catch (err) {
          answerProblem(handler, ctx, 'bad-request', {
            detail: `the grpc-web-text request body is not base64: ${(err as Error).message}`,
          })
          return
        }
        next(ctx, wrapped)
      },
      (err: Error) => answerProblem(handler, ctx as ProxyContext, 'bad-request', { detail: err.message }),
    )
  }
}

class GrpcWebHandler extends DecoratingHandler {
  readonly mode: GrpcWebMode
  readonly encoder: Base64StreamEncoder | undefined
  /** The response is gRPC with a body to come (not trailers-only, not some other HTTP answer). */
  translating = false

  constructor(inner: DispatchHandler, mode: GrpcWebMode) {
    super(inner)
    this.mode = mode
    this.encoder = mode.textResponse ? new Base64StreamEncoder() : undefined
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    const type = headers['content-type']
    const grpc = typeof type === 'string' && type.startsWith('application/grpc')
    if (!grpc) {
      // Not a gRPC answer (an upstream's HTTP error): the client library maps the HTTP status.
      this.inner.onResponseStart(controller, statusCode, headers)
      return
    }
    // A trailers-only answer has its status in the head already: nothing is appended.
    this.translating = headers['grpc-status'] === undefined
    this.inner.onResponseStart(controller, statusCode, responseHeadersFor(headers, this.mode))
  }

  override onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (this.encoder === undefined || !this.translating) this.inner.onResponseData(controller, chunk)
    else {
      // Each piece goes out whole (padded): a streamed message must not wait for the next one.
      const head = this.encoder.push(chunk)
      const tail = this.encoder.flush()
      const text = tail.length === 0 ? head : head.length === 0 ? tail : Buffer.concat([head, tail])
      if (text.length > 0) this.inner.onResponseData(controller, text)
    }
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    if (!this.translating) {
      this.inner.onResponseEnd(controller)
      return
    }
    this.translating = false
    // An upstream that ends a gRPC response without trailers broke the protocol.
    this.finishWith(
      controller,
      trailers ?? {
        'grpc-status': String(GrpcStatus.INTERNAL),
        'grpc-message': 'the upstream ended the call without a status',
      },
    )
  }

  override onResponseError(controller: DispatchController, err: Error): void {
    if (!this.translating) {
      this.inner.onResponseError(controller, err)
      return
    }
    this.translating = false
    this.finishWith(controller, grpcCutTrailers(err))
  }

  /** The trailer frame (base64 with the rest of the body for -text), then the end. */
  private finishWith(controller: DispatchController, trailers: ResponseHeaders): void {
    const frame = trailerFrame(trailers)
    const encoder = this.encoder
    const out = encoder === undefined ? frame : Buffer.concat([encoder.push(frame), encoder.end()])
    this.inner.onResponseData(controller, out)
    this.inner.onResponseEnd(controller)
  }
}
