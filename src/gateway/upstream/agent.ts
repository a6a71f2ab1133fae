// One pool per upstream origin, shared by every route table that uses the origin, so a swap keeps
// warm connections. Origins no longer used are drained (running requests finish), then closed.
import { UpstreamPool, type UpstreamPoolOptions } from './pool.ts'

export class UpstreamAgent {
  private readonly opts: UpstreamPoolOptions
  private readonly pools = new Map<string, UpstreamPool>()
  private readonly closing = new Set<Promise<void>>()

  constructor(opts: UpstreamPoolOptions = {}) {
    this.opts = opts
  }

  get(origin: string): UpstreamPool {
    let pool = this.pools.get(origin)
    if (!pool) {
      pool = new UpstreamPool(origin, this.opts)
      this.pools.set(origin, pool)
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

  private retire(pool: UpstreamPool): void {
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
