// The HTTP/2 front-end: our own HTTP/2 (http2/server-connection.ts) for every client connection,
// cleartext (h2c with prior knowledge, found by the protocol sniffer) or inside TLS (ALPN "h2"). Each
// stream is one request to the same pipeline as HTTP/1.1 (an Http2Sink answers it); the gateway's own
// paths go to the node:http side through an in-memory HTTP/1.1 request (http2-own-paths.ts).
//
// Limits: at most MAX_STREAMS concurrent streams per connection (more are refused with
// REFUSED_STREAM), 64 KiB flow-control windows per stream, a header list of at most 32 KiB, and a
// client that keeps cancelling streams it just opened (CVE-2023-44487, "rapid reset") is sent GOAWAY
// ENHANCE_YOUR_CALM and cut off: every cancelled stream would otherwise cost an upstream request.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { RequestHead } from '../http/request-head.ts'
import type { H2Stream } from '../http2/h2-stream.ts'
import { type H2Request, ServerConnection } from '../http2/server-connection.ts'
import type { Pipeline, RequestFraming } from '../pipeline/pipeline.ts'
import { http } from '../util/node-http.ts'
import { createOwnPathBridge } from './http2-own-paths.ts'
import { H2RequestBody, Http2Sink } from './http2-sink.ts'

export interface Http2FrontParts {
  readonly isOwnPath: (url: string) => boolean
  readonly pipeline: Pipeline
  /** The gateway's own paths, as node:http requests (the HTTP/1.1 server's request handler). */
  readonly own: (req: IncomingMessage, res: ServerResponse) => void
  /** How long a connection with no open stream stays (the HTTP/1.1 keep-alive timeout). */
  readonly idleTimeoutMs: number
}

export interface Http2Front {
  /** Takes a connection that speaks HTTP/2 from its first byte (h2c preface, or TLS with ALPN h2). */
  accept(socket: Duplex): void
  /** GOAWAY to every connection: streams in flight finish, no new ones start (drain). */
  closeIdle(): void
  /** Cuts every connection (drain timed out). */
  closeAll(): void
  /** Connections open now. */
  readonly sessions: number
}

/** nginx's default (http2_max_concurrent_streams 128). */
export const MAX_STREAMS = 128
/** node:http's 16 KiB head, counted the HTTP/2 way (32 bytes more per field). */
const MAX_HEADER_LIST = 32 * 1024

/** A request as the pipeline reads it: pseudo-header fields gone, `:authority` as Host. */
class Http2RequestHead implements RequestHead {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly socket: Socket
  constructor(method: string, url: string, headers: IncomingHttpHeaders, socket: Socket) {
    this.method = method
    this.url = url
    this.headers = headers
    this.socket = socket
  }
}

/** Methods the HTTP/1.1 front-ends take too (node:http's list): `get` is not GET (RFC 9110 §9.1). */
const METHODS = new Set(http.METHODS)

/** Why an HTTP/2 request cannot be forwarded as it is, or undefined. */
function malformedRequest(
  method: string,
  scheme: string | undefined,
  host: string | string[] | undefined,
  authority: string | undefined,
): string | undefined {
  if (!METHODS.has(method)) return `the method "${method.slice(0, 40)}" is not one the gateway forwards`
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    return `the :scheme "${String(scheme).slice(0, 40)}" is not http or https`
  // RFC 9113 §8.3.1: a Host that names another entity than :authority makes the request malformed.
  if (typeof host === 'string' && authority !== undefined && host.toLowerCase() !== authority.toLowerCase())
    return 'the Host field and :authority name different hosts'
  return undefined
}

export function createHttp2Front(parts: Http2FrontParts): Http2Front {
  const { pipeline, isOwnPath } = parts
  const open = new Set<ServerConnection>()
  const own = createOwnPathBridge(parts.own)

  const proxy = (stream: H2Stream, request: H2Request, socket: Socket): void => {
    const path = request.path ?? ''
    if (isOwnPath(path)) {
      own(stream, request, socket)
      return
    }
    const headers = request.headers as IncomingHttpHeaders
    const authority = request.authority
    const host = headers.host
    if (host === undefined && authority !== undefined) headers.host = authority
    const head = new Http2RequestHead(request.method, path, headers, socket)
    const expect = headers.expect
    const sink = new Http2Sink(stream, expect !== undefined && expect.toLowerCase() === '100-continue')
    stream.handler = sink
    const malformed = malformedRequest(request.method, request.scheme, host, authority)
    if (malformed !== undefined) {
      pipeline.refuse(head, sink, 'bad-request', malformed)
      return
    }
    const body = stream.remoteEnded ? null : new H2RequestBody(stream)
    sink.body = body ?? undefined
    const framing: RequestFraming = {
      http10: false,
      hostLines: headers.host === undefined ? 0 : 1,
      body,
      upgrade: false,
    }
    const ex = pipeline.handle(head, sink, framing)
    if (!ex.done) sink.exchange = ex
  }

  /** A header list past our limit: 431, like node:http's for an HTTP/1.1 head that is too large. */
  const tooLarge = (stream: H2Stream, socket: Socket): void => {
    const sink = new Http2Sink(stream, false)
    stream.handler = sink
    const head = new Http2RequestHead('GET', '', {}, socket)
    pipeline.refuse(
      head,
      sink,
      'header-fields-too-large',
      `the request's header fields are over ${MAX_HEADER_LIST} bytes`,
    )
  }

  return {
    accept(duplex) {
      const socket = duplex as Socket
      const conn = new ServerConnection(socket, {
        maxConcurrentStreams: MAX_STREAMS,
        maxHeaderList: MAX_HEADER_LIST,
        onRequest: (stream, request) => proxy(stream, request, socket),
        onTooLarge: (stream) => tooLarge(stream, socket),
      })
      open.add(conn)
      conn.onGone = () => open.delete(conn)
      // Quiet with no stream open for the keep-alive time: closed, as an idle HTTP/1.1 connection is.
      socket.setTimeout?.(parts.idleTimeoutMs, () => {
        if (conn.streams.size === 0) conn.close()
      })
    },
    closeIdle() {
      for (const conn of open) conn.close()
    },
    closeAll() {
      for (const conn of open) conn.destroy()
    },
    get sessions() {
      return open.size
    },
  }
}
