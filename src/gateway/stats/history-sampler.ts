// Every 10 s, just after a bucket closes, reads each series' closed 10 s slice (counters and histogram
// the hot path already keeps) into its hour of history, and folds it into the minute slices behind the
// 5/15-minute windows. Nothing per request: the work is per series per 10 s, off the request path.
import type { TrafficCounters } from './counters.ts'
import { HISTORY_INTERVAL_S, HISTORY_WINDOW_S, type HistoryPoint, HistoryRing } from './history.ts'

const INTERVAL_MS = HISTORY_INTERVAL_S * 1000
/** Read a closed bucket this long after it closed, so requests finishing at its edge are in. */
const SETTLE_MS = 50

/** The points one tick added: the total and each route that exists. */
export interface HistorySample {
  total: HistoryPoint
  routes: Record<string, HistoryPoint>
}

export interface HistorySampler {
  /** Samples every bucket closed since the last tick (the timer calls it; tests call it with their clock). */
  tick(): void
  total(): HistoryPoint[]
  /** A route's points, or undefined when the route is unknown to the sampler. */
  route(id: string): HistoryPoint[] | undefined
  routeIds(): string[]
  onSample(listener: (sample: HistorySample) => void): () => void
  /** Bytes held by the history rings. */
  bytes(): number
  close(): void
}

export interface HistorySamplerDeps {
  readonly total: TrafficCounters
  /** The routes now configured, with their counters when they have seen traffic. */
  routes(): Iterable<readonly [id: string, counters: TrafficCounters | undefined]>
  readonly now?: () => number
  /** false: no timer (tests drive tick()). */
  readonly timer?: boolean
}

/** Bytes of one ring: six 360-entry columns (one Float64, five 32-bit). */
const RING_BYTES = 360 * (8 + 5 * 4)

export function createHistorySampler(deps: HistorySamplerDeps): HistorySampler {
  const now = deps.now ?? Date.now
  const total = new HistoryRing()
  const routes = new Map<string, HistoryRing>()
  const listeners = new Set<(sample: HistorySample) => void>()
  // The first bucket sampled is the one the gateway started in.
  let lastSampled = Math.floor(now() / INTERVAL_MS) - 1
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const tick = () => {
    const closedEpoch = Math.floor(now() / INTERVAL_MS) - 1
    if (closedEpoch <= lastSampled) return
    // After a long stall only the last hour matters.
    const from = Math.max(lastSampled + 1, closedEpoch - HISTORY_WINDOW_S / HISTORY_INTERVAL_S + 1)
    const seen = new Set<string>()
    let sample: HistorySample | undefined
    for (let e = from; e <= closedEpoch; e++) {
      const startMs = e * INTERVAL_MS
      sample = { total: total.push(startMs, deps.total.recent.at(e)), routes: {} }
      for (const [id, counters] of deps.routes()) {
        seen.add(id)
        let ring = routes.get(id)
        if (ring === undefined) {
          ring = new HistoryRing()
          routes.set(id, ring)
        }
        sample.routes[id] = ring.push(startMs, counters?.recent.at(e))
      }
    }
    for (const [, counters] of deps.routes()) counters?.foldThrough(closedEpoch)
    // Routes that left the configuration take their history with them.
    for (const id of routes.keys()) if (!seen.has(id)) routes.delete(id)
    lastSampled = closedEpoch
    if (sample) for (const l of listeners) l(sample)
  }

  const schedule = () => {
    if (closed) return
    const delay = INTERVAL_MS - (now() % INTERVAL_MS) + SETTLE_MS
    timer = setTimeout(() => {
      tick()
      schedule()
    }, delay)
    timer.unref()
  }
  if (deps.timer !== false) schedule()

  return {
    tick,
    total: () => total.points(),
    route: (id) => routes.get(id)?.points(),
    routeIds: () => [...routes.keys()],
    onSample(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    bytes: () => (routes.size + 1) * RING_BYTES,
    close() {
      closed = true
      clearTimeout(timer)
      listeners.clear()
    },
  }
}
