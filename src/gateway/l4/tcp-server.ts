// A minimal L4 TCP proxy: accept, pick a backend, pipe both ways, count connections and bytes.
// Backends are marked not live after a refused connect and live again after a successful one.
// With `tls` it terminates TLS first and proxies the plaintext (gobetween's `protocol = "tls"`).
import { type Server, type Socket, createConnection, createServer } from 'node:net'
import { createServer as createTlsServer, type TlsOptions } from 'node:tls'
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

export interface TcpServerOptions {
  readonly host: string
  readonly port: number
  readonly balance: BalanceKind
  readonly backends: readonly BackendAddress[]
  readonly maxConnections: number
  readonly clientIdleTimeoutMs: number
  readonly backendIdleTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly access?: AccessRules | undefined
  /** Terminate TLS with these options; counters then see the plaintext bytes. */
  readonly tls?: TlsOptions | undefined
}

export type TcpServer = L4Server

export function createTcpServer(opts: TcpServerOptions): TcpServer {
  const backends = createBackends(opts.backends)
  const pick = createPicker<Backend>(opts.balance)
  const allowed = compileAccess(opts.access)
  const sockets = new Set<Socket>()
  let active = 0
  let server: Server | undefined
  let stopSampler: (() => void) | undefined
  let closing: Promise<void> | undefined

  function track(s: Socket) {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  }

  function handle(client: Socket) {
    track(client)
    client.on('error', () => client.destroy())
    if (
      (allowed && !allowed(client.remoteAddress ?? '')) ||
      (opts.maxConnections > 0 && active >= opts.maxConnections)
    ) {
      client.destroy()
      return
    }
    const backend = pick(backends, { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 })
    if (!backend) {
      client.destroy()
      return
    }
    active++
    backend.active++
    backend.total++
    client.once('close', () => {
      active--
      backend.active--
    })
    client.pause()
    const upstream = createConnection({ host: backend.host, port: backend.port })
    track(upstream)
    let connected = false
    if (opts.connectTimeoutMs > 0)
      upstream.setTimeout(opts.connectTimeoutMs, () => upstream.destroy(new Error('connect timeout')))
    upstream.once('connect', () => {
      connected = true
      backend.live = true
      upstream.setTimeout(opts.backendIdleTimeoutMs, () => upstream.destroy())
      if (opts.clientIdleTimeoutMs > 0) client.setTimeout(opts.clientIdleTimeoutMs, () => client.destroy())
      client.on('data', (chunk: Buffer) => {
        backend.tx += chunk.length
      })
      upstream.on('data', (chunk: Buffer) => {
        backend.rx += chunk.length
      })
      client.pipe(upstream)
      upstream.pipe(client)
      client.resume()
    })
    upstream.on('error', () => {
      if (!connected) {
        backend.refused++
        backend.live = false
      }
      upstream.destroy()
      client.destroy()
    })
    upstream.once('close', () => client.end())
    client.once('close', () => upstream.destroy())
  }

  return {
    listen() {
      return new Promise((ok, fail) => {
        const s = opts.tls
          ? createTlsServer(
              // A client idle timeout also bounds a handshake that stalls (Node's default is 120 s).
              opts.clientIdleTimeoutMs > 0
                ? { handshakeTimeout: opts.clientIdleTimeoutMs, ...opts.tls }
                : opts.tls,
              handle,
            )
          : createServer({ pauseOnConnect: false }, handle)
        // Raw sockets too, so close() also ends connections still in (or failing) their TLS handshake;
        // a denied client is dropped before the handshake costs anything.
        if (opts.tls) {
          s.on('connection', (raw: Socket) => {
            track(raw)
            if (allowed && !allowed(raw.remoteAddress ?? '')) raw.destroy()
          })
          // Without this listener Node leaves the connection of a timed-out handshake open.
          s.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy())
        }
        s.once('error', fail)
        s.listen(opts.port, opts.host, () => {
          s.off('error', fail)
          server = s
          stopSampler = sampleEverySecond(backends)
          const addr = s.address()
          ok(
            typeof addr === 'object' && addr
              ? { host: addr.address, port: addr.port }
              : { host: opts.host, port: opts.port },
          )
        })
      })
    },
    stats: () => statsOf(backends, active),
    close() {
      closing ??= new Promise<void>((ok) => {
        stopSampler?.()
        for (const s of sockets) s.destroy()
        if (!server) return ok()
        server.close(() => ok())
      })
      return closing
    },
  }
}
