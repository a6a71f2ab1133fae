// What a route's passive health and circuit breaker learn from each upstream attempt. The exchange
// calls it where every attempt begins and ends, so a route with no other policy keeps the plain path.
import type { RouteSpec } from '../config/route-spec.ts'
import { GrpcStatus, grpcStatusName } from '../http/grpc.ts'
import type { AttemptJudge, AttemptOutcome, TargetState } from '../health/target-state.ts'
import { CircuitBreaker, close } from './circuit-breaker.ts'
import { PassiveHealth } from './passive-health.ts'

/** gRPC statuses that say the server failed (what HTTP says with a 5xx); the others are the call's own. */
const GRPC_FAILURES: ReadonlySet<string> = new Set(
  [
    GrpcStatus.UNKNOWN,
    GrpcStatus.DEADLINE_EXCEEDED,
    GrpcStatus.INTERNAL,
    GrpcStatus.UNAVAILABLE,
    GrpcStatus.DATA_LOSS,
  ].map(String),
)

/**
 * How an attempt ended: a 5xx (a gRPC server-failure status), or no complete answer, is a failure; an
 * answer dropped after its head (a retry on its status) is judged by that status; a client that left
 * says nothing of the upstream.
 */
export function attemptOutcome(
  err: Error | undefined,
  status: number,
  grpcStatus: string | undefined,
  clientGone: boolean,
): AttemptOutcome {
  if (err !== undefined) {
    if (clientGone) return 'client-gone'
    if (status < 200 || status >= 500) return 'failed'
  } else if (status >= 500) return 'failed'
  return grpcStatus !== undefined && GRPC_FAILURES.has(grpcStatus) ? 'failed' : 'ok'
}

/** What failed, for a target's health reason (`failure` explains an attempt that got no answer). */
export function failureReason(
  url: string,
  status: number,
  grpcStatus: string | undefined,
  failure: () => string,
): string {
  if (status >= 500) return `upstream ${url} answered ${status}`
  if (status >= 200 && grpcStatus !== undefined)
    return `upstream ${url} answered gRPC status ${grpcStatusName(Number(grpcStatus))}`
  return failure()
}

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
