// The fast lane: plain GET requests to routes without policies, read and answered on the socket without
// node:http. node:http's request and response machinery cost 43–48 µs of CPU per small request on the
// bench machine against 19–28 µs for the same answer parsed and written by hand (BENCHMARKS.md, sixth
// session), about a third of what a proxied request costs the gateway in all.
//
// The lane takes a connection first and reads each request head itself. Anything it does not handle
// (another method, a body, an upgrade, Expect, HTTP/1.0, a duplicate or odd header, the gateway's own
// paths, a route with policies, no route, no healthy target, draining) is handed to node:http at that
// request boundary, bytes included, and the connection stays with node:http from then on. So every rule
// node:http enforces still applies to everything the lane does not answer, and the lane only has to be
// right about the one shape it answers.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { CompiledTarget } from '../router/route-table.ts'
import type { RouteTableSwitcher } from '../router/switcher.ts'
import { hostOf } from '../router/predicates.ts'
import type { RequestHead } from '../router/request-head.ts'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import {
  countDispatch,
  errorKind,
  explainFailure,
  type GatewayTraffic,
  normalizePath,
  ProxyExchange,
  upstreamHeaders,
  upstreamPathOf,
} from '../proxy/forward.ts'
import { problemResponse } from '../proxy/problem.ts'
import { traceOf } from '../proxy/trace.ts'
import { http } from '../util/node-http.ts'

export interface FastLaneDeps {
  readonly switcher: RouteTableSwitcher
  readonly traffic: GatewayTraffic
  /** True for the gateway's own paths (admin API, probes, dashboard): node:http serves those. */
  readonly isOwnPath: (url: string) => boolean
  readonly isDraining: () => boolean
  /** Seconds an idle keep-alive connection stays open (node:http's keepAliveTimeout). */
  readonly keepAliveS: number
}

export interface FastLane {
  /** Closes the lane's connections that have no request in flight; the others close after it. */
  closeIdle(): void
  /** Closes every connection the lane holds (drain timed out). */
  closeAll(): void
}

/** Same as node:http's default (16 KiB): a longer head goes to node:http, which answers 431. */
const MAX_HEAD = 16 * 1024
/** Bytes read ahead (pipelined requests) while a response is in flight before reading pauses. */
const MAX_AHEAD = 64 * 1024
/** A header line or request line with anything but visible ASCII, obs-text, space and tab. */
const UNSAFE = /[^\t\x20-\x7e\x80-\xff]/
/** token characters (RFC 9110 §5.6.2) */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Request headers that mean a body, an upgrade or an expectation: node:http's to handle. */
const NOT_PLAIN = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect'])

/** A request the lane parsed; carries what routing, forwarding and the request log read. */
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
 * `GET <origin-form> HTTP/1.1` with unique, plain headers, a Host and no body: node:http takes those.
 */
export function parsePlainGet(head: string, socket: Socket): LaneRequest | undefined {
  let eol = head.indexOf('\r\n')
  if (eol < 0) eol = head.length
  if (!head.startsWith('GET /') || !head.endsWith(' HTTP/1.1', eol)) return undefined
  const url = head.slice(4, eol - 9)
  if (url.includes(' ') || UNSAFE.test(url)) return undefined
  const headers: Record<string, string> = {}
  let pos = eol + 2
  while (pos < head.length) {
    let next = head.indexOf('\r\n', pos)
    if (next < 0) next = head.length
    const colon = head.indexOf(':', pos)
    if (colon <= pos || colon > next) return undefined
    const raw = head.slice(pos, colon)
    if (!TOKEN.test(raw)) return undefined
    const name = raw.toLowerCase()
    const value = trimOws(head, colon + 1, next)
    if (UNSAFE.test(value) || headers[name] !== undefined || NOT_PLAIN.has(name)) return undefined
    headers[name] = value
    pos = next + 2
  }
  if (headers.host === undefined || headers.connection?.toLowerCase() === 'close') return undefined
  return new LaneRequest(url, headers, socket)
}

/** The field value between `from` and `to` without the optional whitespace (SP, HTAB) around it. */
function trimOws(head: string, from: number, to: number): string {
  let a = from
  let b = to
  while (a < b && (head.charCodeAt(a) === 32 || head.charCodeAt(a) === 9)) a++
  while (b > a && (head.charCodeAt(b - 1) === 32 || head.charCodeAt(b - 1) === 9)) b--
  return head.slice(a, b)
}

function invalidHeader(name: string): Error {
  return Object.assign(new Error(`upstream sent an invalid response header "${name.slice(0, 40)}"`), {
    code: 'ERR_INVALID_CHAR',
  })
}

let dateSecond = 0
let dateText = ''
/** The Date header node:http would send, built once a second. */
function httpDate(): string {
  const now = Date.now()
  const s = Math.floor(now / 1000)
  if (s !== dateSecond) {
    dateSecond = s
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/** Writes one response to the lane's socket: head with the first body bytes, chunked when unsized. */
class LaneExchange extends ProxyExchange implements DispatchHandler {
  readonly conn: LaneConnection
  /** The response head, until it goes out with the first body bytes (or alone at the end). */
  head: string | undefined
  chunked = false
  headSent = false

  constructor(
    conn: LaneConnection,
    req: LaneRequest,
    route: ProxyExchange['route'],
    target: CompiledTarget,
    traffic: GatewayTraffic,
    traceId: string,
    upstreamPath: string,
  ) {
    super(req, route, target, traffic, traceId, upstreamPath)
    this.conn = conn
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    this.noteResponse(statusCode, headers)
    if (this.conn.socket.destroyed) {
      controller.abort(new Error('client went away'))
      return
    }
    const bodyless = statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)
    this.chunked = !bodyless && headers['content-length'] === undefined
    let head = `HTTP/1.1 ${statusCode} ${http.STATUS_CODES[statusCode] ?? 'unknown'}\r\n`
    for (const name in headers) {
      const v = headers[name] as string | string[]
      // What node:http's writeHead refuses is refused here too (the exchange then ends in a 502): a
      // stray CR or LF from the upstream must not become a header line of its own.
      if (!TOKEN.test(name)) throw invalidHeader(name)
      if (typeof v === 'string') {
        if (UNSAFE.test(v)) throw invalidHeader(name)
        head += `${name}: ${v}\r\n`
      } else
        for (const item of v) {
          if (UNSAFE.test(item)) throw invalidHeader(name)
          head += `${name}: ${item}\r\n`
        }
    }
    if (headers.date === undefined) head += `date: ${httpDate()}\r\n`
    head += this.conn.connectionFields()
    if (this.chunked) head += 'transfer-encoding: chunked\r\n'
    this.head = `${head}\r\n`
    // An event stream's head goes out at once: the first event may be a while.
    if (this.sse) this.flushHead()
  }

  private flushHead(): void {
    if (this.head === undefined) return
    this.conn.socket.write(this.head, 'latin1')
    this.head = undefined
    this.headSent = true
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    const socket = this.conn.socket
    if (socket.destroyed) return
    // One writev for head, framing and body; the chunk's bytes belong to the upstream connection's read
    // buffer until the write is done.
    socket.cork()
    this.flushHead()
    if (this.chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1')
    const ok = socket.write(chunk, controller.hold())
    if (this.chunked) socket.write('\r\n', 'latin1')
    socket.uncork()
    if (!ok) {
      controller.pause()
      socket.once('drain', () => controller.resume())
    }
  }

  onResponseEnd(): void {
    const socket = this.conn.socket
    if (!socket.destroyed) {
      socket.cork()
      this.flushHead()
      if (this.chunked) socket.write('0\r\n\r\n', 'latin1')
      socket.uncork()
    }
    this.finish(undefined)
    this.conn.exchangeDone()
  }

  onResponseError(_controller: DispatchController, err: Error): void {
    const socket = this.conn.socket
    if (!this.done && !socket.destroyed) {
      if (this.headSent) socket.destroy()
      else {
        const kind = errorKind(err)
        const problem = problemResponse(kind, {
          detail: explainFailure(err, this.target, this.route.timeoutMs),
          instance: this.req.url ?? '/',
          traceId: this.traceId,
        })
        this.status = problem.status
        this.chunked = false
        this.head = undefined
        let head = `HTTP/1.1 ${problem.status} ${http.STATUS_CODES[problem.status]}\r\n`
        for (const [name, value] of Object.entries(problem.headers)) head += `${name}: ${value}\r\n`
        head += `date: ${httpDate()}\r\n`
        head += this.conn.connectionFields()
        socket.cork()
        socket.write(`${head}\r\n`, 'latin1')
        socket.write(problem.body, 'utf8')
        socket.uncork()
      }
    }
    this.finish(err)
    this.conn.exchangeDone()
  }
}

/** One client connection while the lane holds it: one request at a time, in order. */
class LaneConnection {
  readonly socket: Socket
  readonly lane: Lane
  pending = ''
  exchange: LaneExchange | undefined
  /** The next response says `connection: close` and the connection ends after it (draining). */
  closing = false
  readonly keepAliveS: number
  readonly onData = (chunk: Buffer) => {
    this.pending += chunk.toString('latin1')
    if (this.exchange) {
      if (this.pending.length > MAX_AHEAD) this.socket.pause()
      return
    }
    this.next()
  }

  readonly onClose = () => {
    this.lane.connections.delete(this)
    this.exchange?.clientGone()
  }
  /** Idle (or a head that never completes) for keepAliveS: closed, as node:http does. */
  readonly onTimeout = () => {
    if (!this.exchange) this.socket.destroy()
  }

  constructor(socket: Socket, lane: Lane) {
    this.socket = socket
    this.lane = lane
    this.keepAliveS = lane.deps.keepAliveS
    socket.on('data', this.onData)
    socket.on('close', this.onClose)
    // Errors end in 'close'; without a listener they would throw.
    socket.on('error', noop)
    socket.on('timeout', this.onTimeout)
    socket.setTimeout(this.keepAliveS * 1000)
  }

  /** The Connection (and Keep-Alive) fields of the next response, as node:http would send them. */
  connectionFields(): string {
    return this.closing
      ? 'connection: close\r\n'
      : `connection: keep-alive\r\nkeep-alive: timeout=${this.keepAliveS}\r\n`
  }

  /** Reads the next complete request head, if any, and forwards it or hands the connection over. */
  next(): void {
    const end = this.pending.indexOf('\r\n\r\n')
    if (end < 0) {
      if (this.pending.length > MAX_HEAD) this.handOver()
      return
    }
    if (end > MAX_HEAD) {
      this.handOver()
      return
    }
    const all = this.pending
    const req = parsePlainGet(all.slice(0, end), this.socket)
    // Taken off first: a dispatch that fails at once ends the exchange and reads on before returning.
    this.pending = all.slice(end + 4)
    if (!req || !this.lane.forward(this, req)) {
      this.pending = all
      this.handOver()
    }
  }

  exchangeDone(): void {
    this.exchange = undefined
    if (this.socket.destroyed) return
    if (this.closing) {
      this.socket.end()
      return
    }
    if (this.socket.isPaused()) this.socket.resume()
    if (this.pending.length > 0) this.next()
  }

  /** Gives the connection, with the bytes not yet answered, to node:http for good. */
  handOver(): void {
    const socket = this.socket
    this.lane.connections.delete(this)
    socket.removeListener('data', this.onData)
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

  constructor(deps: FastLaneDeps, handOver: (socket: Socket) => void) {
    this.deps = deps
    this.handOver = handOver
  }

  /** Forwards `req` like the node:http plain path; false (nothing counted) when the lane should not. */
  forward(conn: LaneConnection, req: LaneRequest): boolean {
    const { switcher, traffic } = this.deps
    const url = req.url
    if (this.deps.isOwnPath(url) || this.deps.isDraining()) return false
    const table = switcher.current
    const q = url.indexOf('?')
    const path = normalizePath(q < 0 ? url : url.slice(0, q))
    const query = q < 0 ? '' : url.slice(q)
    const match = table.match(path, req, hostOf(req.headers.host))
    // No route, policies or no healthy target: node:http's path answers those (404, policies, 503).
    if (!match || match.route.policies !== undefined) return false
    const route = match.route
    const i = route.balancer.pick(req)
    if (i < 0) return false
    const target = route.targets[i] as CompiledTarget
    traffic.rate.mark(Date.now())
    traffic.counters.totalRequests++
    route.counters.totalRequests++
    countDispatch(route, target, traffic)
    const trace = traceOf(req.headers.traceparent)
    const upstreamPath = upstreamPathOf(route, target, path, match.matchedLength, query)
    const exchange = new LaneExchange(conn, req, route, target, traffic, trace.traceId, upstreamPath)
    conn.exchange = exchange
    target.pool.dispatch(
      {
        path: upstreamPath,
        method: 'GET',
        headers: upstreamHeaders(req, route, target, trace.traceparent),
        body: null,
        headersTimeout: route.timeoutMs,
      },
      exchange,
    )
    return true
  }

  closeIdle(): void {
    for (const conn of this.connections) {
      conn.closing = true
      if (!conn.exchange) conn.socket.destroy()
    }
  }

  closeAll(): void {
    for (const conn of this.connections) conn.socket.destroy()
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
