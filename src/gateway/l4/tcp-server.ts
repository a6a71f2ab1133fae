// A minimal L4 TCP proxy: accept, pick a backend, pipe both ways, count connections and bytes.
// Backends are marked not live after a refused connect and live again after a successful one.
import { BlockList, isIP, type Server, type Socket, createConnection, createServer } from 'node:net'
import { type BalanceKind, type Candidate, createPicker } from './balance.ts'

export interface BackendAddress {
  readonly host: string
  readonly port: number
  readonly weight: number
  readonly priority: number
}

export interface AccessRules {
  readonly default: 'allow' | 'deny'
  /** "allow 10.0.0.0/8", "deny 192.168.1.7" — first match wins. */
  readonly rules: readonly string[]
}

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
}

export interface BackendStats {
  live: boolean
  total_connections: number
  active_connections: number
  refused_connections: number
  rx: number
  tx: number
  rx_second: number
  tx_second: number
}

interface Backend extends Candidate, BackendAddress {
  total: number
  refused: number
  rx: number
  tx: number
  lastRx: number
  lastTx: number
}

export interface TcpServer {
  listen(): Promise<{ host: string; port: number }>
  stats(): {
    active_connections: number
    rx_total: number
    tx_total: number
    rx_second: number
    tx_second: number
    backends: (BackendAddress & { stats: BackendStats })[]
  }
  close(): Promise<void>
}

function compileAccess(access: AccessRules | undefined): ((ip: string) => boolean) | undefined {
  if (!access) return undefined
  const rules = access.rules.map((rule) => {
    const [verb, target = ''] = rule.trim().split(/\s+/)
    const list = new BlockList()
    const [addr = '', bits] = target.split('/')
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(addr, family)
    else list.addSubnet(addr, Number(bits), family)
    return { allow: verb === 'allow', list }
  })
  return (ip) => {
    const plain = ip.replace(/^::ffff:/, '')
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4'
    for (const r of rules) if (r.list.check(plain, family)) return r.allow
    return access.default === 'allow'
  }
}

export function createTcpServer(opts: TcpServerOptions): TcpServer {
  const backends: Backend[] = opts.backends.map((b) => ({
    ...b,
    live: true,
    active: 0,
    total: 0,
    refused: 0,
    rx: 0,
    tx: 0,
    rxSecond: 0,
    txSecond: 0,
    lastRx: 0,
    lastTx: 0,
  }))
  const pick = createPicker<Backend>(opts.balance)
  const allowed = compileAccess(opts.access)
  const sockets = new Set<Socket>()
  let active = 0
  let server: Server | undefined
  let sampler: NodeJS.Timeout | undefined
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

  const sample = () => {
    for (const b of backends) {
      b.rxSecond = b.rx - b.lastRx
      b.txSecond = b.tx - b.lastTx
      b.lastRx = b.rx
      b.lastTx = b.tx
    }
  }

  return {
    listen() {
      return new Promise((ok, fail) => {
        const s = createServer({ pauseOnConnect: false }, handle)
        s.once('error', fail)
        s.listen(opts.port, opts.host, () => {
          s.off('error', fail)
          server = s
          sampler = setInterval(sample, 1000)
          sampler.unref()
          const addr = s.address()
          ok(
            typeof addr === 'object' && addr
              ? { host: addr.address, port: addr.port }
              : { host: opts.host, port: opts.port },
          )
        })
      })
    },
    stats() {
      const sum = (f: (b: Backend) => number) => backends.reduce((n, b) => n + f(b), 0)
      return {
        active_connections: active,
        rx_total: sum((b) => b.rx),
        tx_total: sum((b) => b.tx),
        rx_second: sum((b) => b.rxSecond),
        tx_second: sum((b) => b.txSecond),
        backends: backends.map((b) => ({
          host: b.host,
          port: b.port,
          priority: b.priority,
          weight: b.weight,
          stats: {
            live: b.live,
            total_connections: b.total,
            active_connections: b.active,
            refused_connections: b.refused,
            rx: b.rx,
            tx: b.tx,
            rx_second: b.rxSecond,
            tx_second: b.txSecond,
          },
        })),
      }
    },
    close() {
      closing ??= new Promise<void>((ok) => {
        if (sampler) clearInterval(sampler)
        for (const s of sockets) s.destroy()
        if (!server) return ok()
        server.close(() => ok())
      })
      return closing
    },
  }
}
