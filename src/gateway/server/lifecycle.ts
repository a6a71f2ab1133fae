// Graceful drain: stop accepting, let in-flight requests finish (bounded), then cut what is left.
import type { Server } from 'node:http'
import type { FastLane } from './fast-lane.ts'

export async function drainServer(server: Server, timeoutMs: number, lane?: FastLane): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Idle keep-alive sockets would otherwise hold close() open until they time out.
  const closeIdle = () => {
    server.closeIdleConnections()
    lane?.closeIdle()
  }
  closeIdle()
  const idleSweep = setInterval(closeIdle, 50)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const result = await Promise.race([closed, timedOut])
  clearInterval(idleSweep)
  clearTimeout(timer)
  if (result === 'timeout') {
    server.closeAllConnections()
    lane?.closeAll()
    await closed
  }
}
