// Graceful drain: stop accepting, let in-flight requests finish (bounded), then cut what is left.
import type { Server } from 'node:http'

export async function drainServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Idle keep-alive sockets would otherwise hold close() open until they time out.
  server.closeIdleConnections()
  const idleSweep = setInterval(() => server.closeIdleConnections(), 50)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const result = await Promise.race([closed, timedOut])
  clearInterval(idleSweep)
  clearTimeout(timer)
  if (result === 'timeout') {
    server.closeAllConnections()
    await closed
  }
}
