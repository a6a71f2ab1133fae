// How long the event loop was held: perf_hooks.monitorEventLoopDelay sampled every 10 ms, kept as six
// 10-second slots (HDR histograms merge exactly) for the stats' one-minute window, and folded into
// cumulative Prometheus buckets as each slot closes (only then: bucket counts must never go down, and a
// slot still open would be read again with different rounding).
import {
  createHistogram,
  type IntervalHistogram,
  monitorEventLoopDelay,
  type RecordableHistogram,
} from 'node:perf_hooks'

export const EVENT_LOOP_RESOLUTION_MS = 10
export const EVENT_LOOP_WINDOW_S = 60
export const EVENT_LOOP_SLOT_MS = 10_000
/** Upper bounds in seconds of the delay histogram's buckets (`le`). */
export const EVENT_LOOP_BUCKETS_S = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

export interface EventLoopSummary {
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** The window these cover, in seconds (the last minute, or since start when shorter). */
  readonly windowS: number
}

export interface EventLoopHistogram {
  /** Cumulative counts per EVENT_LOOP_BUCKETS_S bound, since start, up to the last closed slot. */
  readonly buckets: readonly number[]
  readonly count: number
  readonly sumS: number
}

export interface EventLoopDelay {
  summary(): EventLoopSummary
  histogram(): EventLoopHistogram
  close(): void
}

/** A sample is the time between timer ticks: the delay is what exceeds the 10 ms interval. */
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS)

/**
 * A mergeable copy of the monitor's samples (an IntervalHistogram cannot be added to another): each
 * value of its percentile curve recorded as often as the curve says, about 100 records a second.
 */
function copyOf(monitor: IntervalHistogram): RecordableHistogram {
  const copy = createHistogram()
  let before = 0
  for (const [percentile, ns] of [...monitor.percentiles.entries()].sort((a, b) => a[0] - b[0])) {
    const n = Math.round(((percentile - before) / 100) * monitor.count)
    for (let i = 0; i < n; i++) copy.record(Math.max(1, ns))
    before = percentile
  }
  return copy
}

/** Totals plus one slot: cumulative bucket counts read off the slot's percentile curve. */
function plus(totals: EventLoopHistogram, slot: RecordableHistogram): EventLoopHistogram {
  if (slot.count === 0) return totals
  const curve = [...slot.percentiles.entries()].sort((a, b) => a[0] - b[0])
  return {
    buckets: EVENT_LOOP_BUCKETS_S.map((bound, i) => {
      let share = 0
      for (const [percentile, ns] of curve) if (delayMs(ns) / 1000 <= bound) share = percentile / 100
      return (totals.buckets[i] ?? 0) + Math.round(share * slot.count)
    }),
    count: totals.count + slot.count,
    sumS: totals.sumS + (delayMs(slot.mean) / 1000) * slot.count,
  }
}

/** `slotMs` is for tests: how often a slot closes and reaches the Prometheus buckets. */
export function createEventLoopDelay({ slotMs = EVENT_LOOP_SLOT_MS } = {}): EventLoopDelay {
  const startedAt = Date.now()
  const monitor = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
  monitor.enable()
  const slots: RecordableHistogram[] = []
  let totals: EventLoopHistogram = { buckets: EVENT_LOOP_BUCKETS_S.map(() => 0), count: 0, sumS: 0 }
  const open = () => copyOf(monitor)

  const timer = setInterval(() => {
    const slot = open()
    monitor.reset()
    totals = plus(totals, slot)
    slots.push(slot)
    if (slots.length >= (EVENT_LOOP_WINDOW_S * 1000) / slotMs) slots.shift()
  }, slotMs)
  timer.unref()

  return {
    summary() {
      const all = open()
      for (const s of slots) all.add(s)
      const ms = (ns: number) => (all.count ? Math.round(delayMs(ns) * 10) / 10 : 0)
      return {
        p50Ms: ms(all.percentile(50)),
        p99Ms: ms(all.percentile(99)),
        maxMs: ms(all.max),
        windowS: Math.min(EVENT_LOOP_WINDOW_S, Math.round((Date.now() - startedAt) / 1000)),
      }
    },
    histogram: () => totals,
    close() {
      clearInterval(timer)
      monitor.disable()
    },
  }
}
