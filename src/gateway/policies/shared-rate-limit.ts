// Rate limits shared by a gateway group: the bucket in Redis is the authority, a local bucket with the
// same rate and burst stands in front of it. The local bucket only ever refuses what the shared one
// would refuse too (it counts this instance's requests, the shared one everybody's; each answer lowers
// it to what the shared bucket holds, a refusal sets it to that), so the global count stays exact while
// a burst past the limit is refused without a round trip. With the store unreachable the local bucket
// alone decides (failMode open) or the request is refused with 503 (closed); nobody waits on it.
import type { RedisConnection } from '../store/redis-connection.ts'
import { takeSharedToken } from '../store/redis-token-bucket.ts'
import { MemoryRateLimitStore, type RateLimitStore, type TakeResult } from './rate-limit.ts'

/** How the shared limits were decided since start (for /metrics and stats). */
export class SharedLimitCounters {
  /** Decisions the shared bucket made (one round trip each). */
  roundTrips = 0
  /** Refusals the local bucket made without asking. */
  localRefusals = 0
  /** Decisions made without the store (unreachable or too slow). */
  fallbacks = 0
}

const UNAVAILABLE: TakeResult = { ok: false, retryAfterS: 1, remaining: 0, unavailable: true }

export class SharedRateLimitStore implements RateLimitStore {
  readonly #local = new MemoryRateLimitStore()
  readonly #conn: RedisConnection
  readonly #scope: string
  readonly #counters: SharedLimitCounters

  constructor(conn: RedisConnection, scope: string, counters: SharedLimitCounters) {
    this.#conn = conn
    this.#scope = scope
    this.#counters = counters
  }

  get size(): number {
    return this.#local.size
  }

  clear(): void {
    this.#local.clear()
  }

  take(key: string, rate: number, burst: number, now: number): TakeResult | Promise<TakeResult> {
    const local = this.#local.take(key, rate, burst, now)
    if (!local.ok) {
      this.#counters.localRefusals++
      return local
    }
    if (!this.#conn.up) return this.#fallback(local)
    this.#counters.roundTrips++
    return takeSharedToken(this.#conn, `${this.#scope}:${key}`, rate, burst).then(
      (shared) => {
        // Never below what the shared bucket holds (a refusal sets it: this instance's own count may
        // be a fraction lower), never above it after a take (others drained it).
        this.#local.settle(key, shared.tokens, rate, burst, Date.now(), !shared.ok)
        if (shared.ok) return { ok: true, retryAfterS: 0, remaining: Math.floor(shared.tokens) }
        return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - shared.tokens) / rate)), remaining: 0 }
      },
      () => this.#fallback(local),
    )
  }

  #fallback(local: TakeResult): TakeResult {
    this.#counters.fallbacks++
    return this.#conn.failMode === 'open' ? local : UNAVAILABLE
  }
}
