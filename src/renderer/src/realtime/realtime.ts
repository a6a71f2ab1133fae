// The /gateway/ws stream feeds the React Query cache: routes and stats are written with setQueryData,
// stats points go into a bounded ring buffer, per-route request deltas into sparklines, and every 10 s
// the gateway's new history points are appended to the hour fetched from api/stats/history.
import type { QueryClient } from '@tanstack/react-query'
import { queryKeys, tickedKeys } from '../api/query-keys.ts'
import { appendHistory, type HistoryPoint } from '../api/stats-queries.ts'
import type { ConnectionStatus, GatewayStats, RouteHistory, RouteView, StatsPoint } from '../api/types.ts'

/** 15 minutes of 2 s ticks. */
export const STATS_POINTS = 450
/** Sparkline length per route: 2 minutes of ticks. */
export const ROUTE_POINTS = 60
const MAX_BACKOFF_MS = 30_000
/** With ticks every 2 s, a silent socket for this long is considered dead. */
const SILENCE_MS = 12_000

type RealtimeMessage =
  | { type: 'stats'; data: GatewayStats }
  | { type: 'routes'; data: RouteView[] }
  | { type: 'history'; data: { total: HistoryPoint; routes: Record<string, HistoryPoint> } }

export interface RealtimeConnection {
  retryNow(): void
  close(): void
}

export function backoffDelay(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1))
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

export function startRealtime(queryClient: QueryClient): RealtimeConnection {
  let socket: WebSocket | undefined
  let attempt = 0
  let everOpened = false
  let closed = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let silenceTimer: ReturnType<typeof setTimeout> | undefined
  let lastTotals: { requests: number; errors: number } | undefined
  const lastRouteTotals = new Map<string, number>()

  const setStatus = (status: ConnectionStatus) => queryClient.setQueryData(queryKeys.connection, status)

  function armSilenceTimer() {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(() => socket?.close(), SILENCE_MS)
  }

  function onStats(stats: GatewayStats) {
    queryClient.setQueryData(queryKeys.stats, stats)
    let errorRate = 0
    if (lastTotals && stats.totalRequests >= lastTotals.requests) {
      const requests = stats.totalRequests - lastTotals.requests
      const errors = Math.max(0, stats.totalErrors - lastTotals.errors)
      errorRate = requests > 0 ? (errors / requests) * 100 : 0
    }
    lastTotals = { requests: stats.totalRequests, errors: stats.totalErrors }
    const point: StatsPoint = { t: Date.now(), rps: stats.requestsPerSec, p99: stats.p99LatencyMs, errorRate }
    queryClient.setQueryData<StatsPoint[]>(queryKeys.statsHistory, (old = []) => {
      const next = old.length >= STATS_POINTS ? old.slice(old.length - STATS_POINTS + 1) : old.slice()
      next.push(point)
      return next
    })
  }

  function onRoutes(routes: RouteView[]) {
    // A tick built before a write landed must not undo the write's optimistic state; the write
    // refetches the routes itself when it settles.
    if (queryClient.isMutating() === 0) queryClient.setQueryData(queryKeys.routes, routes)
    const previous = queryClient.getQueryData<RouteHistory>(queryKeys.routeHistory)?.series ?? {}
    const series: Record<string, number[]> = {}
    const seen = new Set<string>()
    for (const route of routes) {
      let total = 0
      for (const target of route.targets) total += target.totalRequests
      const before = lastRouteTotals.get(route.id)
      lastRouteTotals.set(route.id, total)
      seen.add(route.id)
      const delta = before === undefined || total < before ? 0 : total - before
      const old = previous[route.id] ?? []
      const next = old.length >= ROUTE_POINTS ? old.slice(old.length - ROUTE_POINTS + 1) : old.slice()
      next.push(delta)
      series[route.id] = next
    }
    for (const id of lastRouteTotals.keys()) if (!seen.has(id)) lastRouteTotals.delete(id)
    queryClient.setQueryData<RouteHistory>(queryKeys.routeHistory, { series })
    for (const key of tickedKeys) queryClient.invalidateQueries({ queryKey: key })
  }

  function scheduleReconnect() {
    if (closed) return
    attempt += 1
    const delay = backoffDelay(attempt)
    setStatus({ status: 'lost', attempt, retryAt: Date.now() + delay })
    clearTimeout(retryTimer)
    retryTimer = setTimeout(connect, delay)
  }

  function connect() {
    clearTimeout(retryTimer)
    const url = new URL('ws', document.baseURI)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      setStatus({ status: 'unsupported' })
      return
    }
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    if (!everOpened && attempt === 0) setStatus({ status: 'connecting' })
    const ws = new WebSocket(url)
    socket = ws
    ws.onopen = () => {
      if (socket !== ws) return
      const reconnected = everOpened || attempt > 0
      attempt = 0
      everOpened = true
      setStatus({ status: 'open', since: Date.now() })
      armSilenceTimer()
      // anything may have changed while we were away
      if (reconnected)
        queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'realtime' })
    }
    ws.onmessage = (event) => {
      if (socket !== ws) return
      armSilenceTimer()
      let message: RealtimeMessage
      try {
        message = JSON.parse(String(event.data)) as RealtimeMessage
      } catch {
        return
      }
      if (message.type === 'stats') onStats(message.data)
      else if (message.type === 'routes' && Array.isArray(message.data)) onRoutes(message.data)
      else if (message.type === 'history' && message.data?.total) appendHistory(queryClient, message.data)
    }
    ws.onerror = () => ws.close()
    ws.onclose = () => {
      if (socket !== ws) return
      socket = undefined
      clearTimeout(silenceTimer)
      scheduleReconnect()
    }
  }

  connect()

  return {
    retryNow() {
      if (closed || socket) return
      attempt = Math.max(0, attempt - 1)
      connect()
    },
    close() {
      closed = true
      clearTimeout(retryTimer)
      clearTimeout(silenceTimer)
      const ws = socket
      socket = undefined
      ws?.close()
    },
  }
}
