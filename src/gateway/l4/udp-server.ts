// An L4 UDP proxy as gobetween runs one: each client (address:port) gets a session, one socket
// connected to a backend chosen by the server's balancing, so answers go back to the client that asked
// and to no one else. A session ends after max_requests datagrams from the client (it then stops taking
// requests: the next datagram opens a new session; the old one still relays answers), after
// max_responses datagrams back, after an idle time with no datagram either way, or when the backend
// refuses (ICMP port unreachable; the backend is then not live until it answers again).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIP } from 'node:net'
import { type AccessRules, compileAccess } from './access.ts'
import { type BalanceKind, createPicker } from './balance.ts'
import {
  type Backend,
  type BackendAddress,
  createBackends,
  type L4Server,
  sampleEverySecond,
  statsOf,
} from './backends.ts'

/** Sessions open at once when max_connections is 0: a client past it has its datagrams dropped. */
export const UDP_SESSION_LIMIT = 10_000
/** Idle time that ends a session when neither client_idle_timeout nor backend_idle_timeout is set. */
export const UDP_SESSION_IDLE_MS = 60_000
/** Datagrams held per session while its socket connects; UDP may drop, so more are dropped. */
const PENDING_LIMIT = 64

export interface UdpServerOptions {
  readonly host: string
  readonly port: number
  readonly balance: BalanceKind
  readonly backends: readonly BackendAddress[]
  /** Sessions open at once; 0 means UDP_SESSION_LIMIT. */
  readonly maxSessions: number
  /** A session with no datagram either way for this long ends; 0 means UDP_SESSION_IDLE_MS. */
  readonly idleTimeoutMs: number
  /** Datagrams from the client per session (0: no limit). */
  readonly maxRequests: number
  /** Datagrams back to the client per session (0: no limit). */
  readonly maxResponses: number
  readonly access?: AccessRules | undefined
}

interface Session {
  readonly key: string
  readonly client: RemoteInfo
  readonly backend: Backend
  readonly socket: Socket
  readonly timer: NodeJS.Timeout
  pending: Buffer[] | undefined
  requests: number
  responses: number
  closed: boolean
}

const familyOf = (host: string) => (isIP(host) === 6 ? 'udp6' : 'udp4')

export function createUdpServer(opts: UdpServerOptions): L4Server {
  const backends = createBackends(opts.backends)
  const pick = createPicker<Backend>(opts.balance)
  const allowed = compileAccess(opts.access)
  const limit = opts.maxSessions > 0 ? opts.maxSessions : UDP_SESSION_LIMIT
  const idleMs = opts.idleTimeoutMs > 0 ? opts.idleTimeoutMs : UDP_SESSION_IDLE_MS
  /** Sessions still taking requests, by client address:port. */
  const byClient = new Map<string, Session>()
  /** Every open session (those past max_requests still relay answers). */
  const open = new Set<Session>()
  let server: Socket | undefined
  let stopSampler: (() => void) | undefined
  let closing: Promise<void> | undefined

  function end(s: Session) {
    if (s.closed) return
    s.closed = true
    clearTimeout(s.timer)
    if (byClient.get(s.key) === s) byClient.delete(s.key)
    open.delete(s)
    s.backend.active--
    s.socket.close()
  }

  function openSession(client: RemoteInfo, key: string): Session | undefined {
    const backend = pick(backends, client)
    if (!backend) return undefined
    const socket = createSocket(familyOf(backend.host))
    const s: Session = {
      key,
      client,
      backend,
      socket,
      timer: setTimeout(() => end(s), idleMs),
      pending: [],
      requests: 0,
      responses: 0,
      closed: false,
    }
    byClient.set(key, s)
    open.add(s)
    backend.total++
    backend.active++
    socket.on('message', (msg) => {
      backend.live = true
      backend.rx += msg.length
      s.timer.refresh()
      server?.send(msg, client.port, client.address)
      if (opts.maxResponses > 0 && ++s.responses >= opts.maxResponses) end(s)
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        backend.refused++
        backend.live = false
      }
      end(s)
    })
    socket.connect(backend.port, backend.host, () => {
      if (s.closed) return
      for (const msg of s.pending ?? []) socket.send(msg)
      s.pending = undefined
    })
    return s
  }

  function onClientDatagram(msg: Buffer, client: RemoteInfo) {
    if (allowed && !allowed(client.address)) return
    const key = `${client.address}|${client.port}`
    let s = byClient.get(key)
    if (!s) {
      if (open.size >= limit) return
      s = openSession(client, key)
      if (!s) return
    }
    s.requests++
    s.backend.tx += msg.length
    s.timer.refresh()
    if (s.pending === undefined) s.socket.send(msg)
    else if (s.pending.length < PENDING_LIMIT) s.pending.push(msg)
    // Past max_requests this session takes no more: the client's next datagram opens a new one.
    if (opts.maxRequests > 0 && s.requests >= opts.maxRequests) byClient.delete(key)
  }

  return {
    listen() {
      return new Promise((ok, fail) => {
        const s = createSocket(familyOf(opts.host))
        const refused = (err: Error) => {
          s.close()
          fail(err)
        }
        s.once('error', refused)
        s.bind(opts.port, opts.host, () => {
          s.off('error', refused)
          // A send to a client that has gone away is UDP's ordinary loss, not the server's end.
          s.on('error', () => {})
          s.on('message', onClientDatagram)
          server = s
          stopSampler = sampleEverySecond(backends)
          const addr = s.address()
          ok({ host: addr.address, port: addr.port })
        })
      })
    },
    stats: () => statsOf(backends, open.size),
    close() {
      closing ??= new Promise<void>((ok) => {
        stopSampler?.()
        for (const s of [...open]) end(s)
        if (!server) return ok()
        server.close(() => ok())
      })
      return closing
    },
  }
}
