// WS <base>/ws: every tick, one `stats` and one `routes` message, each serialised once and written to
// every client (bastion document); every 10 s a `history` message with the points the gateway's
// history just gained (the dashboard loads the hour before over GET api/stats/history).
// Answers 503 `realtime not enabled` when turned off.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { GatewayCore } from '../core.ts'
import type { RealtimeMessage } from '../model/index.ts'
import { HISTORY_INTERVAL_S } from '../stats/history.ts'
import { gatewayStats, routeViews } from './views.ts'

export interface Realtime {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  readonly clients: number
  close(): Promise<void>
}

function reject(socket: Duplex, status: number, text: string, error: string): void {
  const body = JSON.stringify({ error })
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}

export function createRealtime(
  core: GatewayCore,
  opts: { allowUpgrade?: (req: IncomingMessage) => { status: number; error: string } | undefined } = {},
): Realtime {
  const settings = core.watcher.current.settings
  const path = `${settings.adminBasePath}/ws`
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const sendAll = (text: string) => {
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(text)
  }
  const messages = (): string[] => [
    JSON.stringify({ type: 'stats', data: gatewayStats(core) } satisfies RealtimeMessage),
    JSON.stringify({ type: 'routes', data: routeViews(core) } satisfies RealtimeMessage),
  ]
  const timer = setInterval(() => {
    if (wss.clients.size === 0) return
    for (const m of messages()) sendAll(m)
  }, settings.statsIntervalMs)
  timer.unref()
  const stopHistory = core.history.onSample((sample) => {
    if (wss.clients.size === 0) return
    const data = { intervalS: HISTORY_INTERVAL_S, total: sample.total, routes: sample.routes }
    sendAll(JSON.stringify({ type: 'history', data } satisfies RealtimeMessage))
  })
  return {
    handleUpgrade(req, socket, head) {
      const url = req.url ?? '/'
      const pathname = url.split('?')[0]
      if (pathname !== path) return reject(socket, 404, 'Not Found', 'not found')
      if (!settings.realtime) return reject(socket, 503, 'Service Unavailable', 'realtime not enabled')
      const refused = opts.allowUpgrade?.(req)
      if (refused)
        return reject(
          socket,
          refused.status,
          refused.status === 401 ? 'Unauthorized' : 'Forbidden',
          refused.error,
        )
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        // A new client gets the current state at once instead of waiting for the next tick.
        for (const m of messages()) ws.send(m)
      })
    },
    get clients() {
      return wss.clients.size
    },
    async close() {
      clearInterval(timer)
      stopHistory()
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}
