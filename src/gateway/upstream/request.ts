// A small one-shot request over the pools (health checks, pings): the status, the body read and
// dropped (up to a limit), a deadline for the whole exchange.
import type { UpstreamAgent } from './agent.ts'
import type { DispatchController, DispatchHandler } from './types.ts'
import { UpstreamError } from './types.ts'

export interface SimpleRequest {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /** Bytes of body read before giving up on the rest (the connection is then closed). */
  readonly bodyLimit?: number
}

/** Resolves the response status once the whole response has arrived; rejects on failure or timeout. */
export function requestStatus(agent: UpstreamAgent, url: string, r: SimpleRequest): Promise<number> {
  const u = new URL(url)
  const pool = agent.get(u.origin)
  const limit = r.bodyLimit ?? 64 * 1024
  return new Promise((resolve, reject) => {
    let status = 0
    let read = 0
    let controller: DispatchController | undefined
    const stop = (err: Error) => controller?.abort(err)
    const timer = setTimeout(
      () => stop(new UpstreamError('UPSTREAM_HEADERS_TIMEOUT', `no answer within ${r.timeoutMs} ms`)),
      r.timeoutMs,
    )
    const onAbort = () => stop(new Error('aborted'))
    r.signal?.addEventListener('abort', onAbort, { once: true })
    const done = () => {
      clearTimeout(timer)
      r.signal?.removeEventListener('abort', onAbort)
    }
    const handler: DispatchHandler = {
      onRequestStart(c) {
        controller = c
        if (r.signal?.aborted) c.abort(new Error('aborted'))
      },
      onResponseStart(_c, s) {
        status = s
      },
      onResponseData(c, chunk) {
        read += chunk.length
        // Enough to know the answer: stop reading (the connection is closed, not reused).
        if (read > limit) {
          done()
          resolve(status)
          c.abort(new Error('body limit reached'))
        }
      },
      onResponseEnd() {
        done()
        resolve(status)
      },
      onResponseError(_c, err) {
        done()
        reject(err)
      },
    }
    pool.dispatch(
      {
        method: r.method ?? 'GET',
        path: u.pathname + u.search,
        headers: { host: u.host, ...r.headers },
        body: null,
        headersTimeout: r.timeoutMs,
      },
      handler,
    )
  })
}
