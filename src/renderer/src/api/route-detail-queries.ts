// Reads of the route detail page and the Routes table's "outranked" flags. The per-route stats and the
// outcome of each request come from other parts of the gateway: every field is optional here, and the
// page shows "–" for what a gateway does not send.
import { useQuery } from '@tanstack/react-query'
import type { RequestRecord, RouteDetail, RoutesSummary } from '../../../gateway/model/index.ts'
import { api, isMissingEndpoint, seg } from './client.ts'

export type {
  PolicyName,
  RouteDetail,
  RouteOrigin,
  RoutePolicySummary,
  RouteRank,
  RoutesSummary,
} from '../../../gateway/model/index.ts'

/** One window of GET api/stats/routes/:id (percentiles null when it saw no request). */
export interface StatsWindow {
  requests: number
  errors4xx: number
  errors5xx: number
  p50Ms: number | null
  p90Ms: number | null
  p99Ms: number | null
}

export interface HistogramBucket {
  /** Upper bound of the bucket; null for the last one (∞). */
  upToMs: number | null
  count: number
}

/** GET api/stats/routes/:id: RouteStats plus windows and a histogram. */
export interface RouteStatsDetail {
  totalRequests?: number
  totalErrors?: number
  avgLatencyMs?: number
  p50LatencyMs?: number
  p99LatencyMs?: number
  cacheHits?: number
  cacheMisses?: number
  rateLimited?: number
  circuitBreaks?: number
  retryAttempts?: number
  validationFailures?: number
  contractViolations?: number
  lastRequestAt?: string | null
  windows?: Partial<Record<'1m' | '5m' | '15m', StatsWindow>>
  histogram?: { '15m'?: HistogramBucket[] }
}

/** A request record; `outcome` (who answered: upstream, cache, rate limit…) where the gateway names it. */
export type RouteRequest = RequestRecord & { outcome?: string }

const TICK_MS = 2000
const noRetryWhenMissing = (count: number, error: unknown) => !isMissingEndpoint(error) && count < 2

export function useRouteDetail(id: string) {
  return useQuery({
    queryKey: ['route-detail', id],
    queryFn: ({ signal }) => api<RouteDetail>(`api/routes/${seg(id)}`, { signal }),
    refetchInterval: TICK_MS,
    retry: noRetryWhenMissing,
  })
}

/** A gateway without the per-route endpoint still has the list: its entry has the counters, no windows. */
async function routeStats(id: string, signal: AbortSignal): Promise<RouteStatsDetail> {
  try {
    return await api<RouteStatsDetail>(`api/stats/routes/${seg(id)}`, { signal })
  } catch (error) {
    if (!isMissingEndpoint(error)) throw error
    const all = await api<Record<string, RouteStatsDetail>>('api/stats/routes', { signal })
    const entry = all[id]
    if (!entry) throw error
    return entry
  }
}

export function useRouteStatsDetail(id: string) {
  return useQuery({
    queryKey: ['route-stats-detail', id],
    queryFn: ({ signal }) => routeStats(id, signal),
    refetchInterval: TICK_MS,
    retry: noRetryWhenMissing,
  })
}

/** The newest 20 (`limit` is ignored by a gateway without it: the page shows the first 20 then). */
export function useRouteRequests(id: string) {
  return useQuery({
    queryKey: ['route-requests', id],
    queryFn: ({ signal }) =>
      api<RouteRequest[]>(`api/requests?route=${encodeURIComponent(id)}&limit=20`, { signal }),
    refetchInterval: TICK_MS,
    retry: noRetryWhenMissing,
  })
}

/** Per route: who defined it, its policies, the routes that outrank it. */
export function useRoutesSummary() {
  return useQuery({
    queryKey: ['routes-summary'],
    queryFn: ({ signal }) => api<RoutesSummary>('api/routes-summary', { signal }),
    refetchInterval: 5000,
    retry: noRetryWhenMissing,
  })
}

/** One 10-second aggregate of GET api/stats/history. */
export interface HistoryPoint {
  t: number
  requests: number
  errors4xx: number
  errors5xx: number
  p50Ms: number | null
  p99Ms: number | null
}

/** GET api/stats/history?route=<id>: the last hour in 10-second steps, oldest first. */
export interface RouteHistory {
  intervalS: number
  windowS: number
  points: HistoryPoint[]
}

export function useRouteHistory(id: string) {
  return useQuery({
    queryKey: ['route-history', id],
    queryFn: ({ signal }) =>
      api<RouteHistory>(`api/stats/history?route=${encodeURIComponent(id)}`, { signal }),
    refetchInterval: 10_000,
    retry: noRetryWhenMissing,
  })
}
