// The contract between the proxy and its upstream HTTP/1.1 client. The shape follows undici's
// dispatch handlers (the proxy was written against them first), cut down to what the proxy uses.

/** Lower-case names; end-to-end fields only (hop-by-hop ones are consumed by the client). */
export type ResponseHeaders = Record<string, string | string[]>

export interface DispatchOptions {
  readonly method: string
  /** Path and query, already rewritten for the upstream. */
  readonly path: string
  /** Lower-case names; `host` included. Hop-by-hop fields must already be gone. */
  readonly headers: Record<string, string | string[]>
  /** A streamed request body (the client's request), a buffered one, or none. */
  readonly body: NodeJS.ReadableStream | Buffer | null
  /** Time allowed from sending the request until the response head arrives; 0 = none. */
  readonly headersTimeout: number
}

export interface DispatchController {
  readonly aborted: boolean
  readonly paused: boolean
  /** Stops the exchange: the connection is closed and `onResponseError(reason)` follows once. */
  abort(reason: Error): void
  pause(): void
  resume(): void
  /**
   * Keeps the bytes of the chunk just delivered from being overwritten until the returned function is
   * called (pass it as the write's callback). Only for handlers that borrow chunks.
   */
  hold(): () => void
}

export interface DispatchHandler {
  /**
   * True when the handler uses each body chunk only during `onResponseData`, or holds it with
   * `controller.hold()`: it then gets views of the connection's read buffer. Otherwise it gets copies
   * it may keep.
   */
  readonly borrowsChunks?: boolean
  onRequestStart?(controller: DispatchController): void
  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void
  onResponseData(controller: DispatchController, chunk: Buffer): void
  onResponseEnd(controller: DispatchController): void
  onResponseError(controller: DispatchController, err: Error): void
}

/** Error codes of this client; socket errors keep Node's own (`ECONNREFUSED`, `ECONNRESET`, ...). */
export type UpstreamErrorCode =
  | 'UPSTREAM_HEADERS_TIMEOUT'
  | 'UPSTREAM_CONNECT_TIMEOUT'
  | 'UPSTREAM_CLOSED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_POOL_CLOSED'

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode
  constructor(code: UpstreamErrorCode, message: string) {
    super(message)
    this.name = 'UpstreamError'
    this.code = code
  }
}
