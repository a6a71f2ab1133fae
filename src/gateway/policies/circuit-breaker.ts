// A consecutive-failure circuit breaker per target with gobreaker semantics: closed → open after
// `maxFailures` consecutive failures within `intervalMs`; open for `openTimeoutMs` (no upstream
// traffic); then half-open lets `halfOpenMax` requests through: all succeed → closed, any fails → open.
import type { TargetBreaker, TargetState } from '../health/target-state.ts'
import type { RouteConfig } from '../model/index.ts'
import { toMs } from '../util/duration.ts'
import type { Interceptor } from './interceptor.ts'
import { watchAttempt } from './attempt-outcome.ts'

export interface BreakerOptions {
  readonly maxFailures: number
  readonly intervalMs: number
  readonly openTimeoutMs: number
  readonly halfOpenMax: number
}

export const BREAKER_DEFAULTS: BreakerOptions = {
  maxFailures: 5,
  intervalMs: 30_000,
  openTimeoutMs: 30_000,
  halfOpenMax: 1,
}

type Cfg = NonNullable<RouteConfig['circuitBreaker']>

/** Route value over gateway default; undefined when neither turns a breaker on. */
export function breakerOptions(
  route: Cfg | undefined,
  defaults: Cfg | undefined,
): BreakerOptions | undefined {
  const cfg = route ?? defaults
  if (!cfg || cfg.enabled === false) return undefined
  const d = route && defaults ? defaults : undefined
  return {
    maxFailures: cfg.maxFailures ?? d?.maxFailures ?? BREAKER_DEFAULTS.maxFailures,
    intervalMs: toMs(cfg.interval ?? d?.interval, BREAKER_DEFAULTS.intervalMs),
    openTimeoutMs: toMs(cfg.openTimeout ?? d?.openTimeout, BREAKER_DEFAULTS.openTimeoutMs),
    halfOpenMax: cfg.halfOpenMaxRequests ?? d?.halfOpenMaxRequests ?? BREAKER_DEFAULTS.halfOpenMax,
  }
}

export class CircuitBreaker implements TargetBreaker {
  readonly opts: BreakerOptions
  constructor(opts: BreakerOptions) {
    this.opts = opts
  }

  allows(s: TargetState, now: number): boolean {
    if (s.circuitState === 'open') {
      if (now < s.openUntil) return false
      s.circuitState = 'half-open'
      s.halfOpenInflight = 0
      s.halfOpenSuccesses = 0
    }
    if (s.circuitState === 'half-open') return s.halfOpenInflight < this.opts.halfOpenMax
    return true
  }

  /** A request is about to go to the target (after the balancer picked it). */
  acquire(s: TargetState): void {
    if (s.circuitState === 'half-open') s.halfOpenInflight++
  }

  /** Returns true when this failure tripped the circuit (closed/half-open → open). */
  onResult(s: TargetState, failed: boolean, now: number): boolean {
    const o = this.opts
    if (s.circuitState === 'half-open') {
      if (s.halfOpenInflight > 0) s.halfOpenInflight--
      if (failed) return this.#open(s, now)
      if (++s.halfOpenSuccesses >= o.halfOpenMax) close(s)
      return false
    }
    if (s.circuitState === 'open') return false
    if (!failed) {
      s.failures = 0
      return false
    }
    if (s.failures === 0 || now - s.failuresSince > o.intervalMs) {
      s.failures = 0
      s.failuresSince = now
    }
    if (++s.failures >= o.maxFailures) return this.#open(s, now)
    return false
  }

  #open(s: TargetState, now: number): boolean {
    s.circuitState = 'open'
    s.openUntil = now + this.opts.openTimeoutMs
    s.failures = 0
    s.halfOpenInflight = 0
    s.halfOpenSuccesses = 0
    s.trips++
    return true
  }
}

/** Back to closed with clean counts (admin reset, or breaker removed from the config). */
export function close(s: TargetState): void {
  s.circuitState = 'closed'
  s.failures = 0
  s.failuresSince = 0
  s.openUntil = 0
  s.halfOpenInflight = 0
  s.halfOpenSuccesses = 0
}

/**
 * Around each upstream attempt: takes a half-open slot, and counts the attempt's outcome (a 5xx or no
 * answer is a failure). Open circuits keep their targets out of the balancer's picks
 * (TargetState.available), so an open route is answered 503 without calling the upstream.
 */
export function breakerInterceptor(breaker: CircuitBreaker): Interceptor {
  return (next) => (ctx, handler) => {
    const target = ctx.target
    if (!target) {
      next(ctx, handler)
      return
    }
    breaker.acquire(target.state)
    next(
      ctx,
      watchAttempt(handler, ctx, (outcome) => {
        const s = target.state
        // The client leaving says nothing about the upstream.
        if (outcome === 'client-gone') {
          if (s.circuitState === 'half-open' && s.halfOpenInflight > 0) s.halfOpenInflight--
          return
        }
        if (breaker.onResult(s, outcome === 'failed', Date.now())) {
          ctx.routeCounters.circuitBreaks++
          target.counters.circuitBreaks++
        }
      }),
    )
  }
}
