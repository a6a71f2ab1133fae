// The /gateway/ws stream feeds the React Query cache: routes and stats are written with setQueryData,
// and every 10 s the gateway's new history points are appended to the hour fetched from
// api/stats/history (the gateway keeps the history; the page keeps none of its own).
import type { QueryClient } from '@tanstack/react-query'
import { queryKeys, tickedKeys } from '../api/query-keys.ts'
import { appendHistory, type HistoryPoint } from '../api/stats-queries.ts'
import type { ConnectionStatus, GatewayStats, RouteView } from '../api/types.ts'

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

  const setStatus = (status: ConnectionStatus) => queryClient.setQueryData(queryKeys.connection, status)

  function armSilenceTimer() {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(() => socket?.close(), SILENCE_MS)
  }

  function onStats(stats: GatewayStats) {
    queryClient.setQueryData(queryKeys.stats, stats)
  }

  function onRoutes(routes: RouteView[]) {
    // A tick built before a write landed must not undo the write's optimistic state; the write
    // refetches the routes itself when it settles.
    if (queryClient.isMutating() === 0) queryClient.setQueryData(queryKeys.routes, routes)
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
