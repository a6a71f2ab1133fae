// The fast lane: an HTTP/1.1 front-end of our own for the commonest request, a GET without content.
// node:http's request and response machinery cost 43–48 µs of CPU per small request on the bench
// machine against 19–28 µs for the same answer parsed and written by hand (BENCHMARKS.md, sixth
// session), about a third of what a proxied request costs the gateway in all.
//
// The lane takes a connection first and reads each request head itself. A well-formed
// `GET <origin-form> HTTP/1.1` with unique plain fields and no content goes to the request pipeline
// like any other request (routing, policies, problems: all the pipeline's), answered through this
// connection as its sink. Anything else (another method, content, an upgrade, Expect, HTTP/1.0,
// `Connection: close`, a duplicate or odd field, a bare LF, an oversized head, the gateway's own
// paths) is handed to node:http at that request boundary, bytes included, and the connection stays
// with node:http from then on. So node:http's rules apply to everything the lane does not take, and
// the lane only has to be right about the one shape it takes. What it writes is byte for byte what
// node:http writes (http/http1-head.ts; the differential test holds the two to that).
import { channel } from 'node:diagnostics_channel'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { isSafeFieldValue, isSafeTarget, isToken } from '../http/field-syntax.ts'
import { chunkHeader, interimHead, LAST_CHUNK, responseHead } from '../http/http1-head.ts'
import type { RequestHead } from '../http/request-head.ts'
import { isBodiless, type ResponseFields } from '../http/response-fields.ts'
import type { Exchange } from '../pipeline/exchange.ts'
import type { Pipeline, RequestFraming } from '../pipeline/pipeline.ts'
import type { ResponseSink } from '../pipeline/response-sink.ts'
import { clientErrorResponse } from './client-error.ts'

export interface FastLaneDeps {
  readonly pipeline: Pipeline
  /** True for the gateway's own paths (admin API, probes, dashboard): node:http serves those. */
  readonly isOwnPath: (url: string) => boolean
  /** Seconds an idle keep-alive connection stays open (node:http's keepAliveTimeout). */
  readonly keepAliveS: number
  /** Deadline for a complete request head, from its first byte (node:http's headersTimeout). */
  readonly headTimeoutMs: number
}

export interface FastLane {
  /** Closes the lane's connections that have no request in flight; the others close after it. */
  closeIdle(): void
  /** Closes every connection the lane holds (drain timed out). */
  closeAll(): void
  /** Stops the head-deadline sweep. */
  close(): void
}

/** Same as node:http's default (16 KiB): a longer head goes to node:http, which answers 431. */
const MAX_HEAD = 16 * 1024
/** Bytes read ahead (pipelined requests) while a response is in flight before reading pauses. */
const MAX_AHEAD = 64 * 1024
/** Request fields that mean content, an upgrade or an expectation: node:http's to handle. */
const NOT_PLAIN = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect'])
/** `{ event: 'request' | 'handover', socket }` for each request the lane takes or hands to node:http. */
export const laneChannel = channel('sallyport:fast-lane')
/** What the lane knows of every request it takes. */
const LANE_FRAMING: RequestFraming = { http10: false, hostLines: 1, body: null, upgrade: false }

/** A request the lane parsed; carries what the pipeline reads. */
class LaneRequest implements RequestHead {
  readonly method = 'GET'
  readonly url: string
  readonly headers: Record<string, string>
  readonly socket: Socket
  constructor(url: string, headers: Record<string, string>, socket: Socket) {
    this.url = url
    this.headers = headers
    this.socket = socket
  }
}

/**
 * Parses one request head (without its blank line). Undefined for anything but a well-formed
 * `GET <origin-form> HTTP/1.1` with unique, plain fields, a Host, no content and no wish to close:
 * node:http takes those.
 */
export function parsePlainGet(head: string, socket: Socket): LaneRequest | undefined {
  let eol = head.indexOf('\r\n')
  if (eol < 0) eol = head.length
  if (!head.startsWith('GET /') || !head.endsWith(' HTTP/1.1', eol)) return undefined
  const url = head.slice(4, eol - 9)
  if (!isSafeTarget(url)) return undefined
  const headers: Record<string, string> = {}
  let pos = eol + 2
  while (pos < head.length) {
    let next = head.indexOf('\r\n', pos)
    if (next < 0) next = head.length
    const colon = head.indexOf(':', pos)
    if (colon <= pos || colon > next) return undefined
    const raw = head.slice(pos, colon)
    if (!isToken(raw)) return undefined
    const name = raw.toLowerCase()
    const value = trimOws(head, colon + 1, next)
    if (!isSafeFieldValue(value) || headers[name] !== undefined || NOT_PLAIN.has(name)) return undefined
    headers[name] = value
    pos = next + 2
  }
  if (headers.host === undefined) return undefined
  if (headers.connection !== undefined && hasClose(headers.connection)) return undefined
  return new LaneRequest(url, headers, socket)
}

/** Whether a Connection value lists `close` (RFC 9112 §9.6). */
function hasClose(value: string): boolean {
  for (const token of value.split(',')) if (token.trim().toLowerCase() === 'close') return true
  return false
}

/** The field value between `from` and `to` without the optional whitespace (SP, HTAB) around it. */
function trimOws(head: string, from: number, to: number): string {
  let a = from
  let b = to
  while (a < b && (head.charCodeAt(a) === 32 || head.charCodeAt(a) === 9)) a++
  while (b > a && (head.charCodeAt(b - 1) === 32 || head.charCodeAt(b - 1) === 9)) b--
  return head.slice(a, b)
}

/** A LF not preceded by CR from `from` on: a head node:http refuses (the lane never waits for one). */
function hasBareLf(s: string, from: number): boolean {
  for (let i = s.indexOf('\n', from); i >= 0; i = s.indexOf('\n', i + 1))
    if (i === 0 || s.charCodeAt(i - 1) !== 13) return true
  return false
}

/** One client connection while the lane holds it: one request at a time, in order; the sink of each. */
class LaneConnection implements ResponseSink {
  readonly socket: Socket
  readonly lane: Lane
  pending = ''
  /** How much of `pending` was already looked at for a head end. */
  scanned = 0
  /** When the head now arriving began (performance.now()), or 0. */
  headStarted = 0
  exchange: Exchange | undefined
  /** A request was taken and its response is not complete yet. */
  busy = false
  /** Inside pipeline.handle(): a response completed there is picked up by the loop in next(). */
  dispatching = false
  /** The next response says `Connection: close` and the connection ends after it. */
  closing = false
  /** The client sent FIN: what it sent is answered, then the connection ends (the server is half-open). */
  clientEnded = false
  // The response in progress.
  headSent = false
  /** The response head, until it goes out with the first body bytes (or alone at the end). */
  head: string | undefined
  chunked = false
  readonly keepAliveS: number

  readonly onData = (chunk: Buffer) => {
    this.pending += chunk.toString('latin1')
    if (this.busy) {
      if (this.pending.length > MAX_AHEAD) this.socket.pause()
      return
    }
    this.next()
  }

  readonly onClose = () => {
    this.lane.connections.delete(this)
    this.exchange?.clientGone()
  }
  /**
   * Without this an idle connection the client closed would sit in CLOSE-WAIT until the keep-alive timeout.
   * A FIN before the response began is a half-close: what was sent is answered. A FIN once the response
   * is on its way is a client that left (it read part of it and closed, as nginx and node:http take it
   * too): the connection goes, and its exchange with it, so the upstream request is cancelled.
   */
  readonly onEnd = () => {
    this.clientEnded = true
    if (!this.busy) this.next()
    else if (this.headSent) this.socket.destroy()
  }
  /** Idle for keepAliveS: closed, as node:http does. */
  readonly onTimeout = () => {
    if (!this.busy) this.socket.destroy()
  }

  constructor(socket: Socket, lane: Lane) {
    this.socket = socket
    this.lane = lane
    this.keepAliveS = lane.deps.keepAliveS
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    socket.on('close', this.onClose)
    // Errors end in 'close'; without a listener they would throw.
    socket.on('error', noop)
    socket.on('timeout', this.onTimeout)
    socket.setTimeout(this.keepAliveS * 1000)
  }

  get closed(): boolean {
    return this.socket.destroyed
  }

  /** Takes the pipelined requests waiting in `pending`, in order, while each is answered at once. */
  next(): void {
    while (!this.busy && !this.socket.destroyed) {
      if (this.closing) {
        this.socket.end()
        return
      }
      const all = this.pending
      const end = all.indexOf('\r\n\r\n', Math.max(0, this.scanned - 3))
      if (end < 0 && this.clientEnded) {
        this.socket.end()
        return
      }
      if (end < 0) {
        // node:http answers heads it cannot read (a bare LF) and heads too large (431).
        if (all.length > MAX_HEAD || hasBareLf(all, Math.max(0, this.scanned - 1))) this.handOver()
        else {
          this.scanned = all.length
          // The head deadline runs from its first byte the lane could read.
          if (all.length > 0 && this.headStarted === 0) this.headStarted = performance.now()
        }
        return
      }
      if (end > MAX_HEAD) {
        this.handOver()
        return
      }
      const req = parsePlainGet(all.slice(0, end), this.socket)
      if (!req || this.lane.deps.isOwnPath(req.url)) {
        this.handOver()
        return
      }
      // Taken off first: the pipeline may answer at once, and the loop then reads on.
      this.pending = all.slice(end + 4)
      this.scanned = 0
      this.headStarted = 0
      this.busy = true
      this.headSent = false
      this.head = undefined
      this.chunked = false
      this.dispatching = true
      if (laneChannel.hasSubscribers) laneChannel.publish({ event: 'request', socket: this.socket })
      const ex = this.lane.deps.pipeline.handle(req, this, LANE_FRAMING)
      this.dispatching = false
      if (this.busy) this.exchange = ex
    }
  }

  /** The response is complete: read on, or close when asked to. */
  responseDone(): void {
    this.busy = false
    this.exchange = undefined
    if (this.dispatching || this.socket.destroyed) return
    if (this.socket.isPaused()) this.socket.resume()
    this.next()
  }

  // ResponseSink: the pipeline's answer to the request in progress.

  interim(status: number, fields: ResponseFields): void {
    // The lane takes no Expect, so a 100 was never asked for.
    if (status !== 100 && !this.headSent && !this.socket.destroyed)
      this.socket.write(interimHead(status, fields), 'latin1')
  }

  bodyWanted(): void {
    // The lane takes no request with content.
  }

  start(status: number, fields: ResponseFields, flush: boolean): void {
    this.chunked = !isBodiless('GET', status) && fields['content-length'] === undefined
    this.head = responseHead(status, fields, this.closing ? 0 : this.keepAliveS, this.chunked)
    this.headSent = true
    if (flush) this.flushHead()
  }

  private flushHead(): void {
    if (this.head === undefined) return
    this.socket.write(this.head, 'latin1')
    this.head = undefined
  }

  write(chunk: Buffer, done: () => void): boolean {
    const socket = this.socket
    if (socket.destroyed) {
      done()
      return true
    }
    // One writev for head, framing and body.
    socket.cork()
    this.flushHead()
    if (this.chunked) socket.write(chunkHeader(chunk.length), 'latin1')
    const ok = socket.write(chunk, done)
    if (this.chunked) socket.write('\r\n', 'latin1')
    socket.uncork()
    return ok
  }

  onDrain(resume: () => void): void {
    this.socket.once('drain', resume)
  }

  end(): void {
    const socket = this.socket
    if (!socket.destroyed) {
      socket.cork()
      this.flushHead()
      if (this.chunked) socket.write(LAST_CHUNK, 'latin1')
      socket.uncork()
    }
    this.responseDone()
  }

  abort(): void {
    this.socket.destroy()
  }

  closeAfter(): void {
    this.closing = true
  }

  upgrade(_status: number, _fields: ResponseFields, socket: Duplex): void {
    // The lane never takes an upgrade request.
    socket.destroy()
    this.socket.destroy()
  }

  /** A head that has not completed within the deadline: 408, and the connection closes. */
  headTimedOut(now: number): boolean {
    if (this.busy || this.headStarted === 0 || this.pending.length === 0) return false
    if (now - this.headStarted < this.lane.deps.headTimeoutMs) return false
    // Nothing after the 408 is read: the connection is over.
    this.socket.removeListener('data', this.onData)
    this.closing = true
    this.socket.end(clientErrorResponse('request-timeout', 'the request head did not arrive in time'))
    this.pending = ''
    this.headStarted = 0
    return true
  }

  /** Gives the connection, with the bytes not yet answered, to node:http for good. */
  handOver(): void {
    const socket = this.socket
    if (laneChannel.hasSubscribers) laneChannel.publish({ event: 'handover', socket })
    this.lane.connections.delete(this)
    socket.removeListener('data', this.onData)
    socket.removeListener('end', this.onEnd)
    socket.removeListener('close', this.onClose)
    socket.removeListener('error', noop)
    socket.removeListener('timeout', this.onTimeout)
    socket.setTimeout(0)
    socket.pause()
    if (this.pending.length > 0) socket.unshift(Buffer.from(this.pending, 'latin1'))
    this.pending = ''
    this.lane.handOver(socket)
    // node:http reads from here on; what was read ahead comes first.
    process.nextTick(() => socket.resume())
  }
}

function noop(): void {}

class Lane implements FastLane {
  readonly deps: FastLaneDeps
  readonly connections = new Set<LaneConnection>()
  readonly handOver: (socket: Socket) => void
  readonly sweep: NodeJS.Timeout

  constructor(deps: FastLaneDeps, handOver: (socket: Socket) => void) {
    this.deps = deps
    this.handOver = handOver
    // Heads past their deadline are looked for once a second (node:http's connectionsCheckingInterval).
    this.sweep = setInterval(
      () => {
        const now = performance.now()
        for (const conn of this.connections) if (conn.headTimedOut(now)) this.connections.delete(conn)
      },
      Math.min(1000, deps.headTimeoutMs),
    )
    this.sweep.unref()
  }

  closeIdle(): void {
    for (const conn of this.connections) {
      conn.closing = true
      if (!conn.busy) conn.socket.destroy()
    }
  }

  closeAll(): void {
    for (const conn of this.connections) conn.socket.destroy()
  }

  close(): void {
    clearInterval(this.sweep)
  }
}

/**
 * Puts the fast lane in front of `server`: new connections come to the lane first, and node:http gets
 * each one the lane hands over.
 */
export function installFastLane(server: Server, deps: FastLaneDeps): FastLane {
  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  const lane = new Lane(deps, (socket) => {
    for (const listener of httpListeners) listener.call(server, socket)
  })
  server.on('connection', (socket: Socket) => {
    lane.connections.add(new LaneConnection(socket, lane))
  })
  return lane
}
