// One hour of 10-second aggregates per series (the gateway total, each route), in fixed-size typed
// columns: a series costs the same ~8 KiB whether it is busy or idle, and nothing grows.
import type { Slice } from './latency-histogram.ts'

export const HISTORY_INTERVAL_S = 10
export const HISTORY_WINDOW_S = 3600
const CAPACITY = HISTORY_WINDOW_S / HISTORY_INTERVAL_S

/** One 10 s bucket: `t` is its start; percentiles are null when nothing finished in it. */
export interface HistoryPoint {
  t: string
  requests: number
  errors4xx: number
  errors5xx: number
  p50Ms: number | null
  p99Ms: number | null
}

export class HistoryRing {
  readonly #startMs = new Float64Array(CAPACITY)
  readonly #requests = new Uint32Array(CAPACITY)
  readonly #errors4xx = new Uint32Array(CAPACITY)
  readonly #errors5xx = new Uint32Array(CAPACITY)
  // NaN: no request in the bucket.
  readonly #p50 = new Float32Array(CAPACITY)
  readonly #p99 = new Float32Array(CAPACITY)
  #next = 0
  #size = 0

  /** Appends the bucket starting at `startMs` from its slice (undefined: nothing happened). */
  push(startMs: number, slice: Slice | undefined): HistoryPoint {
    const i = this.#next
    this.#startMs[i] = startMs
    this.#requests[i] = slice?.requests ?? 0
    this.#errors4xx[i] = slice?.errors4xx ?? 0
    this.#errors5xx[i] = slice?.errors5xx ?? 0
    this.#p50[i] = slice?.percentile(50) ?? Number.NaN
    this.#p99[i] = slice?.percentile(99) ?? Number.NaN
    this.#next = (i + 1) % CAPACITY
    if (this.#size < CAPACITY) this.#size++
    return this.#point(i)
  }

  /** Oldest first. */
  points(): HistoryPoint[] {
    const out: HistoryPoint[] = []
    const first = (this.#next - this.#size + CAPACITY) % CAPACITY
    for (let k = 0; k < this.#size; k++) out.push(this.#point((first + k) % CAPACITY))
    return out
  }

  get length(): number {
    return this.#size
  }

  #point(i: number): HistoryPoint {
    const p50 = this.#p50[i] as number
    const p99 = this.#p99[i] as number
    return {
      t: new Date(this.#startMs[i] as number).toISOString(),
      requests: this.#requests[i] as number,
      errors4xx: this.#errors4xx[i] as number,
      errors5xx: this.#errors5xx[i] as number,
      // Float32 storage: round back to the 0.01 ms the slices report.
      p50Ms: Number.isNaN(p50) ? null : Math.round(p50 * 100) / 100,
      p99Ms: Number.isNaN(p99) ? null : Math.round(p99 * 100) / 100,
    }
  }
}
