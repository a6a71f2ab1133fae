// A consecutive-failure circuit breaker per target with gobreaker semantics: closed → open after
// `maxFailures` consecutive failures within `intervalMs`; open for `openTimeoutMs` (no upstream
// traffic); then half-open lets `halfOpenMax` requests through: all succeed → closed, any fails → open.
import type { BreakerSettings } from '../config/resilience.ts'
import type { TargetBreaker, TargetState } from '../health/target-state.ts'

export type BreakerOptions = Omit<BreakerSettings, 'enabled'>

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

  /** The attempt ended without a verdict (the client left): its half-open slot is free again. */
  release(s: TargetState): void {
    if (s.circuitState === 'half-open' && s.halfOpenInflight > 0) s.halfOpenInflight--
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
    s.trips++
    openFor(s, this.opts.openTimeoutMs, now)
    return true
  }
}

/** Open for `ms` from `now` with clean counts (this breaker tripped, or another gateway's did). */
export function openFor(s: TargetState, ms: number, now: number): void {
  s.circuitState = 'open'
  s.openUntil = now + ms
  s.failures = 0
  s.halfOpenInflight = 0
  s.halfOpenSuccesses = 0
  s.circuitListener?.(s)
}

/** Back to closed with clean counts (admin reset, or breaker removed from the config). */
export function close(s: TargetState): void {
  const was = s.circuitState
  s.circuitState = 'closed'
  s.failures = 0
  s.failuresSince = 0
  s.openUntil = 0
  s.halfOpenInflight = 0
  s.halfOpenSuccesses = 0
  if (was !== 'closed') s.circuitListener?.(s)
}
