// One node:http server, one port: the gateway's own paths go to fastify (admin API, dialects,
// probes, dashboard), everything else straight to the proxy without any framework in between.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { http } from '../util/node-http.ts'
import type { Duplex } from 'node:stream'

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface ServerParts {
  /** True for paths the gateway answers itself. */
  readonly isOwnPath: (url: string) => boolean
  readonly forward: RequestHandler
  readonly tunnel: UpgradeHandler
  /** WebSocket upgrades on the gateway's own paths (the realtime stream). */
  readonly ownUpgrade: UpgradeHandler
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

export interface OwnParts {
  /** The gateway's own paths (admin API, probes, dashboard): fastify's handler once it is up. */
  readonly own: RequestHandler
}

/** How long an idle client connection stays open (also what the fast lane uses). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000

/** The one server: own paths to `own`, everything else straight to the proxy. */
export function createGatewayServer(parts: ServerParts & OwnParts): Server {
  const server = http.createServer(
    // Node's own defaults would cut long uploads and SSE; upstream timeouts are per route.
    {
      requestTimeout: 0,
      headersTimeout: 60_000,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      noDelay: true,
      // A 64 KiB body fits without a pause/resume round per chunk (an upstream socket read hands over up to 64 KiB at once).
      highWaterMark: 256 * 1024,
    },
    (req, res) => {
      if (parts.isOwnPath(req.url ?? '/')) parts.own(req, res)
      else parts.forward(req, res)
    },
  )
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (parts.isOwnPath(req.url ?? '/')) parts.ownUpgrade(req, socket, head)
    else parts.tunnel(req, socket, head)
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy()
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
  })
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
