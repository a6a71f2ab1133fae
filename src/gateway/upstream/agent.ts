// One client per upstream origin (an HTTP/1.1 pool, or an HTTP/2 session for "h2 <origin>" keys),
// shared by every route table that uses the origin, so a swap keeps warm connections. Origins no
// longer used are drained (running requests finish), then closed.
import { Http2Origin } from './http2-origin.ts'
import { UpstreamPool, type UpstreamPoolOptions } from './pool.ts'
import type { OriginClient } from './types.ts'

const H2_KEY = 'h2 '

export class UpstreamAgent {
  private readonly opts: UpstreamPoolOptions
  private readonly pools = new Map<string, OriginClient>()
  private readonly closing = new Set<Promise<void>>()

  constructor(opts: UpstreamPoolOptions = {}) {
    this.opts = opts
  }

  /** The client for a target's key: its origin, or "h2 " + origin for HTTP/2. */
  get(key: string): OriginClient {
    let pool = this.pools.get(key)
    if (!pool) {
      pool = key.startsWith(H2_KEY)
        ? new Http2Origin(key.slice(H2_KEY.length), {
            connectTimeoutMs: this.opts.connectTimeoutMs,
            idleTimeoutMs: this.opts.keepAliveTimeoutMs,
          })
        : new UpstreamPool(key, this.opts)
      this.pools.set(key, pool)
    }
    return pool
  }

  /** Keep only these origins; the rest finish their in-flight requests, then close. */
  retain(origins: ReadonlySet<string>): void {
    for (const [origin, pool] of this.pools) {
      if (!origins.has(origin)) {
        this.pools.delete(origin)
        this.retire(pool)
      }
    }
  }

  private retire(pool: OriginClient): void {
    const p = pool.close()
    this.closing.add(p)
    void p.finally(() => this.closing.delete(p))
  }

  async close(): Promise<void> {
    for (const pool of this.pools.values()) this.retire(pool)
    this.pools.clear()
    await Promise.all([...this.closing])
  }
}
