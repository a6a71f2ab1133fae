// Live state of one upstream target, shared by every route table that uses the target id.
// Health checks and circuit breakers write `healthy` / `circuitOpen`; balancers read `available`.
import type { CircuitState } from '../model/index.ts'

export class TargetState {
  readonly id: string
  healthy = true
  circuitState: CircuitState = 'closed'
  /** Requests in flight to this target right now (least-load balancing reads it). */
  inflight = 0
  constructor(id: string) {
    this.id = id
  }
  get available(): boolean {
    return this.healthy && this.circuitState !== 'open'
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
