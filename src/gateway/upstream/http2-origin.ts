// An HTTP/2 upstream origin (h2c for http://, ALPN h2 for https://), on our own HTTP/2
// (http2/client-connection.ts): one connection, shared by every request to the origin, multiplexing
// its streams. The connection is opened on first use and again after it closes or the upstream sends
// GOAWAY (streams already running finish on the old one). Streams past the upstream's
// SETTINGS_MAX_CONCURRENT_STREAMS wait for a slot. Requests and responses stream both ways with flow
// control; trailers are handed on.
import net, { isIP } from 'node:net'
import type { Readable } from 'node:stream'
import tls from 'node:tls'
import { HOP_BY_HOP } from '../http/hop-headers.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import { ClientConnection } from '../http2/client-connection.ts'
import { contentLengthOf } from '../http2/field-rules.ts'
import { ErrorCode } from '../http2/frame-codes.ts'
import type { H2Stream, StreamHandler } from '../http2/h2-stream.ts'
import type { Dispatcher, DispatchController, DispatchHandler, DispatchOptions } from './types.ts'
import { UpstreamError } from './types.ts'

export interface Http2OriginOptions {
  /** 0: no limit. */
  readonly connectTimeoutMs?: number
  /** A connection with no stream for this long is closed. */
  readonly idleTimeoutMs?: number
}

/**
 * Request fields not sent as they are: the hop-by-hop ones HTTP/2 forbids (RFC 9113 §8.2.2; `te` goes
 * back only as "trailers", for gRPC) and Host, which HTTP/2 says as `:authority`.
 */
const notSent = (name: string): boolean => name === 'host' || HOP_BY_HOP.has(name)
const noop = () => {}
/** How long closing waits for an upstream's streams before it cuts them. */
const CLOSE_BOUND_MS = 5000

/** Response fields (name, value, … as decoded) without pseudo-header fields; repeated ones a list. */
function fieldsOf(list: readonly string[]): ResponseFields {
  // No prototype: a field named "constructor" or "__proto__" is a field like any other.
  const out: ResponseFields = Object.create(null)
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i] as string
    if (name.charCodeAt(0) === 58 /* : */) continue
    const value = list[i + 1] as string
    const prior = out[name]
    if (prior === undefined) out[name] = name === 'set-cookie' ? [value] : value
    else if (Array.isArray(prior)) prior.push(value)
    else out[name] = name === 'cookie' ? `${prior}; ${value}` : [prior, value]
  }
  return out
}

/** The `:status` of a response head, or NaN. */
function statusOf(list: readonly string[]): number {
  for (let i = 0; i < list.length; i += 2) if (list[i] === ':status') return Number(list[i + 1])
  return Number.NaN
}

/** One connection to the origin and what is known of it. */
interface Link {
  readonly conn: ClientConnection
  readonly opened: number
  connectMs: number
  connected: boolean
  timer: NodeJS.Timeout | undefined
}

export class Http2Origin implements Dispatcher {
  readonly origin: string
  readonly tls: boolean
  readonly authority: string
  private readonly host: string
  private readonly port: number
  private readonly connectTimeoutMs: number
  private readonly idleTimeoutMs: number
  private link: Link | undefined
  /** Links retired (GOAWAY, replaced) with streams still running. */
  private readonly retired = new Set<Link>()
  /** Exchanges waiting for a stream slot, in order. */
  private readonly waiting: Http2Exchange[] = []
  /** Streams running on any connection of this origin. */
  active = 0
  private closed = false

  constructor(origin: string, opts: Http2OriginOptions = {}) {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`upstream ${origin}: HTTP/2 needs an http or https origin`)
    this.origin = url.origin
    this.tls = url.protocol === 'https:'
    this.authority = url.host
    this.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    this.port = Number(url.port) || (this.tls ? 443 : 80)
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
    this.start(ex)
  }

  /** Opens the exchange's stream now, or queues it for the next free slot. */
  start(ex: Http2Exchange): void {
    ex.armTimer()
    if (this.waiting.length > 0) {
      this.waiting.push(ex)
      return
    }
    const link = this.current()
    if (!ex.send(link)) this.waiting.push(ex)
  }

  /** The connection new streams go on: the open one, or a new one. */
  private current(): Link {
    const l = this.link
    if (l !== undefined && !l.conn.destroyed && !l.conn.goawayReceived && !l.conn.goawaySent) return l
    if (l !== undefined) this.retire(l)
    return this.connect()
  }

  private connect(): Link {
    const socket = this.tls
      ? tls.connect({
          host: this.host,
          port: this.port,
          // Upstream TLS is verified like the HTTP/1.1 client does (NODE_EXTRA_CA_CERTS for a local CA).
          ALPNProtocols: ['h2'],
          servername: isIP(this.host) ? '' : this.host,
        })
      : net.connect({ host: this.host, port: this.port, noDelay: true })
    const conn = new ClientConnection(socket)
    const link: Link = { conn, opened: performance.now(), connectMs: 0, connected: false, timer: undefined }
    this.link = link
    if (this.connectTimeoutMs > 0) {
      link.timer = setTimeout(() => {
        conn.failure ??= {
          code: ErrorCode.CANCEL,
          message: `could not connect to ${this.origin} in time`,
          local: true,
        }
        connectTimeouts.add(conn)
        conn.destroy()
      }, this.connectTimeoutMs)
      link.timer.unref()
    }
    socket.once(this.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(link.timer)
      link.connected = true
      link.connectMs = performance.now() - link.opened
      if (this.tls && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
        conn.failure ??= {
          code: ErrorCode.PROTOCOL_ERROR,
          message: `${this.origin} did not agree to HTTP/2 (ALPN)`,
          local: true,
        }
        conn.destroy()
      }
    })
    // Quiet for a while: close (gracefully: a stream still open finishes; new ones get a new connection).
    socket.setTimeout(this.idleTimeoutMs, () => {
      if (conn.streams.size === 0) conn.close()
    })
    conn.onSlot = () => this.next()
    conn.onGone = () => {
      clearTimeout(link.timer)
      if (this.link === link) this.link = undefined
      this.retired.delete(link)
      this.next()
    }
    return link
  }

  private retire(link: Link): void {
    if (this.link === link) this.link = undefined
    if (!link.conn.destroyed) this.retired.add(link)
  }

  /** A slot freed (or a connection went): the next waiting exchanges go. */
  private next(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const ex = this.waiting[0] as Http2Exchange
      if (ex.aborted) {
        this.waiting.shift()
        continue
      }
      const link = this.current()
      if (!ex.send(link)) return
      this.waiting.shift()
    }
  }

  /** Forgets an exchange that is no longer waiting. */
  unqueue(ex: Http2Exchange): void {
    const i = this.waiting.indexOf(ex)
    if (i >= 0) this.waiting.splice(i, 1)
  }

  /**
   * No new requests; running streams finish, then the connections close. A connection still
   * connecting (an upstream that never sends SETTINGS) goes at once; any other within CLOSE_BOUND_MS.
   */
  close(): Promise<void> {
    this.closed = true
    for (const ex of this.waiting.splice(0))
      ex.fail(new UpstreamError('UPSTREAM_POOL_CLOSED', 'the upstream client is closed'))
    const links = [this.link, ...this.retired].filter((l): l is Link => l !== undefined)
    this.link = undefined
    this.retired.clear()
    return Promise.all(
      links.map(
        (l) =>
          new Promise<void>((resolve) => {
            const conn = l.conn
            if (conn.destroyed) return resolve()
            if (!conn.gotSettings || conn.streams.size === 0) {
              conn.destroy()
              return resolve()
            }
            const bound = setTimeout(() => conn.destroy(), CLOSE_BOUND_MS)
            conn.onGone = () => {
              clearTimeout(bound)
              resolve()
            }
            conn.close()
          }),
      ),
    ).then(noop)
  }
}

/** Connections that timed out connecting. */
const connectTimeouts = new WeakSet<ClientConnection>()

/** What a connection's end means for the requests on it. */
function connectionFailure(conn: ClientConnection, origin: string): Error | undefined {
  if (conn.socketError !== undefined) return conn.socketError
  if (connectTimeouts.has(conn))
    return new UpstreamError('UPSTREAM_CONNECT_TIMEOUT', `could not connect to ${origin} in time`)
  const f = conn.failure
  if (f === undefined) return undefined
  // An HTTP/1.1 server answers the HTTP/2 preface with bytes that are no frame.
  if (f.local && !conn.gotSettings)
    return new UpstreamError(
      'UPSTREAM_BAD_RESPONSE',
      `does not speak HTTP/2 (${f.message}); if it speaks HTTP/1.1, drop http2: true, h2c:// or protocol: grpc`,
    )
  return new UpstreamError(
    'UPSTREAM_BAD_RESPONSE',
    f.local
      ? `the upstream broke the HTTP/2 protocol: ${f.message}`
      : `the upstream closed the connection (HTTP/2 error ${f.code}${f.message ? `: ${f.message}` : ''})`,
  )
}

/** One request on one stream; the handler's controller and the stream's handler. */
class Http2Exchange implements DispatchController, StreamHandler {
  readonly owner: Http2Origin
  readonly opts: DispatchOptions
  readonly handler: DispatchHandler
  aborted = false
  paused = false
  private stream: H2Stream | undefined
  private link: Link | undefined
  private timer: NodeJS.Timeout | undefined
  private started = false
  private ended = false
  private replayed = false
  private trailers: ResponseFields | undefined
  /** Content that came while paused (bounded by the stream's window). */
  private held: Buffer[] | undefined
  private endHeld = false
  /** The stream waited for its connection to connect. */
  private waitedForConnect = false
  private source: Readable | undefined

  constructor(owner: Http2Origin, opts: DispatchOptions, handler: DispatchHandler) {
    this.owner = owner
    this.opts = opts
    this.handler = handler
  }

  get connectMs(): number {
    const link = this.link
    return this.waitedForConnect && link !== undefined ? link.connectMs : 0
  }

  /** Opens the stream on `link`'s connection; false when it has no free slot (the caller queues). */
  send(link: Link): boolean {
    const { opts } = this
    const fields = [
      ':method',
      opts.method,
      ':path',
      opts.path,
      ':scheme',
      this.owner.tls ? 'https' : 'http',
      ':authority',
      (opts.headers.host as string | undefined) ?? this.owner.authority,
    ]
    const headers = opts.headers
    for (const name in headers) {
      if (notSent(name)) continue
      const v = headers[name]
      if (v === undefined) continue
      if (Array.isArray(v)) for (const x of v) fields.push(name, x)
      else fields.push(name, v)
    }
    const type = headers['content-type']
    // gRPC servers want to know the client reads trailers (the gRPC over HTTP/2 protocol).
    if (typeof type === 'string' && type.startsWith('application/grpc')) fields.push('te', 'trailers')
    const body = opts.body
    const empty = body === null || (Buffer.isBuffer(body) && body.length === 0)
    // A buffered body's length is known; a streamed one's content-length is the client's claim.
    if (Buffer.isBuffer(body) && headers['content-length'] === undefined)
      fields.push('content-length', String(body.length))
    const stream = link.conn.request(fields, empty, this)
    if (stream === undefined) return false
    this.link = link
    this.stream = stream
    this.waitedForConnect = !link.connected
    this.owner.active++
    this.armTimer()
    if (!empty) {
      if (Buffer.isBuffer(body)) {
        stream.write(body)
        stream.end()
      } else this.pipeBody(body as Readable, stream)
    }
    return true
  }

  /** A streamed request body, with the stream's flow control as back-pressure. */
  private pipeBody(source: Readable, stream: H2Stream): void {
    this.source = source
    const observer = this.opts.bodyObserver
    const onData = (chunk: Buffer) => {
      observer?.onRequestBody(chunk)
      if (!stream.write(chunk)) source.pause()
    }
    const onEnd = () => stream.end()
    const onError = () => {
      if (!stream.closed) stream.reset(ErrorCode.CANCEL)
    }
    source.on('data', onData)
    source.once('end', onEnd)
    source.once('error', onError)
    source.once('close', () => {
      // Closed without its end (the client went): the upstream must not take it as complete.
      if (!source.readableEnded && !stream.localEnded) onError()
    })
  }

  onWritable(): void {
    this.source?.resume()
  }

  onHeaders(_s: H2Stream, fields: string[], endStream: boolean): void {
    if (this.aborted) return
    if (this.started) {
      // Trailers.
      this.trailers = fieldsOf(fields)
      return
    }
    const status = statusOf(fields)
    if (status >= 100 && status < 200) {
      if (status !== 101) this.handler.onResponseInterim?.(this, status, fieldsOf(fields))
      return
    }
    const head = fieldsOf(fields)
    const length = head['content-length']
    // §8.1.1: content must match its content-length (HEAD, 204 and 304 carry none), or an HTTP/1.1
    // client would read the difference as the start of its next response.
    if (length !== undefined && this.opts.method !== 'HEAD' && status !== 204 && status !== 304) {
      const n = typeof length === 'string' ? contentLengthOf(length) : -1
      const s = this.stream as H2Stream
      if (n < 0 || (endStream && n !== 0)) {
        s.malformed = `the content-length "${String(length).slice(0, 40)}" does not match its content`
        s.reset(ErrorCode.PROTOCOL_ERROR)
        return
      }
      s.contentLength = n
    }
    clearTimeout(this.timer)
    this.started = true
    this.handler.onResponseStart(this, status, head)
  }

  onData(s: H2Stream, chunk: Buffer): void {
    if (this.aborted) {
      s.consumed(chunk.length)
      return
    }
    if (!this.started) {
      s.malformed = 'DATA before the response head'
      s.reset(ErrorCode.PROTOCOL_ERROR)
      return
    }
    if (this.paused) {
      this.held ??= []
      this.held.push(chunk)
      return
    }
    this.handler.onResponseData(this, chunk)
    s.consumed(chunk.length)
  }

  onEnd(): void {
    if (this.paused && this.held !== undefined) {
      this.endHeld = true
      return
    }
    this.complete()
  }

  private complete(): void {
    if (this.aborted || this.ended || !this.started) return
    this.ended = true
    this.finishStream()
    this.handler.onResponseEnd(this, this.trailers)
  }

  onClose(s: H2Stream, code: number): void {
    if (this.ended || this.aborted) {
      this.stopTimer()
      this.finishStream()
      return
    }
    // Complete only when the upstream ended its side: a RST_STREAM NO_ERROR before that cuts it.
    if (code === 0 && this.started && s.remoteEnded) {
      this.stopTimer()
      if (!this.endHeld) this.complete()
      return
    }
    const link = this.link as Link
    this.finishStream()
    // Refused (GOAWAY, or more streams than the upstream takes): nothing was processed, so a request
    // whose body we still have goes once more (on the same connection when it still takes streams).
    const replayable = this.opts.body === null || Buffer.isBuffer(this.opts.body)
    if (
      !this.started &&
      code === ErrorCode.REFUSED_STREAM &&
      replayable &&
      !this.replayed &&
      !link.conn.destroyed
    ) {
      this.replayed = true
      this.owner.start(this)
      return
    }
    if (!this.started && code === ErrorCode.REFUSED_STREAM && replayable && !this.replayed) {
      // The connection went with a GOAWAY that did not take this stream.
      this.replayed = true
      setImmediate(() => this.owner.start(this))
      return
    }
    this.ended = true
    this.stopTimer()
    const err =
      (s.malformed !== undefined
        ? new UpstreamError(
            'UPSTREAM_BAD_RESPONSE',
            `the upstream's HTTP/2 response is malformed: ${s.malformed}`,
          )
        : undefined) ??
      (link.conn.destroyed ? connectionFailure(link.conn, this.owner.origin) : undefined) ??
      new UpstreamError(
        'UPSTREAM_CLOSED',
        this.started
          ? `the upstream reset the stream before the response was complete (HTTP/2 error ${code})`
          : `the upstream reset the stream without a response (HTTP/2 error ${code})`,
      )
    this.handler.onResponseError(this, err)
  }

  /** The response head's deadline, from the first time the request is sent or queued (a replay keeps it). */
  armTimer(): void {
    const ms = this.opts.headersTimeout
    if (ms <= 0 || this.timer !== undefined || this.started) return
    this.timer = setTimeout(() => {
      this.abort(new UpstreamError('UPSTREAM_HEADERS_TIMEOUT', `no response within ${ms} ms`))
    }, ms)
  }

  private stopTimer(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private finishStream(): void {
    if (this.stream === undefined) return
    this.stream = undefined
    this.owner.active--
  }

  /** Fails before a stream was opened. */
  fail(err: Error): void {
    if (this.aborted || this.ended) return
    this.ended = true
    clearTimeout(this.timer)
    this.handler.onResponseError(this, err)
  }

  abort(reason: Error): void {
    if (this.aborted || this.ended) return
    this.aborted = true
    clearTimeout(this.timer)
    this.owner.unqueue(this)
    const stream = this.stream
    this.finishStream()
    if (stream !== undefined && !stream.closed) stream.reset(ErrorCode.CANCEL)
    this.handler.onResponseError(this, reason)
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    const held = this.held
    if (held !== undefined) {
      this.held = undefined
      const s = this.stream
      for (const chunk of held) {
        if (this.aborted) return
        this.handler.onResponseData(this, chunk)
        s?.consumed(chunk.length)
        if (this.paused) {
          // Paused again mid-way: the rest waits.
          const rest = held.slice(held.indexOf(chunk) + 1)
          if (rest.length > 0) this.held = rest
          return
        }
      }
    }
    if (this.endHeld) {
      this.endHeld = false
      this.complete()
    }
  }

  hold(): () => void {
    // DATA chunks are the connection's read buffers, never reused: nothing to keep from being overwritten.
    return noop
  }
}
