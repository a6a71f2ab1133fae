// Keep-alive connections to one upstream origin (scheme://host:port). The proxy's hot path: a
// request takes the most recently used idle connection (warm, least likely to have been closed by
// the upstream), or opens one; when a connection cap is set, the rest wait in order. An upgrade
// request always opens a connection of its own (outside the cap: a tunnel may last for hours).
import {
  type ConnectionOwner,
  UpstreamExchange,
  type UpstreamExchangeOwner,
  UpstreamConnection,
} from './connection.ts'
import type { Dispatcher, DispatchHandler, DispatchOptions } from './types.ts'
import { UpstreamError } from './types.ts'

export interface UpstreamPoolOptions {
  /** Most connections open at once; undefined: no cap. */
  readonly connections?: number | undefined
  /** 0: no limit. */
  readonly connectTimeoutMs?: number
  /** Idle connections are closed after this (or sooner, when the upstream says it closes sooner). */
  readonly keepAliveTimeoutMs?: number
}

// Close an idle connection this long before the upstream's announced limit, so we never race it.
const HINT_MARGIN_MS = 1000
const REAP_EVERY_MS = 1000

export class UpstreamPool implements ConnectionOwner, UpstreamExchangeOwner, Dispatcher {
  readonly origin: string
  readonly host: string
  readonly port: number
  readonly tls: boolean
  readonly connectTimeoutMs: number
  private readonly keepAliveTimeoutMs: number
  private readonly cap: number
  private readonly idle: UpstreamConnection[] = []
  private readonly queue: UpstreamExchange[] = []
  private open = 0
  private running = 0
  private reaper: NodeJS.Timeout | undefined
  private closing: { promise: Promise<void>; resolve: () => void } | undefined

  constructor(origin: string, opts: UpstreamPoolOptions = {}) {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`upstream ${origin}: only http and https are supported`)
    this.origin = url.origin
    this.tls = url.protocol === 'https:'
    this.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    this.port = url.port === '' ? (this.tls ? 443 : 80) : Number(url.port)
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000
    this.keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? 4_000
    this.cap = opts.connections ?? Number.POSITIVE_INFINITY
  }

  /** Connections open, idle ones among them, exchanges running and waiting. */
  get stats(): { connected: number; free: number; running: number; pending: number } {
    return { connected: this.open, free: this.idle.length, running: this.running, pending: this.queue.length }
  }

  dispatch(opts: DispatchOptions, handler: DispatchHandler): void {
    const ex = new UpstreamExchange(opts, handler, this)
    this.running++
    handler.onRequestStart?.(ex)
    if (ex.aborted) return
    if (this.closing) {
      ex.fail(new UpstreamError('UPSTREAM_POOL_CLOSED', `the pool for ${this.origin} is closed`))
      return
    }
    if (opts.upgrade === true) {
      this.connect(true).run(ex)
      return
    }
    const conn = this.takeIdle()
    if (conn !== undefined) conn.run(ex)
    else if (this.open < this.cap) this.connect().run(ex)
    else this.queue.push(ex)
  }

  private takeIdle(): UpstreamConnection | undefined {
    const idle = this.idle
    if (idle.length === 0) return undefined
    const now = Date.now()
    let conn = idle.pop()
    while (conn !== undefined && conn.idleDeadline <= now) {
      conn.destroy(undefined)
      conn = idle.pop()
    }
    return conn
  }

  /** `dedicated`: for an upgrade, never pooled (and not held to the cap). */
  private connect(dedicated = false): UpstreamConnection {
    this.open++
    return new UpstreamConnection(this, dedicated)
  }

  release(conn: UpstreamConnection): void {
    const next = this.queue.shift()
    if (next !== undefined) {
      conn.run(next)
      return
    }
    if (this.closing) {
      conn.destroy(undefined)
      return
    }
    const limit =
      conn.hintMs > 0
        ? Math.min(this.keepAliveTimeoutMs, conn.hintMs - HINT_MARGIN_MS)
        : this.keepAliveTimeoutMs
    if (limit <= 0) {
      conn.destroy(undefined)
      return
    }
    conn.idleDeadline = Date.now() + limit
    this.idle.push(conn)
    if (this.reaper === undefined) {
      this.reaper = setInterval(() => this.reap(), Math.min(REAP_EVERY_MS, limit))
      this.reaper.unref()
    }
  }

  forget(conn: UpstreamConnection): void {
    this.open--
    const i = this.idle.indexOf(conn)
    if (i >= 0) this.idle.splice(i, 1)
    // A closed connection frees a slot for someone waiting.
    const next = this.queue.length > 0 && this.open < this.cap ? this.queue.shift() : undefined
    if (next !== undefined) this.connect().run(next)
  }

  replay(ex: UpstreamExchange): void {
    if (ex.opts.upgrade === true) this.connect(true).run(ex)
    else if (this.open < this.cap) this.connect().run(ex)
    else this.queue.unshift(ex)
  }

  dequeue(ex: UpstreamExchange): void {
    const i = this.queue.indexOf(ex)
    if (i >= 0) this.queue.splice(i, 1)
  }

  exchangeDone(): void {
    this.running--
    if (this.closing && this.running === 0) this.shutdown()
  }

  private reap(): void {
    const now = Date.now()
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i] as UpstreamConnection
      if (conn.idleDeadline <= now) conn.destroy(undefined)
    }
    if (this.idle.length === 0) {
      clearInterval(this.reaper)
      this.reaper = undefined
    }
  }

  private shutdown(): void {
    for (const conn of [...this.idle]) conn.destroy(undefined)
    clearInterval(this.reaper)
    this.reaper = undefined
    this.closing?.resolve()
  }

  /** Stops taking requests; running and waiting ones finish, then every connection closes. */
  close(): Promise<void> {
    if (!this.closing) {
      let resolve = () => {}
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.closing = { promise, resolve }
      if (this.running === 0) this.shutdown()
    }
    return this.closing.promise
  }

  /** Closes everything now; running exchanges fail. */
  destroy(): void {
    const err = new UpstreamError('UPSTREAM_POOL_CLOSED', `the pool for ${this.origin} was destroyed`)
    for (const ex of this.queue.splice(0)) ex.fail(err)
    void this.close()
    for (const conn of [...this.idle]) conn.destroy(undefined)
  }
}
