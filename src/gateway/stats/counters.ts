// Live traffic counters, keyed by stable ids so they survive every route-table swap.
// The hot path only increments fields of objects it already holds.
import { Slice, SliceRing } from './latency-histogram.ts'

/** The window live latency and error numbers cover: the last six whole 10 s slices and the current one. */
export const RECENT_WINDOW_S = 60
export const SLICE_MS = 10_000
const RECENT_SLICES = RECENT_WINDOW_S / (SLICE_MS / 1000) + 1
/** Long windows (5 and 15 minutes) are kept in 1-minute slices folded from the 10 s ones. */
export const MINUTE_MS = 60_000
const MINUTE_SLICES = 15

export class TrafficCounters {
  totalRequests = 0
  totalErrors = 0
  /** Answers by class since start (the gateway's own included). */
  errors4xx = 0
  errors5xx = 0
  /** Error answers the gateway made itself (no route, limit, open circuit, upstream failure…). */
  gatewayErrors = 0
  activeConns = 0
  cacheHits = 0
  cacheMisses = 0
  rateLimited = 0
  circuitBreaks = 0
  retryAttempts = 0
  /** Requests refused by OpenAPI request validation (400). */
  validationFailures = 0
  /** Responses that did not match the service's OpenAPI document (response validation). */
  contractViolations = 0
  lastRequestAt = 0
  /** 10 s slices of the last minute: latency, count and errors by class. */
  readonly recent = new SliceRing(RECENT_SLICES, SLICE_MS)
  #minutes: SliceRing | undefined
  /** The last 10 s epoch already folded into the minute slices. */
  #foldedThrough = -1

  /**
   * A response finished (or failed): one sample. `status` is what the client was answered (0: none),
   * `local` says the gateway made that answer itself.
   */
  finish(latencyMs: number, error: boolean, now: number, status = 0, local = false): void {
    this.activeConns--
    this.answered(latencyMs, error, now, status, local)
  }

  /** An answer that was never in flight on these counters (no route matched): counted the same way. */
  answered(latencyMs: number, error: boolean, now: number, status: number, local: boolean): void {
    if (error) this.totalErrors++
    if (status >= 500) this.errors5xx++
    else if (status >= 400) this.errors4xx++
    if (local && status >= 400) this.gatewayErrors++
    this.lastRequestAt = now
    this.recent.record(latencyMs, status, local, now)
  }

  /** The recent window (RECENT_WINDOW_S) merged: one basis for avg, percentiles and error counts. */
  window(now = Date.now()): Slice {
    const e = this.recent.epochOf(now)
    const w = new Slice()
    this.recent.addTo(w, e - RECENT_SLICES + 1, e)
    return w
  }

  /**
   * The last `minutes` minutes (up to 15), in 1-minute steps plus the current 10 s slices: whole
   * 10 s slices are folded into minute slices first (off the hot path: on read and by the sampler).
   */
  lastMinutes(minutes: number, now = Date.now()): Slice {
    const e = this.recent.epochOf(now)
    this.foldThrough(e - 1)
    const w = new Slice()
    const m = Math.floor(now / MINUTE_MS)
    this.#minutes?.addTo(w, m - minutes + 1, m)
    this.recent.addTo(w, this.#foldedThrough + 1, e)
    return w
  }

  /** Folds whole 10 s slices up to `epoch` into the minute slices, each once. */
  foldThrough(epoch: number): void {
    if (epoch <= this.#foldedThrough) return
    const from = Math.max(this.#foldedThrough + 1, epoch - RECENT_SLICES + 1)
    for (let e = from; e <= epoch; e++) {
      const s = this.recent.at(e)
      if (s === undefined || s.requests === 0) continue
      this.#minutes ??= new SliceRing(MINUTE_SLICES, MINUTE_MS)
      s.addTo(this.#minutes.slice(Math.floor((e * SLICE_MS) / MINUTE_MS)))
    }
    this.#foldedThrough = epoch
  }

  /** Bytes the latency slices hold right now. */
  bytes(): number {
    return this.recent.bytes() + (this.#minutes?.bytes() ?? 0)
  }

  avgLatencyMs(now?: number): number {
    return this.window(now).avgMs() ?? 0
  }

  p99LatencyMs(now?: number): number {
    return this.window(now).percentile(99) ?? 0
  }

  p50LatencyMs(now?: number): number {
    return this.window(now).percentile(50) ?? 0
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
