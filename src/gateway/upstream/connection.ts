// One keep-alive connection to an upstream and the exchange (request + response) it carries.
// One exchange at a time (no pipelining): a slow response never holds up an unrelated request. A
// connection goes back to its pool only when its response was framed completely, the whole request
// was sent and no byte is left over; anything else closes it. An upgrade request gets a connection of
// its own that never goes back: a 101 hands the socket to the handler, any other answer closes it.
import net from 'node:net'
import tls from 'node:tls'
import { type ReadBuffer, takeReadBuffer } from './read-buffers.ts'
import { ResponseParser, type ParserSink } from './response-parser.ts'
import type { DispatchController, DispatchHandler, DispatchOptions, ResponseHeaders } from './types.ts'
import { UpstreamError } from './types.ts'
import { writeAtTurnEnd } from './write-batch.ts'

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly host: string
  readonly port: number
  readonly tls: boolean
  readonly connectTimeoutMs: number
  /** The exchange is over and the connection can carry another one. */
  release(conn: UpstreamConnection): void
  /** The connection is gone (closed, failed or worn out). */
  forget(conn: UpstreamConnection): void
  /** Try a request again on a fresh connection (a reused one was closed under it). */
  replay(ex: UpstreamExchange): void
}

/** Errors that mean the upstream closed a kept-alive connection (not that we gave up on it). */
const CLOSED_BY_PEER = new Set(['ECONNRESET', 'EPIPE'])

/** What an exchange tells its pool. */
export interface UpstreamExchangeOwner {
  /** Aborted while waiting for a connection. */
  dequeue(ex: UpstreamExchange): void
  /** Ended or failed: counted once per exchange. */
  exchangeDone(): void
}

const noop = () => {}

// RFC 9110 §9.2.2: requests a client may repeat on its own when a connection fails under them.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

/** One request on its way through the pool; it is the controller its handler is given. */
export class UpstreamExchange implements DispatchController {
  readonly opts: DispatchOptions
  readonly handler: DispatchHandler
  conn: UpstreamConnection | undefined = undefined
  aborted = false
  paused = false
  /** The handler has had its end or its error. */
  done = false
  /** The whole request body has been written. */
  bodySent = false
  replays = 0
  private readonly owner: UpstreamExchangeOwner

  constructor(opts: DispatchOptions, handler: DispatchHandler, owner: UpstreamExchangeOwner) {
    this.opts = opts
    this.handler = handler
    this.owner = owner
  }

  /** Only a request with no streamed body can be sent again. */
  get replayable(): boolean {
    return IDEMPOTENT.has(this.opts.method) && !(this.opts.body !== null && !Buffer.isBuffer(this.opts.body))
  }

  abort(reason: Error): void {
    if (this.done) return
    this.aborted = true
    const conn = this.conn
    if (conn) conn.drop(this)
    else this.owner.dequeue(this)
    this.fail(reason)
  }

  pause(): void {
    this.paused = true
    if (this.conn?.exchange === this) this.conn.socket.pause()
  }

  resume(): void {
    this.paused = false
    if (this.conn?.exchange === this) this.conn.socket.resume()
  }

  hold(): () => void {
    return this.conn?.readBuffer?.hold() ?? noop
  }

  get connectMs(): number {
    const conn = this.conn
    return conn === undefined || conn.reused ? 0 : conn.connectMs
  }

  /** Marks the exchange over (before its handler hears of it, so the pool can move on). */
  settle(): void {
    this.done = true
    this.owner.exchangeDone()
  }

  fail(err: Error): void {
    if (this.done) return
    this.settle()
    this.handler.onResponseError(this, err)
  }
}

export class UpstreamConnection implements ParserSink {
  readonly socket: net.Socket
  readonly parser: ResponseParser
  private readonly owner: ConnectionOwner
  exchange: UpstreamExchange | undefined = undefined
  /** The buffer the socket reads into (plain TCP; TLS and upgrade sockets read into fresh buffers). */
  readBuffer: ReadBuffer | undefined
  /** Carries one upgrade request and never goes back to the pool. */
  readonly dedicated: boolean
  /** Carried at least one exchange before the current one. */
  reused = false
  /** When an idle connection must be closed (ms, Date.now() clock). */
  idleDeadline = 0
  /** The upstream's own idle limit (Keep-Alive: timeout=N) as last announced, in ms; 0 when never. */
  hintMs = 0
  closed = false
  /** How long the connection took to open (TCP, and TLS when secure), in ms. */
  connectMs = 0
  private error: Error | undefined
  private connecting = true
  private connectTimer: NodeJS.Timeout | undefined
  private headTimer: NodeJS.Timeout | undefined
  /** When the armed head timer fires (Date.now() clock). */
  private headTimerAt = 0
  private headDeadline = 0

  constructor(owner: ConnectionOwner, dedicated = false) {
    this.owner = owner
    this.dedicated = dedicated
    this.parser = new ResponseParser(this)
    // A socket that may be handed over after a 101 must emit 'data' like any other: no onread buffer.
    if (owner.tls || dedicated) {
      this.socket = owner.tls
        ? tls.connect({
            host: owner.host,
            port: owner.port,
            servername: net.isIP(owner.host) ? undefined : owner.host,
            ALPNProtocols: ['http/1.1'],
          })
        : net.connect({ host: owner.host, port: owner.port })
      this.socket.on('data', this.onSocketData)
    } else {
      this.readBuffer = takeReadBuffer()
      this.socket = net.connect({
        host: owner.host,
        port: owner.port,
        // After each read Node asks for the buffer to read into next.
        onread: {
          buffer: () => this.nextReadBuffer(),
          callback: (n: number, buf: Uint8Array) => {
            this.onData((buf as Buffer).subarray(0, n))
            return true
          },
        },
      })
    }
    this.socket.setNoDelay(true)
    const opening = performance.now()
    if (owner.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        if (this.connecting)
          this.destroy(
            new UpstreamError(
              'UPSTREAM_CONNECT_TIMEOUT',
              `connecting to ${owner.host}:${owner.port} took longer than ${owner.connectTimeoutMs} ms`,
            ),
          )
      }, owner.connectTimeoutMs)
      this.connectTimer.unref()
    }
    this.socket.once(owner.tls ? 'secureConnect' : 'connect', () => {
      this.connecting = false
      this.connectMs = performance.now() - opening
      clearTimeout(this.connectTimer)
    })
    this.socket.on('error', this.onSocketError)
    this.socket.on('close', this.onSocketClose)
  }

  private readonly onSocketData = (chunk: Buffer): void => this.onData(chunk)
  private readonly onSocketError = (err: Error): void => {
    this.error ??= err
  }
  private readonly onSocketClose = (): void => this.onClose()

  /** Sends one request; its response goes to the exchange's handler. */
  run(ex: UpstreamExchange): void {
    this.exchange = ex
    ex.conn = this
    const { opts } = ex
    this.parser.expect(opts.method, this.dedicated)
    if (opts.headersTimeout > 0) this.armHeadTimer(opts.headersTimeout)
    const body = opts.body
    const socket = this.socket
    if (body === null) {
      writeAtTurnEnd(socket, requestHead(opts, undefined))
      ex.bodySent = true
    } else if (Buffer.isBuffer(body)) {
      writeAtTurnEnd(socket, requestHead(opts, body.length), body.length > 0 ? body : undefined)
      ex.bodySent = true
    } else {
      // A streamed body may start flowing before the turn ends: its head goes out now, ahead of it.
      const length = opts.headers['content-length']
      const chunked = length === undefined
      socket.write(requestHead(opts, chunked ? -1 : undefined), 'latin1')
      streamBody(this, ex, body, chunked)
    }
    if (ex.paused) socket.pause()
  }

  /**
   * One lazy timer per connection: a request only moves the deadline; the timer is re-armed when it
   * fires early (the connection kept serving) or when a request needs an earlier deadline. A busy
   * connection thus touches the timer list about once per timeout period, not once per request.
   */
  private armHeadTimer(ms: number): void {
    const deadline = Date.now() + ms
    this.headDeadline = deadline
    if (this.headTimer !== undefined && this.headTimerAt <= deadline) return
    this.startHeadTimer(ms)
  }

  private startHeadTimer(ms: number): void {
    clearTimeout(this.headTimer)
    this.headTimerAt = Date.now() + ms
    this.headTimer = setTimeout(() => this.onHeadTimer(), ms)
    this.headTimer.unref()
  }

  private onHeadTimer(): void {
    this.headTimer = undefined
    const ex = this.exchange
    if (ex === undefined || this.parser.gotBytes || this.closed) return
    const left = this.headDeadline - Date.now()
    if (left > 0) {
      this.startHeadTimer(left)
      return
    }
    this.destroy(
      new UpstreamError('UPSTREAM_HEADERS_TIMEOUT', `no response head within ${ex.opts.headersTimeout} ms`),
    )
  }

  /** The same buffer again, unless a write still holds its bytes. */
  private nextReadBuffer(): Buffer {
    let rb = this.readBuffer
    if (rb === undefined || rb.held) {
      rb?.retire()
      rb = takeReadBuffer()
      this.readBuffer = rb
    }
    return rb.bytes
  }

  private onData(chunk: Buffer): void {
    const ex = this.exchange
    if (ex === undefined) {
      // Nobody asked: an idle connection must stay silent.
      this.destroy(undefined)
      return
    }
    try {
      this.parser.feed(chunk)
    } catch (err) {
      this.destroy(err as Error)
    }
  }

  onInterim(status: number, headers: ResponseHeaders): void {
    const ex = this.exchange as UpstreamExchange
    ex.handler.onResponseInterim?.(ex, status, headers)
  }

  onHead(status: number, headers: ResponseHeaders): void {
    const ex = this.exchange as UpstreamExchange
    ex.handler.onResponseStart(ex, status, headers)
  }

  onBody(chunk: Buffer): void {
    // A view of the read buffer: the handler uses it now, or holds it (controller.hold()), or copies it.
    const ex = this.exchange as UpstreamExchange
    ex.handler.onResponseData(ex, chunk)
  }

  /** 101: the socket leaves the pool and belongs to the handler from now on. */
  onUpgrade(status: number, headers: ResponseHeaders, rest: Buffer): void {
    const ex = this.exchange as UpstreamExchange
    const socket = this.socket
    // Paused before anyone reads on: bytes must wait for the new owner, not go to a removed listener.
    socket.pause()
    socket.removeListener('data', this.onSocketData)
    socket.removeListener('error', this.onSocketError)
    socket.removeListener('close', this.onSocketClose)
    clearTimeout(this.connectTimer)
    clearTimeout(this.headTimer)
    this.exchange = undefined
    ex.conn = undefined
    this.closed = true
    this.owner.forget(this)
    ex.settle()
    if (ex.handler.onUpgrade) ex.handler.onUpgrade(ex, status, headers, socket, rest)
    else socket.destroy()
  }

  onEnd(): void {
    const ex = this.exchange as UpstreamExchange
    this.exchange = undefined
    ex.settle()
    if (this.parser.keepAlive && ex.bodySent && !this.closed && !this.dedicated) {
      this.reused = true
      if (this.socket.isPaused()) this.socket.resume()
      if (this.parser.keepAliveHintS > 0) this.hintMs = this.parser.keepAliveHintS * 1000
      this.owner.release(this)
    } else this.destroy(undefined)
    try {
      ex.handler.onResponseEnd(ex)
    } catch (err) {
      // The connection may already carry the next request: a handler's bug must not fail that one.
      process.nextTick(() => {
        throw err
      })
    }
  }

  /** Abandons the exchange (aborted by its handler): this connection cannot be trusted any more. */
  drop(ex: UpstreamExchange): void {
    if (this.exchange !== ex) return
    this.exchange = undefined
    this.parser.stop()
    this.destroy(undefined)
  }

  /** Closes the connection; a running exchange fails with `err` (or a generic close error). */
  destroy(err: Error | undefined): void {
    if (err) this.error ??= err
    this.parser.stop()
    this.socket.destroy()
    // 'close' arrives asynchronously; the exchange is settled now so nothing else touches it.
    this.settle()
  }

  private onClose(): void {
    this.readBuffer?.retire()
    this.readBuffer = undefined
    clearTimeout(this.connectTimer)
    clearTimeout(this.headTimer)
    // A body that runs until the connection closes ends here (the parser calls onEnd).
    if (this.exchange !== undefined) this.parser.closed()
    this.settle()
  }

  private settle(): void {
    if (!this.closed) {
      this.closed = true
      this.owner.forget(this)
    }
    const ex = this.exchange
    if (ex === undefined) return
    this.exchange = undefined
    ex.conn = undefined
    if (ex.done) return
    const err =
      this.error ??
      new UpstreamError('UPSTREAM_CLOSED', 'upstream closed the connection before the response was complete')
    // A kept-alive connection the upstream closed just as we used it: nothing reached the upstream's
    // application (not one response byte came back), so an idempotent request is sent again, once. Not
    // when we gave up on it ourselves (a head timeout): the upstream may be working on it right now.
    const closedByPeer =
      this.error === undefined || CLOSED_BY_PEER.has((this.error as NodeJS.ErrnoException).code ?? '')
    if (
      closedByPeer &&
      this.reused &&
      !this.parser.sawBytes &&
      ex.replayable &&
      ex.replays === 0 &&
      !ex.aborted
    ) {
      ex.replays++
      this.owner.replay(ex)
      return
    }
    ex.fail(err)
  }
}

/** The request line and header block; `bodyLength`: a buffered body's size, -1 for chunked. */
function requestHead(opts: DispatchOptions, bodyLength: number | undefined): string {
  let head = `${opts.method} ${opts.path} HTTP/1.1\r\n`
  const headers = opts.headers
  for (const name in headers) {
    if (bodyLength !== undefined && (name === 'content-length' || name === 'transfer-encoding')) continue
    const v = headers[name]
    if (typeof v === 'string') head += `${name}: ${v}\r\n`
    else if (v !== undefined) for (const one of v) head += `${name}: ${one}\r\n`
  }
  if (bodyLength === -1) head += 'transfer-encoding: chunked\r\n'
  else if (bodyLength !== undefined) head += `content-length: ${bodyLength}\r\n`
  return `${head}\r\n`
}

/** Streams the client's request body to the upstream, with back-pressure both ways. */
function streamBody(
  conn: UpstreamConnection,
  ex: UpstreamExchange,
  body: NodeJS.ReadableStream,
  chunked: boolean,
): void {
  const socket = conn.socket
  const live = () => ex.conn === conn && !conn.closed
  const observer = ex.opts.bodyObserver
  const onData = (chunk: Buffer) => {
    if (!live()) return
    observer?.onRequestBody(chunk)
    let ok: boolean
    if (chunked) {
      if (chunk.length === 0) return
      socket.cork()
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1')
      socket.write(chunk)
      ok = socket.write('\r\n', 'latin1')
      socket.uncork()
    } else ok = socket.write(chunk)
    if (!ok) {
      body.pause()
      socket.once('drain', () => body.resume())
    }
  }
  const onEnd = () => {
    cleanup()
    if (!live()) return
    if (chunked) socket.write('0\r\n\r\n', 'latin1')
    ex.bodySent = true
  }
  const onError = () => {
    cleanup()
    if (!ex.bodySent) ex.abort(new Error('the client stopped sending the request body'))
  }
  const onClose = () => {
    if (!ex.bodySent) onError()
  }
  const cleanup = () => {
    body.removeListener('data', onData)
    body.removeListener('end', onEnd)
    body.removeListener('error', onError)
    body.removeListener('close', onClose)
  }
  body.on('data', onData)
  body.on('end', onEnd)
  body.on('error', onError)
  body.on('close', onClose)
}
