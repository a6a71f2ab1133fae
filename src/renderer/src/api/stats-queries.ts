// The gateway's own hour of 10 s history: fetched once when a page opens, then the realtime
// stream's `history` messages append to the same cache entries (realtime.ts).
import { type QueryClient, useQuery } from '@tanstack/react-query'
import type { HistoryPoint, RoutesHistory, StatsHistory } from '../../../gateway/model/index.ts'
import { api } from './client.ts'
import { useConnection } from './queries.ts'

export type { HistoryPoint, RoutesHistory, StatsHistory }

export const historyKeys = {
  total: ['stats-history'] as const,
  routes: ['stats-history', 'routes'] as const,
}

/** At most one hour of 10 s points. */
const MAX_POINTS = 360

/** The stream appends while it is open; without it, fetch again every bucket. */
function useRefetchWithoutStream(): number | false {
  return useConnection().status === 'open' ? false : 10_000
}

export function useGatewayHistory() {
  return useQuery({
    queryKey: historyKeys.total,
    queryFn: ({ signal }) => api<StatsHistory>('api/stats/history', { signal }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchInterval: useRefetchWithoutStream(),
  })
}

export function useRoutesHistory() {
  return useQuery({
    queryKey: historyKeys.routes,
    queryFn: ({ signal }) => api<RoutesHistory>('api/stats/history/routes', { signal }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchInterval: useRefetchWithoutStream(),
  })
}

function appended(points: readonly HistoryPoint[], point: HistoryPoint): HistoryPoint[] {
  // A point the fetch already returned is not added twice.
  if (points.length > 0 && Date.parse((points.at(-1) as HistoryPoint).t) >= Date.parse(point.t))
    return points as HistoryPoint[]
  const next = points.length >= MAX_POINTS ? points.slice(points.length - MAX_POINTS + 1) : points.slice()
  next.push(point)
  return next
}

/** A realtime `history` message: the total's and each route's newest point. */
export function appendHistory(
  queryClient: QueryClient,
  sample: { total: HistoryPoint; routes: Record<string, HistoryPoint> },
): void {
  queryClient.setQueryData<StatsHistory>(historyKeys.total, (old) =>
    old ? { ...old, points: appended(old.points, sample.total) } : old,
  )
  queryClient.setQueryData<RoutesHistory>(historyKeys.routes, (old) => {
    if (!old) return old
    const routes: RoutesHistory['routes'] = {}
    // Routes that are gone from the sample left the configuration.
    for (const [id, point] of Object.entries(sample.routes))
      routes[id] = appended(old.routes[id] ?? [], point)
    return { ...old, routes }
  })
}

/** Sums of the last `n` points: requests and errors by class. */
export function sumLast(points: readonly HistoryPoint[], n: number) {
  let requests = 0
  let errors4xx = 0
  let errors5xx = 0
  for (const p of points.slice(-n)) {
    requests += p.requests
    errors4xx += p.errors4xx
    errors5xx += p.errors5xx
  }
  return { requests, errors4xx, errors5xx }
}
