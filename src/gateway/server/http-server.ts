// One node:http server, one port: the gateway's own paths go to fastify (admin API, dialects, probes,
// dashboard); every other request, upgrade and CONNECT goes to the request pipeline through a thin
// adapter (NodeSink, SocketSink). Requests the fast lane does not take arrive here.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Exchange } from '../pipeline/exchange.ts'
import type { Pipeline, RequestFraming } from '../pipeline/pipeline.ts'
import { http } from '../util/node-http.ts'
import { DEFAULTS } from '../config/defaults.ts'
import { clientErrorProblem, clientErrorResponse } from './client-error.ts'
import { boundUnreadContentAfter, isClosing, lingerOnClose, lingerThenClose } from './lingering-close.ts'
import { NodeSink } from './node-sink.ts'
import { SocketSink } from './socket-sink.ts'

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface ServerParts {
  /** True for paths the gateway answers itself. */
  readonly isOwnPath: (url: string) => boolean
  readonly pipeline: Pipeline
  /** The gateway's own paths (admin API, probes, dashboard): fastify's handler once it is up. */
  readonly own: RequestHandler
  /** WebSocket upgrades on the gateway's own paths (the realtime stream). */
  readonly ownUpgrade: UpgradeHandler
  /** Deadline for a complete request head, from its first byte (RFC 9112 §9.2 leaves it to us). */
  readonly headTimeoutMs: number
}

/** Builds the predicate once: prefixes that are the gateway's own (each followed by "/", "?" or the end). */
export function ownPathPredicate(prefixes: readonly string[]): (url: string) => boolean {
  return (url) => {
    for (const p of prefixes) {
      if (url.startsWith(p)) {
        const next = url.charCodeAt(p.length)
        if (Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */) return true
      }
    }
    return false
  }
}

/** How long an idle client connection stays open (also what the fast lane uses). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000

/**
 * Per client socket: proxied responses not finished yet, and once node:http could not read what came
 * next, the last words (a problem response, or nothing) to write when they are, before closing.
 */
const kOpen = Symbol('sallyport.openResponses')
const kLastWords = Symbol('sallyport.lastWords')
const kExchange = Symbol('sallyport.exchange')
const kSocket = Symbol('sallyport.socket')
type TrackedSocket = Socket & {
  [kOpen]?: number
  [kLastWords]?: string
  _httpMessage?: ServerResponse | null
}
// node:http lets go of res.socket before 'close': the socket rides on the response too.
type TrackedResponse = ServerResponse & { [kExchange]?: Exchange; [kSocket]?: TrackedSocket }

/** How many Host field lines a request had (node:http keeps only the first in `headers`). */
function hostLines(raw: readonly string[]): number {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 4 && name.toLowerCase() === 'host') n++
  }
  return n
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length']
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined
}

function framingOf(req: IncomingMessage, upgrade: boolean): RequestFraming {
  return {
    http10: req.httpVersionMinor === 0,
    hostLines: hostLines(req.rawHeaders),
    body: hasBody(req) ? req : null,
    upgrade,
  }
}

/** HTTP/1.0 and 1.1 only (node:http reads "HTTP/2.0" too, which is never an HTTP/1 request). */
function badVersion(req: IncomingMessage): boolean {
  return req.httpVersionMajor !== 1 || req.httpVersionMinor > 1
}

// One shared listener for every response (no closure per request): the exchange rides on it.
function onResponseClose(this: TrackedResponse): void {
  this[kExchange]?.clientGone()
  const socket = this[kSocket]
  if (socket) {
    const open = (socket[kOpen] ?? 1) - 1
    socket[kOpen] = open
    const last = socket[kLastWords]
    if (open === 0 && last !== undefined) closeWith(socket, last)
  }
}

/** The last words, then a close in stages: the client may still be sending what could not be read. */
function closeWith(socket: Socket, last: string): void {
  if (last !== '' && socket.writable) socket.write(last)
  lingerThenClose(socket)
}

function proxyRequest(pipeline: Pipeline, req: IncomingMessage, res: ServerResponse): void {
  const sink = new NodeSink(req, res)
  if (badVersion(req)) {
    pipeline.refuse(req, sink, 'http-version-not-supported', 'only HTTP/1.0 and HTTP/1.1 are served here')
    return
  }
  const socket = req.socket as TrackedSocket
  socket[kOpen] = (socket[kOpen] ?? 0) + 1
  const tracked = res as TrackedResponse
  tracked[kSocket] = socket
  tracked[kExchange] = pipeline.handle(req, sink, framingOf(req, false))
  res.on('close', onResponseClose) // 'close' comes once; `once` would bind a wrapper per request
}

function proxyUpgrade(pipeline: Pipeline, req: IncomingMessage, socket: Socket, head: Buffer): void {
  socket.on('error', () => socket.destroy())
  const sink = new SocketSink(socket, req.method ?? 'GET', head)
  if (badVersion(req)) {
    pipeline.refuse(req, sink, 'http-version-not-supported', 'only HTTP/1.0 and HTTP/1.1 are served here')
    return
  }
  const ex = pipeline.handle(req, sink, framingOf(req, req.method !== 'CONNECT'))
  if (!ex.done) socket.once('close', () => ex.clientGone())
}

/**
 * A head node:http could not read (or read too slowly, or too large): answered with a problem, and
 * the connection closes. Nothing is ever written over a response on its way: the responses before
 * the bad head finish first, in order, then the answer goes out.
 */
function onClientError(err: NodeJS.ErrnoException, duplex: Duplex): void {
  const socket = duplex as TrackedSocket
  // node:http reports the same broken stream again on more bytes.
  if (socket[kLastWords] !== undefined) return
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket[kLastWords] = ''
    socket.destroy()
    return
  }
  let last = ''
  // Bytes after a request that closes the connection are no request at all (RFC 9112 §9.6).
  if (err.code !== 'HPE_CLOSED_CONNECTION') {
    const { kind, detail } = clientErrorProblem(err)
    last = clientErrorResponse(kind, detail)
  }
  socket[kLastWords] = last
  if ((socket[kOpen] ?? 0) > 0) return // the last proxied response to close writes it (onResponseClose)
  const current = socket._httpMessage
  if (current) {
    // A response of the gateway's own paths is on its way.
    current.shouldKeepAlive = false
    current.once('close', () => closeWith(socket, last))
    return
  }
  closeWith(socket, last)
}

/**
 * A request read from a connection that is closing is not served (RFC 9112 §9.6: nothing after the
 * close): no answer at all, the connection ends after the response before it.
 */
function ignoredOnClosing(req: IncomingMessage, res: ServerResponse): boolean {
  if (!isClosing(req.socket)) return false
  res.shouldKeepAlive = false
  req.resume()
  return true
}

/** An upgrade or CONNECT read from a closing connection: nothing more is written, the close goes on. */
function refusedOnClosing(socket: Socket): boolean {
  if (!isClosing(socket)) return false
  lingerThenClose(socket)
  return true
}

export function createGatewayServer(parts: ServerParts): Server {
  const { pipeline, isOwnPath } = parts
  const server = http.createServer(
    // Node's own defaults would cut long uploads and SSE; upstream timeouts are per route.
    {
      requestTimeout: 0,
      headersTimeout: parts.headTimeoutMs,
      // How often node:http looks for heads past their deadline (its default is 30 s).
      connectionsCheckingInterval: Math.min(1000, parts.headTimeoutMs),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      noDelay: true,
      // A missing Host gets the pipeline's problem answer, like every other malformed request.
      requireHostHeader: false,
      // A 64 KiB body fits without a pause/resume round per chunk (an upstream socket read hands over up to 64 KiB at once).
      highWaterMark: 256 * 1024,
    },
    (req, res) => {
      if (ignoredOnClosing(req, res)) return
      // An answer before the whole upload was read (a 413, 401, 429…): the rest is dropped, within bounds.
      boundUnreadContentAfter(req, res)
      if (isOwnPath(req.url ?? '/')) parts.own(req, res)
      else proxyRequest(pipeline, req, res)
    },
  )
  // node:http closes a connection right after the last response; ours close in stages.
  server.on('connection', lingerOnClose)
  // Expect: 100-continue goes to the upstream, whose 100 the client then gets (NodeSink.interim);
  // the gateway's own paths always take the body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // The gateway's own paths take the body, unless it is too large: then the 413 comes without a 100
    // and the client never sends it.
    const own = isOwnPath(req.url ?? '/')
    if (
      own &&
      !isClosing(req.socket) &&
      !(Number(req.headers['content-length']) > DEFAULTS.adminBodyLimitBytes)
    )
      res.writeContinue()
    server.emit('request', req, res)
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (refusedOnClosing(socket)) return
    if (isOwnPath(req.url ?? '/')) parts.ownUpgrade(req, socket, head)
    else proxyUpgrade(pipeline, req, socket, head)
  })
  // CONNECT (authority-form): this is not a forward proxy; the pipeline says so.
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!refusedOnClosing(socket)) proxyUpgrade(pipeline, req, socket, head)
  })
  server.on('clientError', onClientError)
  return server
}

/** Own paths while the admin side is still loading: probes answer, the rest says so. */
export function startingHandler(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]
  const [status, body] =
    path === '/live'
      ? [200, { status: 'ok' }]
      : path === '/ready'
        ? [503, { status: 'not_ready', reason: 'admin API is starting' }]
        : [503, { error: 'gateway is starting' }]
  res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' })
  res.end(JSON.stringify(body))
}
