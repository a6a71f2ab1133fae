// Reads of the route detail page and the Routes table's "outranked" flags: the route with who defined
// it and what outranks it, its latency windows and hour of history, its newest requests.
import { useQuery } from '@tanstack/react-query'
import type {
  RequestRecord,
  RouteDetail,
  RouteStatsDetail,
  RoutesSummary,
  StatsHistory,
} from '../../../gateway/model/index.ts'
import { api, isMissingEndpoint, seg } from './client.ts'

export type {
  PolicyName,
  RouteDetail,
  RouteOrigin,
  RoutePolicySummary,
  RouteRank,
  RoutesSummary,
  RouteStatsDetail,
  StatsHistory,
  LatencyWindow as StatsWindow,
  HistogramBucket,
  HistoryPoint,
} from '../../../gateway/model/index.ts'

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

export function useRouteStatsDetail(id: string) {
  return useQuery({
    queryKey: ['route-stats-detail', id],
    queryFn: ({ signal }) => api<RouteStatsDetail>(`api/stats/routes/${seg(id)}`, { signal }),
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

export function useRouteHistory(id: string) {
  return useQuery({
    queryKey: ['route-history', id],
    queryFn: ({ signal }) =>
      api<StatsHistory>(`api/stats/history?route=${encodeURIComponent(id)}`, { signal }),
    refetchInterval: 10_000,
    retry: noRetryWhenMissing,
  })
}
