// Token-bucket rate limiting (lazy refill, no timers) behind a store interface: in this process
// (memory) or shared by a gateway group (shared-rate-limit.ts). Idle buckets are swept lazily on access.
import type { RequestHead } from '../http/request-head.ts'
import type { RouteConfig } from '../model/index.ts'
import type { DispatchHandler } from '../upstream/types.ts'
import type { Dispatch, Interceptor, ProxyContext } from './interceptor.ts'
import { answerProblem } from './local-answer.ts'

export interface TakeResult {
  readonly ok: boolean
  /** Seconds until one token is available (0 when ok). */
  readonly retryAfterS: number
  readonly remaining: number
  /** The shared store is unreachable and `failMode: closed` refuses rather than guess (503). */
  readonly unavailable?: true
}

/** Where buckets live. The memory store answers synchronously; a remote one may return a promise. */
export interface RateLimitStore {
  take(key: string, ratePerSec: number, burst: number, now: number): TakeResult | Promise<TakeResult>
  readonly size: number
  clear(): void
}

interface Bucket {
  tokens: number
  at: number
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, Bucket>()
  readonly #idleMs: number
  #nextSweep = 0
  constructor(idleMs = 60_000) {
    this.#idleMs = idleMs
  }
  get size(): number {
    return this.#buckets.size
  }
  take(key: string, rate: number, burst: number, now: number): TakeResult {
    if (now >= this.#nextSweep) this.#sweep(now, rate, burst)
    let b = this.#buckets.get(key)
    if (!b) {
      b = { tokens: burst, at: now }
      this.#buckets.set(key, b)
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate)
      b.at = now
    }
    if (b.tokens >= 1) {
      b.tokens -= 1
      return { ok: true, retryAfterS: 0, remaining: Math.floor(b.tokens) }
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / rate)), remaining: 0 }
  }
  clear(): void {
    this.#buckets.clear()
  }
  /**
   * Takes in what an authoritative (shared) bucket said it holds now: `set` replaces this bucket's
   * count, otherwise it is only ever lowered to it.
   */
  settle(key: string, tokens: number, rate: number, burst: number, now: number, set: boolean): void {
    const b = this.#buckets.get(key)
    if (!b) {
      this.#buckets.set(key, { tokens: Math.min(burst, tokens), at: now })
      return
    }
    const have = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate)
    b.tokens = set ? Math.min(burst, tokens) : Math.min(have, tokens)
    b.at = now
  }
  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  #sweep(now: number, rate: number, burst: number): void {
    this.#nextSweep = now + this.#idleMs
    const fullAfterMs = (burst / rate) * 1000
    for (const [k, b] of this.#buckets)
      if (now - b.at >= Math.max(fullAfterMs, this.#idleMs)) this.#buckets.delete(k)
  }
}

export type KeyOf = (req: RequestHead, claims: Record<string, unknown> | undefined) => string

export interface RateLimiter {
  readonly ratePerSec: number
  readonly burst: number
  readonly store: RateLimitStore
  readonly keyOf: KeyOf
  /** True when the key needs verified JWT claims (so the limiter runs after JWT). */
  readonly needsClaims: boolean
}

type Cfg = Exclude<RouteConfig['rateLimit'], false | undefined>

function clientKey(spec: string): { keyOf: KeyOf; needsClaims: boolean } {
  if (spec.startsWith('header:')) {
    const name = spec.slice(7).toLowerCase()
    return {
      keyOf: (req) => {
        const v = req.headers[name]
        return `h:${Array.isArray(v) ? v[0] : (v ?? '')}`
      },
      needsClaims: false,
    }
  }
  if (spec.startsWith('jwt:')) {
    const claim = spec.slice(4)
    return {
      keyOf: (req, claims) => {
        const v = claims?.[claim]
        return v === undefined ? `ip:${req.socket.remoteAddress ?? ''}` : `j:${String(v)}`
      },
      needsClaims: true,
    }
  }
  return { keyOf: (req) => `ip:${req.socket.remoteAddress ?? ''}`, needsClaims: false }
}

/** Compiles a route's rateLimit; `storeFor` gives the store for a scope (global, service or route). */
export function compileRateLimiter(
  cfg: Cfg | undefined,
  storeFor: (scopeKey: string) => RateLimitStore,
  routeId: string,
  serviceName = routeId,
): RateLimiter | undefined {
  if (!cfg || cfg.enabled === false || cfg.requestsPerSec === undefined) return undefined
  const rate = cfg.requestsPerSec
  const burst = cfg.burst ?? Math.max(1, Math.ceil(rate))
  const scope = cfg.scope ?? (cfg.key ? 'client' : 'route')
  if (scope === 'client') {
    const { keyOf, needsClaims } = clientKey(cfg.key ?? 'ip')
    return { ratePerSec: rate, burst, store: storeFor(`client:${routeId}`), keyOf, needsClaims }
  }
  const fixed =
    scope === 'global' ? 'global' : scope === 'service' ? `service:${serviceName}` : `route:${routeId}`
  return { ratePerSec: rate, burst, store: storeFor(fixed), keyOf: () => fixed, needsClaims: false }
}

/** Takes a token for the request, or answers 429 with Retry-After. */
export function rateLimitInterceptor(rl: RateLimiter): Interceptor {
  return (next) => (ctx, handler) => {
    const r = rl.store.take(rl.keyOf(ctx.req, ctx.claims), rl.ratePerSec, rl.burst, Date.now())
    if (r instanceof Promise)
      r.then(
        (x) => afterTake(rl, x, ctx, handler, next),
        // A shared store that is down must not take the route down with it.
        () => {
          if (!ctx.gone) next(ctx, handler)
        },
      )
    else afterTake(rl, r, ctx, handler, next)
  }
}

function afterTake(
  rl: RateLimiter,
  r: TakeResult,
  ctx: ProxyContext,
  handler: DispatchHandler,
  next: Dispatch,
): void {
  if (ctx.gone) return
  if (r.ok) {
    next(ctx, handler)
    return
  }
  if (r.unavailable) {
    answerProblem(handler, ctx, 'service-unavailable', {
      detail: 'the shared rate-limit store is unreachable and store.redis.failMode is closed',
      outcome: 'rate-limited',
      retryAfterS: 1,
    })
    return
  }
  ctx.routeCounters.rateLimited++
  answerProblem(handler, ctx, 'rate-limit-exceeded', {
    detail: 'rate limit exceeded for this route',
    retryAfterS: r.retryAfterS,
    headers: { 'ratelimit-limit': String(rl.burst), 'ratelimit-remaining': '0' },
  })
}
