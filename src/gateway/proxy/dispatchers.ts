// One undici Pool per upstream origin, shared by every route table that uses the origin, so a
// swap keeps warm connections. Origins no longer used are drained, then closed.
import { Pool } from 'undici'

export interface PoolOptions {
  /** undefined: no cap (undici's `connections: null`). */
  readonly connections: number | undefined
  readonly connectTimeoutMs: number
  readonly keepAliveTimeoutMs: number
}

export interface DispatcherRegistry {
  get(origin: string): Pool
  /** Keep only these origins; the rest finish their in-flight requests, then close. */
  retain(origins: ReadonlySet<string>): void
  close(): Promise<void>
}

export function createDispatcherRegistry(opts: PoolOptions): DispatcherRegistry {
  const pools = new Map<string, Pool>()
  const closing = new Set<Promise<void>>()
  const retire = (pool: Pool) => {
    // close() waits for queued and running requests: in-flight traffic on an old table completes.
    const p = pool.close().catch(() => {})
    closing.add(p)
    void p.finally(() => closing.delete(p))
  }
  return {
    get(origin) {
      let pool = pools.get(origin)
      if (!pool) {
        pool = new Pool(origin, {
          connections: opts.connections ?? null,
          pipelining: 1,
          connectTimeout: opts.connectTimeoutMs,
          keepAliveTimeout: opts.keepAliveTimeoutMs,
          keepAliveMaxTimeout: Math.max(opts.keepAliveTimeoutMs, 600_000),
          // Timeouts are per route (forward.ts); the pool must not cut long SSE or slow uploads.
          headersTimeout: 0,
          bodyTimeout: 0,
        })
        pools.set(origin, pool)
      }
      return pool
    },
    retain(origins) {
      for (const [origin, pool] of pools) {
        if (!origins.has(origin)) {
          pools.delete(origin)
          retire(pool)
        }
      }
    },
    async close() {
      for (const pool of pools.values()) retire(pool)
      pools.clear()
      await Promise.all([...closing])
    },
  }
}
