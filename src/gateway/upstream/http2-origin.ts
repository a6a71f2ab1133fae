// An HTTP/2 upstream origin (h2c for http://, ALPN h2 for https://): one session, shared by every
// request to the origin, multiplexing its streams. The session is opened on first use and again
// after it closes or the upstream sends GOAWAY (streams already running finish on the old one); the
// upstream's SETTINGS_MAX_CONCURRENT_STREAMS is respected (nghttp2 holds streams beyond it until one
// ends). Requests and responses stream both ways with flow control; trailers are handed on.
import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
  type OutgoingHttpHeaders,
} from 'node:http2'
import { isIP } from 'node:net'
import type { Readable } from 'node:stream'
import { HOP_BY_HOP } from '../http/hop-headers.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { Dispatcher, DispatchController, DispatchHandler, DispatchOptions } from './types.ts'
import { UpstreamError } from './types.ts'

export interface Http2OriginOptions {
  /** 0: no limit. */
  readonly connectTimeoutMs?: number
  /** A session with no stream for this long is closed. */
  readonly idleTimeoutMs?: number
}

/**
 * Request fields not sent as they are: the hop-by-hop ones HTTP/2 forbids (RFC 9113 §8.2.2; `te` goes
 * back only as "trailers", for gRPC) and Host, which HTTP/2 says as `:authority`.
 */
const notSent = (name: string): boolean => name === 'host' || HOP_BY_HOP.has(name)
const NGHTTP2_CANCEL = 0x8
const NGHTTP2_REFUSED_STREAM = 0x7
const noop = () => {}
/** How long closing waits for an upstream's streams before it cuts them. */
const CLOSE_BOUND_MS = 5000

/** Response fields without pseudo-header fields. */
function fieldsOf(headers: IncomingHttpHeaders): ResponseFields {
  const out: ResponseFields = {}
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* : */) continue
    const v = headers[name]
    if (v !== undefined) out[name] = v
  }
  return out
}

export class Http2Origin implements Dispatcher {
  readonly origin: string
  readonly tls: boolean
  readonly authority: string
  private readonly connectTimeoutMs: number
  private readonly idleTimeoutMs: number
  private session: ClientHttp2Session | undefined
  /** Streams running on any session of this origin. */
  active = 0
  private closed = false
  private readonly retired = new Set<ClientHttp2Session>()

  constructor(origin: string, opts: Http2OriginOptions = {}) {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`upstream ${origin}: HTTP/2 needs an http or https origin`)
    this.origin = url.origin
    this.tls = url.protocol === 'https:'
    this.authority = url.host
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000
  }

  dispatch(opts: DispatchOptions, handler: DispatchHandler): void {
    const ex = new Http2Exchange(this, opts, handler)
    handler.onRequestStart?.(ex)
    if (ex.aborted) return
    if (this.closed) {
      ex.fail(new UpstreamError('UPSTREAM_POOL_CLOSED', 'the upstream client is closed'))
      return
    }
    if (opts.upgrade) {
      ex.fail(new UpstreamError('UPSTREAM_BAD_RESPONSE', 'an HTTP/1.1 upgrade cannot go to an HTTP/2 target'))
      return
    }
    ex.send(this.current())
  }

  /** The session new streams go on: the open one, or a new one. */
  current(): ClientHttp2Session {
    const s = this.session
    if (s !== undefined && !s.closed && !s.destroyed) return s
    return this.connect()
  }

  private connect(): ClientHttp2Session {
    const url = new URL(this.origin)
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    const session = http2.connect(this.origin, {
      // Upstream TLS is verified like the HTTP/1.1 client does (NODE_EXTRA_CA_CERTS for a local CA).
      ...(this.tls ? { ALPNProtocols: ['h2'], servername: isIP(host) ? '' : host } : {}),
      settings: { enablePush: false },
    })
    this.session = session
    let timer: NodeJS.Timeout | undefined
    if (this.connectTimeoutMs > 0) {
      timer = setTimeout(() => {
        session.destroy(
          new UpstreamError('UPSTREAM_CONNECT_TIMEOUT', `could not connect to ${this.origin} in time`),
        )
      }, this.connectTimeoutMs)
      timer.unref()
    }
    const opening = performance.now()
    session.once('connect', () => {
      clearTimeout(timer)
      connectTimes.set(session, performance.now() - opening)
    })
    const retire = () => {
      clearTimeout(timer)
      if (this.session === session) this.session = undefined
      if (!session.destroyed) this.retired.add(session)
    }
    // GOAWAY: no new streams here; running ones finish (or are refused and replayed).
    session.on('goaway', retire)
    session.on('close', () => {
      retire()
      this.retired.delete(session)
    })
    session.on('error', (err: Error) => {
      retire()
      sessionErrors.set(session, sessionFailure(err))
    })
    // Quiet for a while: close (gracefully: a stream still open finishes; new ones get a new session).
    session.setTimeout(this.idleTimeoutMs, () => {
      retire()
      session.close()
    })
    return session
  }

  streamStarted(): void {
    this.active++
  }

  streamEnded(): void {
    this.active--
  }

  /**
   * No new requests; running streams finish, then the sessions close. A session still connecting
   * (an upstream that never sends SETTINGS) goes at once; any other within CLOSE_BOUND_MS.
   */
  close(): Promise<void> {
    this.closed = true
    const sessions = [this.session, ...this.retired].filter((s): s is ClientHttp2Session => s !== undefined)
    this.session = undefined
    return Promise.all(
      sessions.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed || s.destroyed) return resolve()
            // Nothing running on it (or never connected): nothing to wait for.
            if (s.connecting || (streamsOn.get(s) ?? 0) === 0) {
              s.destroy()
              return resolve()
            }
            const bound = setTimeout(() => {
              s.destroy()
              resolve()
            }, CLOSE_BOUND_MS)
            s.close(() => {
              clearTimeout(bound)
              resolve()
            })
          }),
      ),
    ).then(noop)
  }
}

/** What a session's error means for the requests on it. */
function sessionFailure(err: Error & { code?: string }): Error {
  // An HTTP/1.1 server answers the HTTP/2 preface with bytes nghttp2 cannot read.
  return err.code === 'ERR_HTTP2_ERROR'
    ? new UpstreamError(
        'UPSTREAM_BAD_RESPONSE',
        `does not speak HTTP/2 (${err.message}); if it speaks HTTP/1.1, drop http2: true, h2c:// or protocol: grpc`,
      )
    : err
}

/** Streams running on each session (closing waits only for sessions that have some). */
const streamsOn = new WeakMap<ClientHttp2Session, number>()

/** The error a session died of: its streams report it instead of a bare "stream cancelled". */
const sessionErrors = new WeakMap<ClientHttp2Session, Error>()
/** How long each session took to connect, in ms (the streams that waited for it report it). */
const connectTimes = new WeakMap<ClientHttp2Session, number>()

/** One request on one stream; the handler's controller. */
class Http2Exchange implements DispatchController {
  readonly owner: Http2Origin
  readonly opts: DispatchOptions
  readonly handler: DispatchHandler
  aborted = false
  paused = false
  private stream: ClientHttp2Stream | undefined
  private session: ClientHttp2Session | undefined
  private timer: NodeJS.Timeout | undefined
  private started = false
  private ended = false
  private replayed = false
  private trailers: ResponseFields | undefined
  private streamError: Error | undefined
  /** The stream waited for its session to connect. */
  private waitedForConnect = false

  constructor(owner: Http2Origin, opts: DispatchOptions, handler: DispatchHandler) {
    this.owner = owner
    this.opts = opts
    this.handler = handler
  }

  get connectMs(): number {
    const session = this.session
    return this.waitedForConnect && session !== undefined ? (connectTimes.get(session) ?? 0) : 0
  }

  send(session: ClientHttp2Session): void {
    const { opts } = this
    const headers: OutgoingHttpHeaders = {
      ':method': opts.method,
      ':path': opts.path,
      ':scheme': this.owner.tls ? 'https' : 'http',
      ':authority': (opts.headers.host as string | undefined) ?? this.owner.authority,
    }
    for (const name in opts.headers) if (!notSent(name)) headers[name] = opts.headers[name]
    const type = opts.headers['content-type']
    // gRPC servers want to know the client reads trailers (the gRPC over HTTP/2 protocol).
    if (typeof type === 'string' && type.startsWith('application/grpc')) headers.te = 'trailers'
    const body = opts.body
    const empty = body === null || (Buffer.isBuffer(body) && body.length === 0)
    // A buffered body's length is known; a streamed one's content-length is the client's claim.
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length)
    let stream: ClientHttp2Stream
    try {
      stream = session.request(headers, { endStream: empty })
    } catch (err) {
      this.fail(err as Error)
      return
    }
    this.session = session
    this.stream = stream
    this.waitedForConnect = session.connecting
    this.owner.streamStarted()
    streamsOn.set(session, (streamsOn.get(session) ?? 0) + 1)
    if (opts.headersTimeout > 0) {
      this.timer = setTimeout(() => {
        this.abort(
          new UpstreamError('UPSTREAM_HEADERS_TIMEOUT', `no response within ${opts.headersTimeout} ms`),
        )
      }, opts.headersTimeout)
    }
    stream.on('response', (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => this.onResponse(h))
    stream.on('headers', (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
      const status = Number(h[':status'])
      if (status >= 100 && status < 200 && status !== 101 && !this.aborted)
        this.handler.onResponseInterim?.(this, status, fieldsOf(h))
    })
    stream.on('data', (chunk: Buffer) => {
      if (!this.aborted && this.started) this.handler.onResponseData(this, chunk)
    })
    stream.on('trailers', (t: IncomingHttpHeaders) => {
      this.trailers = fieldsOf(t)
    })
    stream.on('end', () => this.onEnd())
    // Reported once, from 'close'; a protocol error is the session's (it comes here first).
    stream.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_HTTP2_ERROR') this.streamError = sessionFailure(err)
    })
    stream.on('close', () => this.onClose())
    if (this.paused) stream.pause()
    if (!empty) {
      if (Buffer.isBuffer(body)) stream.end(body)
      else {
        const source = body as Readable
        const observer = this.opts.bodyObserver
        if (observer !== undefined) source.on('data', (c: Buffer) => observer.onRequestBody(c))
        source.pipe(stream)
      }
    }
  }

  private onResponse(h: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    clearTimeout(this.timer)
    if (this.aborted) return
    this.started = true
    this.handler.onResponseStart(this, Number(h[':status']), fieldsOf(h))
  }

  private onEnd(): void {
    if (this.aborted || this.ended || !this.started) return
    this.ended = true
    this.finishStream()
    this.handler.onResponseEnd(this, this.trailers)
  }

  private onClose(): void {
    clearTimeout(this.timer)
    if (this.ended || this.aborted) {
      this.finishStream()
      return
    }
    const stream = this.stream as ClientHttp2Stream
    const session = this.session as ClientHttp2Session
    this.finishStream()
    const rst = stream.rstCode
    // Refused (GOAWAY, or more streams than the upstream takes): nothing was processed, so a request
    // whose body we still have goes once more, on a fresh session.
    const replayable = this.opts.body === null || Buffer.isBuffer(this.opts.body)
    if (!this.started && rst === NGHTTP2_REFUSED_STREAM && replayable && !this.replayed) {
      this.replayed = true
      this.send(this.owner.current())
      return
    }
    if (this.started && rst === 0) {
      // The stream closed cleanly without 'end' having run (no body was read): complete.
      this.ended = true
      this.handler.onResponseEnd(this, this.trailers)
      return
    }
    this.ended = true
    // A session that failed (refused, TLS) closes its streams first and reports its error after.
    setImmediate(() => {
      const err =
        sessionErrors.get(session) ??
        this.streamError ??
        new UpstreamError(
          'UPSTREAM_CLOSED',
          this.started
            ? `the upstream reset the stream before the response was complete (HTTP/2 error ${rst})`
            : `the upstream reset the stream without a response (HTTP/2 error ${rst})`,
        )
      this.handler.onResponseError(this, err)
    })
  }

  private finishStream(): void {
    if (this.stream === undefined) return
    this.stream = undefined
    this.owner.streamEnded()
    const session = this.session as ClientHttp2Session
    streamsOn.set(session, (streamsOn.get(session) ?? 1) - 1)
  }

  /** Fails before a stream was opened. */
  fail(err: Error): void {
    if (this.aborted || this.ended) return
    this.ended = true
    this.handler.onResponseError(this, err)
  }

  abort(reason: Error): void {
    if (this.aborted || this.ended) return
    this.aborted = true
    clearTimeout(this.timer)
    const stream = this.stream
    if (stream !== undefined && !stream.destroyed) stream.close(NGHTTP2_CANCEL)
    // Abandoned now: a stream not yet sent (no SETTINGS from the upstream) may never report 'close'.
    this.finishStream()
    this.handler.onResponseError(this, reason)
  }

  pause(): void {
    this.paused = true
    this.stream?.pause()
  }

  resume(): void {
    this.paused = false
    this.stream?.resume()
  }

  hold(): () => void {
    // HTTP/2 DATA chunks are buffers of their own: nothing to keep from being overwritten.
    return noop
  }
}
