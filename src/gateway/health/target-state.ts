// Live state of one upstream target, shared by every route table that uses the target id.
// Health checks, passive health and circuit breakers write `healthy` / `circuitState`; balancers read
// `available`.
import type { CircuitState } from '../model/index.ts'

/** How one upstream attempt ended. `client-gone`: the client left (that says nothing of the upstream). */
export type AttemptOutcome = 'ok' | 'failed' | 'client-gone'

/** The per-target breaker logic (policies/circuit-breaker.ts); absent when the route turns it off. */
export interface TargetBreaker {
  /** Called by `available` only while the circuit is not closed: may move open → half-open. */
  allows(state: TargetState, now: number): boolean
}

/** What a route's passive health and breaker learn from each attempt (policies/attempt-judge.ts). */
export interface AttemptJudge {
  /** An attempt to the target begins (it may take the one slot a recovering target has). */
  begin(state: TargetState): void
  /** It ended; `why` says what failed. True when this failure opened the circuit. */
  end(state: TargetState, outcome: AttemptOutcome, why: string, now: number): boolean
}

export class TargetState {
  readonly id: string
  healthy = true
  circuitState: CircuitState = 'closed'
  /** Requests in flight to this target right now (least-load balancing reads it). */
  inflight = 0
  /** Set by the route table when its route runs a breaker. */
  breaker: TargetBreaker | undefined = undefined
  /** Set by the route table unless its route turns both passive health and the breaker off. */
  judge: AttemptJudge | undefined = undefined
  // Circuit breaker bookkeeping (gobreaker semantics, see policies/circuit-breaker.ts).
  failures = 0
  failuresSince = 0
  openUntil = 0
  halfOpenInflight = 0
  halfOpenSuccesses = 0
  trips = 0
  // Passive health: consecutive proxy failures; unhealthy until an active check passes, or until the
  // one request let through after `passiveUntil` succeeds (`passiveTrial` while it is in flight).
  passiveFailures = 0
  passiveUntil = 0
  passiveTrial = false
  // Active health: the last probe's outcome.
  checkSuccesses = 0
  checkFailures = 0
  lastCheckAt = 0
  lastCheckLatencyMs: number | null = null
  lastCheckError: string | null = null
  /** Why the target is unhealthy (active check error or passive failures), for the admin views. */
  reason: string | null = null
  /** Told when the circuit opens or closes (never per request); shared breakers publish it. */
  circuitListener: ((s: TargetState) => void) | undefined

  constructor(id: string, circuitListener?: (s: TargetState) => void) {
    this.id = id
    this.circuitListener = circuitListener
  }

  get available(): boolean {
    // Passively marked down: after the cooldown, one request at a time may try it.
    if (!this.healthy && (this.passiveUntil === 0 || this.passiveTrial || Date.now() < this.passiveUntil))
      return false
    return this.circuitState === 'closed' || this.breaker?.allows(this, Date.now()) !== false
  }

  /**
   * The circuit as gobreaker's State() reports it: open past its timeout is half-open already, though the
   * move itself waits for the next request that asks (`available`).
   */
  circuitStateAt(now: number): CircuitState {
    return this.circuitState === 'open' && now >= this.openUntil ? 'half-open' : this.circuitState
  }

  /**
   * Healthy with a closed circuit: what counts and notifications call up. Unlike `available` it takes
   * no turn: a target waiting to be tried again after its cooldown is not up yet.
   */
  get up(): boolean {
    return this.healthy && this.circuitState === 'closed'
  }

  markHealthy(): void {
    this.healthy = true
    this.passiveUntil = 0
    this.passiveFailures = 0
    this.passiveTrial = false
    this.reason = null
  }
}

export class TargetStateRegistry {
  readonly #map = new Map<string, TargetState>()
  #circuitListener: ((s: TargetState) => void) | undefined
  get(id: string): TargetState {
    let s = this.#map.get(id)
    if (!s) {
      s = new TargetState(id, this.#circuitListener)
      this.#map.set(id, s)
    }
    return s
  }
  /** Every target, now and later, tells `listener` when its circuit opens or closes. */
  onCircuitChange(listener: ((s: TargetState) => void) | undefined): void {
    this.#circuitListener = listener
    for (const s of this.#map.values()) s.circuitListener = listener
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
