// What a route's passive health and circuit breaker learn from each upstream attempt. The exchange
// calls it where every attempt begins and ends, so a route with no other policy keeps the plain path.
import type { RouteSpec } from '../config/route-spec.ts'
import type { AttemptJudge, AttemptOutcome, TargetState } from '../health/target-state.ts'
import { CircuitBreaker, close } from './circuit-breaker.ts'
import { PassiveHealth } from './passive-health.ts'

class TargetJudge implements AttemptJudge {
  readonly breaker: CircuitBreaker | undefined
  readonly passive: PassiveHealth | undefined
  constructor(breaker: CircuitBreaker | undefined, passive: PassiveHealth | undefined) {
    this.breaker = breaker
    this.passive = passive
  }

  begin(s: TargetState): void {
    this.breaker?.acquire(s)
    this.passive?.acquire(s)
  }

  end(s: TargetState, outcome: AttemptOutcome, why: string, now: number): boolean {
    if (outcome === 'client-gone') {
      this.breaker?.release(s)
      this.passive?.release(s)
      return false
    }
    const failed = outcome === 'failed'
    this.passive?.onResult(s, failed, why, now)
    return this.breaker?.onResult(s, failed, now) ?? false
  }
}

/**
 * Gives the route's targets the breaker and passive health its settings ask for (one judge per route
 * table). A policy taken off leaves no trace: its open circuit closes, its passive verdict ends.
 */
export function judgeTargets(spec: RouteSpec, states: readonly TargetState[]): void {
  const b = spec.breaker
  const h = spec.health
  const breaker = b.enabled ? new CircuitBreaker(b) : undefined
  const passive =
    h.enabled && h.passiveFailures > 0 ? new PassiveHealth(h.passiveFailures, h.passiveCooldownMs) : undefined
  const judge = breaker || passive ? new TargetJudge(breaker, passive) : undefined
  for (const s of states) {
    if (!breaker && s.breaker) close(s)
    if (!passive && !s.healthy && s.passiveUntil > 0) s.markHealthy()
    s.breaker = breaker
    s.judge = judge
  }
}
