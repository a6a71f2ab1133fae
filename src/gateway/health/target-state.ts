// Live state of one upstream target, shared by every route table that uses the target id.
// Health checks and circuit breakers write `healthy` / `circuitState`; balancers read `available`.
import type { CircuitState } from '../model/index.ts'

/** The per-target breaker logic (resilience/circuit-breaker.ts); absent when no breaker is configured. */
export interface TargetBreaker {
  /** Called by `available` only while the circuit is not closed: may move open → half-open. */
  allows(state: TargetState, now: number): boolean
}

export class TargetState {
  readonly id: string
  healthy = true
  circuitState: CircuitState = 'closed'
  /** Requests in flight to this target right now (least-load balancing reads it). */
  inflight = 0
  /** Set by the route table when a breaker is configured for this target. */
  breaker: TargetBreaker | undefined = undefined
  // Circuit breaker bookkeeping (gobreaker semantics, see resilience/circuit-breaker.ts).
  failures = 0
  failuresSince = 0
  openUntil = 0
  halfOpenInflight = 0
  halfOpenSuccesses = 0
  trips = 0
  // Passive health: consecutive proxy failures; unhealthy until an active check or `passiveUntil`.
  passiveFailures = 0
  passiveUntil = 0
  // Active health: the last probe's outcome.
  checkSuccesses = 0
  checkFailures = 0
  lastCheckAt = 0
  lastCheckLatencyMs: number | null = null
  lastCheckError: string | null = null
  /** Why the target is unhealthy (active check error or passive failures), for /health. */
  reason: string | null = null

  constructor(id: string) {
    this.id = id
  }

  get available(): boolean {
    if (!this.healthy) {
      // Passively marked down: back in rotation once the cooldown has passed.
      if (this.passiveUntil === 0 || Date.now() < this.passiveUntil) return false
      this.markHealthy()
    }
    return this.circuitState === 'closed' || this.breaker?.allows(this, Date.now()) !== false
  }

  markHealthy(): void {
    this.healthy = true
    this.passiveUntil = 0
    this.passiveFailures = 0
    this.reason = null
  }
}

export class TargetStateRegistry {
  readonly #map = new Map<string, TargetState>()
  get(id: string): TargetState {
    let s = this.#map.get(id)
    if (!s) {
      s = new TargetState(id)
      this.#map.set(id, s)
    }
    return s
  }
  peek(id: string): TargetState | undefined {
    return this.#map.get(id)
  }
  all(): IterableIterator<TargetState> {
    return this.#map.values()
  }
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#map.keys()) if (!ids.has(id)) this.#map.delete(id)
  }
}
