// The HTTP/2 front-end: one node:http2 server for every HTTP/2 client session, cleartext (h2c with
// prior knowledge, found by the protocol sniffer) or inside TLS (ALPN "h2"). Each stream is one
// request to the same pipeline as HTTP/1.1 (an Http2Sink answers it); the gateway's own paths go to
// the admin side through node:http2's compatibility request and response, which fastify takes.
//
// Limits: at most MAX_STREAMS concurrent streams per session, flow-control windows of node's
// defaults (64 KiB per stream), a session memory cap, and a client that keeps cancelling streams it
// just opened (CVE-2023-44487, "rapid reset") is sent GOAWAY ENHANCE_YOUR_CALM and cut off: every
// cancelled stream would otherwise cost an upstream request.
import http2, {
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type ServerHttp2Stream,
  type Http2Stream,
} from 'node:http2'
import type { IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { RequestHead } from '../http/request-head.ts'
import { http } from '../util/node-http.ts'
import type { Pipeline, RequestFraming } from '../pipeline/pipeline.ts'
import { Http2Sink } from './http2-sink.ts'

export interface Http2FrontParts {
  readonly isOwnPath: (url: string) => boolean
  readonly pipeline: Pipeline
  /** The gateway's own paths, with node:http2's compatibility request and response. */
  readonly own: (req: Http2ServerRequest, res: Http2ServerResponse) => void
  /** How long a session with no open stream stays (the HTTP/1.1 keep-alive timeout). */
  readonly idleTimeoutMs: number
}

export interface Http2Front {
  /** Takes a connection that speaks HTTP/2 from its first byte (h2c preface, or TLS with ALPN h2). */
  accept(socket: Duplex): void
  /** GOAWAY to every session: streams in flight finish, no new ones start (drain). */
  closeIdle(): void
  /** Cuts every session (drain timed out). */
  closeAll(): void
  /** Sessions open now. */
  readonly sessions: number
}

const noop = (): void => {}

/** nginx's default (http2_max_concurrent_streams 128). */
export const MAX_STREAMS = 128
/** Streams a client may cancel before their response within RESET_WINDOW_MS before it is cut off. */
const MAX_EARLY_RESETS = 200
const RESET_WINDOW_MS = 1000
const NGHTTP2_ENHANCE_YOUR_CALM = 0xb

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

/** Per-session bookkeeping: the transport socket (for addresses) and the early-reset meter. */
interface SessionState {
  readonly session: Http2Session
  readonly socket: Socket
  windowStart: number
  earlyResets: number
}

/** Methods the HTTP/1.1 front-ends take too (node:http's list): `get` is not GET (RFC 9110 §9.1). */
const METHODS = new Set(http.METHODS)

/** Why an HTTP/2 request cannot be forwarded as it is, or undefined. */
function malformedRequest(
  method: string,
  scheme: string | string[] | undefined,
  host: string | undefined,
  authority: string | undefined,
): string | undefined {
  if (!METHODS.has(method)) return `the method "${method.slice(0, 40)}" is not one the gateway forwards`
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    return `the :scheme "${String(scheme).slice(0, 40)}" is not http or https`
  // RFC 9113 §8.3.1: a Host that names another entity than :authority makes the request malformed.
  if (host !== undefined && authority !== undefined && host.toLowerCase() !== authority.toLowerCase())
    return 'the Host field and :authority name different hosts'
  return undefined
}

export function createHttp2Front(parts: Http2FrontParts): Http2Front {
  const { pipeline, isOwnPath } = parts
  /**
   * Each stream's session state, noted when the stream is made: a stream the client reset in the same
   * packet reaches 'request' already destroyed, its `session` gone.
   */
  const streamStates = new WeakMap<Http2Stream, SessionState>()
  const open = new Set<Http2Session>()
  /** The socket being accepted: node:http2 makes its session synchronously inside emit('connection'). */
  let accepting: Socket | undefined

  const server: Http2Server = http2.createServer({
    settings: {
      maxConcurrentStreams: MAX_STREAMS,
      // WebSocket clients open an HTTP/1.1 connection of their own (ALPN offers it); see docs.
      enableConnectProtocol: false,
      // node:http's 16 KiB head, counted the HTTP/2 way (32 bytes more per field).
      maxHeaderListSize: 32 * 1024,
    },
    maxSessionMemory: 32,
  })

  server.on('session', (session: Http2Session) => {
    const state: SessionState = { session, socket: accepting as Socket, windowStart: 0, earlyResets: 0 }
    // Before node's own listener, which hands the stream to the server's 'request'.
    session.prependListener('stream', (stream: Http2Stream) => streamStates.set(stream, state))
    open.add(session)
    session.setTimeout(parts.idleTimeoutMs, () => session.close())
    session.on('close', () => open.delete(session))
    session.on('error', () => session.destroy())
  })

  /** A stream the client reset before its response was complete: counted against its session. */
  const noteEarlyReset = (state: SessionState): void => {
    const session = state.session
    if (session.destroyed) return
    const now = performance.now()
    if (now - state.windowStart > RESET_WINDOW_MS) {
      state.windowStart = now
      state.earlyResets = 0
    }
    // One GOAWAY with the reason, then the connection goes (a second GOAWAY must not follow).
    if (++state.earlyResets > MAX_EARLY_RESETS)
      session.destroy(
        new Error('too many streams cancelled right after they opened'),
        NGHTTP2_ENHANCE_YOUR_CALM,
      )
  }

  const proxy = (stream: ServerHttp2Stream, src: IncomingHttpHeaders): void => {
    // A stream's errors (a reset, a protocol error) end it; 'close' tells the exchange.
    stream.on('error', noop)
    const state = streamStates.get(stream)
    if (state === undefined || stream.destroyed) {
      // Reset before it could be read (HEADERS and RST_STREAM in one packet): nothing to do but count.
      if (state !== undefined) noteEarlyReset(state)
      return
    }
    const method = src[':method'] as string
    const headers: IncomingHttpHeaders = {}
    for (const name in src) if (name.charCodeAt(0) !== 58 /* : */) headers[name] = src[name]
    const authority = src[':authority'] as string | undefined
    const host = headers.host
    if (host === undefined && authority !== undefined) headers.host = authority
    const head = new Http2RequestHead(
      method,
      (src[':path'] as string | undefined) ?? '',
      headers,
      state.socket,
    )
    const expect = headers.expect
    const sink = new Http2Sink(stream, expect !== undefined && expect.toLowerCase() === '100-continue')
    const malformed = malformedRequest(method, src[':scheme'], host, authority)
    if (malformed !== undefined) {
      pipeline.refuse(head, sink, 'bad-request', malformed)
      return
    }
    const framing: RequestFraming = {
      http10: false,
      hostLines: headers.host === undefined ? 0 : 1,
      body: stream.endAfterHeaders ? null : stream,
      upgrade: false,
    }
    const ex = pipeline.handle(head, sink, framing)
    if (!ex.done)
      stream.once('close', () => {
        if (ex.done) return
        noteEarlyReset(state)
        ex.clientGone()
      })
  }

  // Streams, not node's compatibility 'request': the proxy writes the stream itself; only the
  // gateway's own paths get a compatibility request and response (fastify reads those).
  server.on(
    'stream',
    (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, raw: string[]) => {
      if (!isOwnPath((headers[':path'] as string | undefined) ?? '/')) {
        proxy(stream, headers)
        return
      }
      if (stream.destroyed) {
        // Reset in the packet that opened it: its error must not go unheard (node throws it).
        stream.on('error', noop)
        return
      }
      const req = new http2.Http2ServerRequest(stream, headers, {}, raw)
      const res = new http2.Http2ServerResponse(stream)
      if (headers.expect === '100-continue') res.writeContinue()
      parts.own(req, res)
    },
  )

  return {
    accept(duplex) {
      const socket = duplex as Socket
      accepting = socket
      server.emit('connection', socket)
      accepting = undefined
    },
    closeIdle() {
      for (const session of open) session.close()
    },
    closeAll() {
      for (const session of open) session.destroy()
    },
    get sessions() {
      return open.size
    },
  }
}
