// Live traffic counters, keyed by stable ids so they survive every route-table swap.
// The hot path only increments fields of objects it already holds.
import { createLatencyHistogram, type LatencyHistogram } from './latency-histogram.ts'

export class TrafficCounters {
  totalRequests = 0
  totalErrors = 0
  activeConns = 0
  latencySumMs = 0
  latencyCount = 0
  cacheHits = 0
  cacheMisses = 0
  rateLimited = 0
  circuitBreaks = 0
  retryAttempts = 0
  /** Responses that did not match the service's OpenAPI document (response validation). */
  contractViolations = 0
  lastRequestAt = 0
  #histogram: LatencyHistogram | undefined

  get histogram(): LatencyHistogram {
    this.#histogram ??= createLatencyHistogram()
    return this.#histogram
  }

  /** Called when a response finished (or failed): one latency sample. */
  finish(latencyMs: number, error: boolean, now: number): void {
    this.activeConns--
    if (error) this.totalErrors++
    this.latencySumMs += latencyMs
    this.latencyCount++
    this.lastRequestAt = now
    this.histogram.record(latencyMs, now)
  }

  avgLatencyMs(): number {
    return this.latencyCount === 0 ? 0 : Math.round((this.latencySumMs / this.latencyCount) * 100) / 100
  }

  p99LatencyMs(): number {
    return this.#histogram ? this.#histogram.percentile(99) : 0
  }

  p50LatencyMs(): number {
    return this.#histogram ? this.#histogram.percentile(50) : 0
  }
}

/** Requests per second over the last `windowS` whole seconds (a ring of per-second counts). */
export class RateMeter {
  readonly #counts: Uint32Array
  readonly #seconds: Float64Array
  readonly #windowS: number
  constructor(windowS = 10) {
    this.#windowS = windowS
    this.#counts = new Uint32Array(windowS + 1)
    this.#seconds = new Float64Array(windowS + 1).fill(-1)
  }
  mark(now: number): void {
    const s = Math.floor(now / 1000)
    const i = s % this.#counts.length
    if (this.#seconds[i] !== s) {
      this.#seconds[i] = s
      this.#counts[i] = 0
    }
    this.#counts[i] = (this.#counts[i] as number) + 1
  }
  perSecond(now = Date.now()): number {
    const s = Math.floor(now / 1000)
    let n = 0
    for (let i = 0; i < this.#counts.length; i++) {
      const sec = this.#seconds[i] as number
      // Whole seconds only: the current, partial second would read low.
      if (sec < s && sec >= s - this.#windowS) n += this.#counts[i] as number
    }
    return Math.round((n / this.#windowS) * 10) / 10
  }
}

/** id → counters; entries are created on first use and dropped when their entity leaves the config. */
export class CounterRegistry {
  readonly #map = new Map<string, TrafficCounters>()
  get(id: string): TrafficCounters {
    let c = this.#map.get(id)
    if (!c) {
      c = new TrafficCounters()
      this.#map.set(id, c)
    }
    return c
  }
  peek(id: string): TrafficCounters | undefined {
    return this.#map.get(id)
  }
  /** Forget ids that are gone from the configuration. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#map.keys()) if (!ids.has(id)) this.#map.delete(id)
  }
}
