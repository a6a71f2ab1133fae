// One active check by the standard gRPC health-checking protocol (grpc.health.v1.Health/Check) over
// HTTP/2: h2c for http:// origins, TLS with ALPN h2 for https://. A session per probe, closed after.
// https://github.com/grpc/grpc/blob/master/doc/health-checking.md
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2'
import { isIP } from 'node:net'
import {
  decodeGrpcMessage,
  decodeHealthCheckResponse,
  encodeFrame,
  encodeHealthCheckRequest,
  FRAME_COMPRESSED,
  formatGrpcTimeout,
  type GrpcFrame,
  GrpcFrameReader,
  GrpcStatus,
  grpcStatusName,
  isGrpcRequest,
  SERVING_STATUS_NAMES,
} from '../http/grpc.ts'

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check'

export interface GrpcHealthProbeOptions {
  /** The service to ask about; '' (the default) asks about the server as a whole. */
  readonly service?: string
  readonly timeoutMs: number
  /** `:authority` to send; the origin's host:port when absent. */
  readonly authority?: string
  /** Extra trusted CA certificates (PEM) for https origins. */
  readonly ca?: string
  readonly rejectUnauthorized?: boolean
  /** Ends the probe early (unhealthy, detail 'aborted'). */
  readonly signal?: AbortSignal
}

export interface GrpcHealthResult {
  readonly healthy: boolean
  /** Why, in a few words: 'SERVING', 'NOT_SERVING', 'timed out: …', 'cannot connect to …', … */
  readonly detail: string
  /** The ServingStatus the server reported (SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN), if it did. */
  readonly status?: string
  /** A gRPC status came back (the server is up and speaks gRPC, healthy or not). */
  readonly answered: boolean
  readonly latencyMs: number
}

// A HealthCheckResponse is 2 bytes; anything near this bound is not one.
const MAX_RESPONSE_BYTES = 64 * 1024

/** Asks `origin` whether it is serving. Never throws: every failure is an unhealthy result. */
/** node:http2, loaded with the first gRPC health check (the proxy's HTTP/2 is its own: http2/). */
let http2: Promise<typeof import('node:http2')> | undefined

export async function probeGrpcHealth(
  origin: string,
  opts: GrpcHealthProbeOptions,
): Promise<GrpcHealthResult> {
  http2 ??= import('node:http2')
  const { connect } = await http2
  return new Promise((resolve) => {
    const started = performance.now()
    let session: ClientHttp2Session | undefined
    let stream: ClientHttp2Stream | undefined
    let settled = false
    const finish: Finish = (healthy, detail, status, answered = status !== undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      // A finished exchange closes politely (GOAWAY); anything else tears the connection down.
      if (stream?.closed && !stream.rstCode) session?.close()
      else session?.destroy()
      const latencyMs = performance.now() - started
      resolve(
        status === undefined
          ? { healthy, detail, answered, latencyMs }
          : { healthy, detail, status, answered, latencyMs },
      )
    }
    const onAbort = () => finish(false, 'aborted')
    const timer = setTimeout(
      () => finish(false, `timed out: no answer within ${opts.timeoutMs} ms`),
      opts.timeoutMs,
    )
    if (opts.signal?.aborted) return onAbort()
    opts.signal?.addEventListener('abort', onAbort, { once: true })

    let url: URL
    try {
      url = new URL(origin)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http: or https:')
    } catch (err) {
      return finish(false, `invalid origin ${JSON.stringify(origin)}: ${(err as Error).message}`)
    }
    try {
      const host = url.hostname.replace(/^\[|\]$/g, '')
      session = connect(url.origin, {
        ...(url.protocol === 'https:'
          ? {
              servername: isIP(host) ? undefined : host,
              ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
              ...(opts.rejectUnauthorized !== undefined
                ? { rejectUnauthorized: opts.rejectUnauthorized }
                : {}),
            }
          : {}),
      })
      session.on('error', (err) => finish(false, `cannot connect to ${url.origin}: ${err.message}`))
      stream = session.request({
        ':method': 'POST',
        ':path': HEALTH_CHECK_PATH,
        ...(opts.authority !== undefined ? { ':authority': opts.authority } : {}),
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': formatGrpcTimeout(opts.timeoutMs),
        'user-agent': 'sallyport-health-check',
      })
      readAnswer(stream, url.origin, finish)
      stream.end(encodeFrame(encodeHealthCheckRequest(opts.service ?? '')))
    } catch (err) {
      finish(false, `cannot start the check: ${(err as Error).message}`)
    }
  })
}

/** `answered`: a gRPC status came back (defaults to whether a serving status did). */
type Finish = (healthy: boolean, detail: string, status?: string, answered?: boolean) => void

function readAnswer(stream: ClientHttp2Stream, origin: string, finish: Finish): void {
  let head: IncomingHttpHeaders | undefined
  let trailers: IncomingHttpHeaders | undefined
  const frames: GrpcFrame[] = []
  const reader = new GrpcFrameReader(MAX_RESPONSE_BYTES)
  stream.on('response', (headers) => {
    const status = headers[':status']
    if (status !== 200) return finish(false, `answered HTTP ${status}, not gRPC`)
    if (!isGrpcRequest(headers['content-type']))
      return finish(false, `answered content-type ${headers['content-type'] ?? '(none)'}, not gRPC`)
    head = headers
  })
  stream.on('trailers', (headers) => {
    trailers = headers
  })
  stream.on('data', (chunk: Buffer) => {
    try {
      frames.push(...reader.push(chunk))
    } catch (err) {
      finish(false, `malformed answer: ${(err as Error).message}`)
    }
  })
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // A connection that fails before the stream starts cancels it, the socket's error as the cause.
    if (err.code === 'ERR_HTTP2_STREAM_CANCEL' && err.cause instanceof Error)
      return finish(false, `cannot connect to ${origin}: ${err.cause.message}`)
    if (err.code === 'ERR_HTTP2_STREAM_ERROR')
      return finish(false, `the server reset the stream: ${err.message}`)
    if (err.code === 'ERR_HTTP2_ERROR')
      return finish(false, `${origin} does not speak HTTP/2 (${err.message}); gRPC needs h2 or h2c`)
    finish(false, `the check failed: ${err.message}`)
  })
  stream.on('close', () => {
    const raw = trailers?.['grpc-status'] ?? head?.['grpc-status']
    if (raw === undefined) {
      if (head === undefined) return finish(false, 'the connection closed without an answer')
      return finish(
        false,
        stream.rstCode
          ? `the server reset the stream: code ${stream.rstCode}`
          : 'the answer ended without grpc-status',
      )
    }
    const code = Number(raw)
    if (code !== GrpcStatus.OK) {
      const message = decodeGrpcMessage(String(trailers?.['grpc-message'] ?? head?.['grpc-message'] ?? ''))
      return finish(false, failureDetail(code, message), undefined, true)
    }
    const frame = frames[0]
    if (frame === undefined) return finish(false, 'grpc-status 0 (OK) without a HealthCheckResponse')
    if (frame.flags & FRAME_COMPRESSED)
      return finish(false, 'the answer is compressed, which was not offered')
    let status: number
    try {
      status = decodeHealthCheckResponse(frame.payload)
    } catch (err) {
      return finish(false, `malformed HealthCheckResponse: ${(err as Error).message}`)
    }
    const name = SERVING_STATUS_NAMES[status] ?? `STATUS_${status}`
    finish(name === 'SERVING', name, name)
  })
}

function failureDetail(code: number, message: string): string {
  const said = `grpc-status ${code} (${grpcStatusName(code)})${message ? `: ${message}` : ''}`
  switch (code) {
    case GrpcStatus.UNIMPLEMENTED:
      return `the server has no grpc.health.v1.Health service, ${said}`
    case GrpcStatus.NOT_FOUND:
      return `the server does not know the service asked about, ${said}`
    case GrpcStatus.DEADLINE_EXCEEDED:
      return `timed out: ${said}`
    default:
      return said
  }
}
