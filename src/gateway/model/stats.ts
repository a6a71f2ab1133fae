// Wire shapes of the statistics beyond the bastion document: the gateway's hour of history and a
// route's latency windows (GET <base>/api/stats/history, GET <base>/api/stats/routes/:id).
import Type from 'typebox'
import { RouteStats } from './views.ts'

/** One 10 s bucket; `t` is its start (ISO); percentiles are null when no request finished in it. */
export const HistoryPoint = Type.Object({
  t: Type.String(),
  requests: Type.Number(),
  errors4xx: Type.Number(),
  errors5xx: Type.Number(),
  p50Ms: Type.Union([Type.Number(), Type.Null()]),
  p99Ms: Type.Union([Type.Number(), Type.Null()]),
})
export type HistoryPoint = Type.Static<typeof HistoryPoint>

/** GET <base>/api/stats/history[?route=<id>]: oldest first, at most one hour. */
export const StatsHistory = Type.Object({
  intervalS: Type.Number(),
  windowS: Type.Number(),
  points: Type.Array(HistoryPoint),
})
export type StatsHistory = Type.Static<typeof StatsHistory>

/** GET <base>/api/stats/history/routes: every route's history at once (the Traffic page). */
export const RoutesHistory = Type.Object({
  intervalS: Type.Number(),
  windowS: Type.Number(),
  routes: Type.Record(Type.String(), Type.Array(HistoryPoint)),
})
export type RoutesHistory = Type.Static<typeof RoutesHistory>

/** What finished in one window; percentiles are null when nothing did. */
export const LatencyWindow = Type.Object({
  requests: Type.Number(),
  errors4xx: Type.Number(),
  errors5xx: Type.Number(),
  p50Ms: Type.Union([Type.Number(), Type.Null()]),
  p90Ms: Type.Union([Type.Number(), Type.Null()]),
  p99Ms: Type.Union([Type.Number(), Type.Null()]),
})
export type LatencyWindow = Type.Static<typeof LatencyWindow>

export const HistogramBucket = Type.Object({
  upToMs: Type.Union([Type.Number(), Type.Null()], {
    description: 'upper bound; null: the open last bucket (∞)',
  }),
  count: Type.Number(),
})
export type HistogramBucket = Type.Static<typeof HistogramBucket>

/** GET <base>/api/stats/routes/:id */
export const RouteStatsDetail = Type.Object({
  ...RouteStats.properties,
  windows: Type.Object({ '1m': LatencyWindow, '5m': LatencyWindow, '15m': LatencyWindow }),
  histogram: Type.Object({ '15m': Type.Array(HistogramBucket) }),
})
export type RouteStatsDetail = Type.Static<typeof RouteStatsDetail>

/** The realtime `history` message: the points one 10 s tick added. */
export const HistorySampleView = Type.Object({
  intervalS: Type.Number(),
  total: HistoryPoint,
  routes: Type.Record(Type.String(), HistoryPoint),
})
export type HistorySampleView = Type.Static<typeof HistorySampleView>
