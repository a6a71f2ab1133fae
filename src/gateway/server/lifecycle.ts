// Graceful drain: stop accepting, let in-flight requests finish (bounded), then cut what is left.
import type { Server } from 'node:http'

/** A front-end that holds connections of its own (the fast lane, HTTP/2 sessions). */
export interface ConnectionHolder {
  /** Closes connections with nothing in flight; the others close once their responses are done. */
  closeIdle(): void
  /** Cuts every connection. */
  closeAll(): void
}

export async function drainServer(
  server: Server,
  timeoutMs: number,
  holders: readonly ConnectionHolder[],
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Idle keep-alive sockets would otherwise hold close() open until they time out.
  const closeIdle = () => {
    server.closeIdleConnections()
    for (const h of holders) h.closeIdle()
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
    for (const h of holders) h.closeAll()
    await closed
  }
}
