// WebSocket (and any HTTP/1.1 Upgrade) proxying over node:http: the upgrade request goes upstream,
// a 101 answer turns both sockets into one tunnel, any other answer reaches the client as it came.
// (undici's upgrade() turns a non-101 reply into an error, losing the upstream's status.)
import type { IncomingMessage } from 'node:http'
import { http } from '../util/node-http.ts'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import type { RouteTableSwitcher } from '../router/switcher.ts'
import { hostOf } from '../router/predicates.ts'
import type { CompiledTarget } from '../router/route-table.ts'
import { normalizePath, upstreamPathOf, type GatewayTraffic } from './forward.ts'
import { connectionTokens, HOP_BY_HOP } from './hop-headers.ts'
import { problemBody, type ProblemKind } from './problem.ts'
import { traceOf } from './trace.ts'

export interface TunnelDeps {
  readonly switcher: RouteTableSwitcher
  readonly traffic: GatewayTraffic & { activeWs: number }
}

function headBlock(status: number, statusMessage: string, rawHeaders: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${statusMessage}\r\n`
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`
  return `${head}\r\n`
}

function refuse(socket: Duplex, kind: ProblemKind, detail: string, instance: string, traceId: string): void {
  const { status, body } = problemBody(kind, { detail, instance, traceId })
  const statusText =
    { 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status] ??
    'Error'
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}

function tunnelHeaders(
  req: IncomingMessage,
  target: CompiledTarget,
  traceparent: string,
  add: readonly (readonly [string, string])[],
  remove: ReadonlySet<string>,
): Record<string, string | string[]> {
  const listed = connectionTokens(req.headers.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in req.headers) {
    // Upgrade and Connection are hop-by-hop too, but an upgrade must carry them to the next hop.
    if (name === 'upgrade') {
      out.upgrade = req.headers.upgrade as string
      continue
    }
    if (HOP_BY_HOP.has(name) || name === 'host' || listed?.has(name) || remove.has(name)) continue
    const v = req.headers[name]
    if (v !== undefined) out[name] = v
  }
  out.connection = 'Upgrade'
  out.host = target.hostHeader
  const prior = req.headers['x-forwarded-for']
  const remote = req.socket.remoteAddress ?? ''
  out['x-forwarded-for'] = prior ? `${prior}, ${remote}` : remote
  out['x-forwarded-proto'] = 'http'
  out['x-forwarded-host'] = req.headers.host ?? ''
  out.traceparent = traceparent
  for (const [k, v] of add) out[k] = v
  return out
}

export function createUpgradeHandler(
  deps: TunnelDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return function upgrade(req, socket, head) {
    socket.on('error', () => socket.destroy())
    const table = deps.switcher.current
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = normalizePath(q < 0 ? url : url.slice(0, q))
    const trace = traceOf(req.headers.traceparent)
    const match = table.match(path, req, hostOf(req.headers.host))
    if (!match)
      return refuse(socket, 'route-not-found', `no route matches ${req.method} ${path}`, url, trace.traceId)
    const route = match.route
    const i = route.balancer.pick(req)
    if (i < 0)
      return refuse(
        socket,
        'service-unavailable',
        `route ${route.id} has no healthy upstream target`,
        url,
        trace.traceId,
      )
    const target = route.targets[i] as CompiledTarget
    const upstreamPath = upstreamPathOf(route, target, path, match.matchedLength, q < 0 ? '' : url.slice(q))
    const secure = target.spec.url.startsWith('https') || target.spec.url.startsWith('wss')
    const started = performance.now()
    route.counters.totalRequests++
    target.counters.totalRequests++
    deps.traffic.counters.totalRequests++
    const upstreamReq = (secure ? httpsRequest : http.request)(`${target.spec.origin}${upstreamPath}`, {
      method: req.method,
      headers: tunnelHeaders(req, target, trace.traceparent, route.headersAdd, route.headersRemove),
      timeout: route.timeoutMs,
    })
    const fail = (err: Error & { code?: string }, kind: 'bad-gateway' | 'gateway-timeout') => {
      route.counters.totalErrors++
      target.counters.totalErrors++
      deps.traffic.counters.totalErrors++
      refuse(
        socket,
        kind,
        `upstream ${target.spec.url} failed: ${err.code ?? err.message}`,
        url,
        trace.traceId,
      )
    }
    upstreamReq.on('timeout', () => {
      upstreamReq.destroy()
      fail(new Error(`no answer within ${route.timeoutMs} ms`), 'gateway-timeout')
    })
    upstreamReq.on('error', (err) => {
      if (!socket.destroyed) fail(err, 'bad-gateway')
    })
    upstreamReq.on('response', (res) => {
      // Not upgraded: relay the answer as it came, then close.
      socket.write(headBlock(res.statusCode ?? 502, res.statusMessage ?? '', res.rawHeaders))
      res.pipe(socket)
    })
    upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      upstreamReq.setTimeout(0)
      const lat = performance.now() - started
      route.counters.latencyCount++
      route.counters.latencySumMs += lat
      deps.traffic.activeWs++
      target.state.inflight++
      socket.write(headBlock(101, res.statusMessage ?? 'Switching Protocols', res.rawHeaders))
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstreamSocket.write(head)
      upstreamSocket.on('error', () => socket.destroy())
      let closed = false
      const close = () => {
        if (closed) return
        closed = true
        deps.traffic.activeWs--
        target.state.inflight--
        socket.destroy()
        upstreamSocket.destroy()
      }
      socket.on('close', close)
      upstreamSocket.on('close', close)
      upstreamSocket.pipe(socket)
      socket.pipe(upstreamSocket)
    })
    socket.on('close', () => upstreamReq.destroy())
    upstreamReq.end()
  }
}
