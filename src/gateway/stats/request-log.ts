// The request inspector's memory: the last N proxied requests, fed by the proxy's diagnostics channel
// (nothing in the hot path knows about it). Secrets in headers are redacted before they are stored.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { RequestRecord } from '../model/index.ts'
import type { ProxyEvent } from '../proxy/forward.ts'

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'])
export const REDACTED_HEADER = '[redacted]'

type HeaderMap = Record<string, string | string[]>

export function redactHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders | undefined): HeaderMap {
  const out: HeaderMap = {}
  if (!headers) return out
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    const name = k.toLowerCase()
    out[name] = SECRET_HEADERS.has(name) ? REDACTED_HEADER : Array.isArray(v) ? v.map(String) : String(v)
  }
  return out
}

/** What a replay needs and the wire record must not show. */
export interface ReplaySource {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

/**
 * What the proxy told us, reduced to plain fields: the request and response objects themselves are not
 * kept (500 live IncomingMessages would pin their sockets' buffers and slow the garbage collector).
 * Records are built (and redacted) only when read.
 */
interface Entry {
  readonly seq: number
  readonly startedAt: number
  readonly durationMs: number
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly routeId: string
  readonly target: string
  readonly upstreamPath: string
  readonly status: number
  readonly responseHeaders: OutgoingHttpHeaders | undefined
  record?: RequestRecord
}

function recordOf(entry: Entry): RequestRecord {
  entry.record ??= {
    id: String(entry.seq),
    time: new Date(entry.startedAt).toISOString(),
    method: entry.method,
    path: entry.url,
    routeId: entry.routeId,
    target: entry.target,
    upstreamPath: entry.upstreamPath,
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 100) / 100,
    requestHeaders: redactHeaders(entry.headers),
    responseHeaders: redactHeaders(entry.responseHeaders),
  }
  return entry.record
}

export interface RequestFilter {
  readonly route?: string | undefined
  /** `404`, or a class such as `5xx`. */
  readonly status?: string | undefined
}

export interface RequestLog {
  /** Newest first. */
  list(filter?: RequestFilter): RequestRecord[]
  get(id: string): { record: RequestRecord; replay: ReplaySource } | undefined
  readonly size: number
  close(): void
}

const CHANNEL = 'sallyport:proxy:response'

function statusMatches(status: number, wanted: string | undefined): boolean {
  if (!wanted) return true
  const w = wanted.toLowerCase()
  if (/^[1-5]xx$/.test(w)) return Math.floor(status / 100) === Number(w[0])
  return String(status) === w
}

export function createRequestLog(opts: {
  readonly capacity?: number
  /** True for events of this gateway (several gateways can share one process and one channel). */
  readonly owns: (event: ProxyEvent) => boolean
}): RequestLog {
  const capacity = opts.capacity ?? 500
  const ring: (Entry | undefined)[] = new Array(capacity)
  let next = 0
  let seq = 0
  let closed = false

  // The hot path pays for one small object per request here; formatting waits for a reader.
  const onMessage = (message: unknown) => {
    const e = message as ProxyEvent
    if (!opts.owns(e)) return
    ring[next] = {
      seq: ++seq,
      startedAt: e.startedAt,
      durationMs: e.durationMs,
      method: e.req.method ?? 'GET',
      url: e.req.url ?? '/',
      headers: e.req.headers,
      routeId: e.route.id,
      target: e.target.spec.url,
      upstreamPath: e.upstreamPath,
      status: e.status,
      responseHeaders: e.responseHeaders,
    }
    next = (next + 1) % capacity
  }
  subscribe(CHANNEL, onMessage)

  function entries(): Entry[] {
    const out: Entry[] = []
    for (let i = 1; i <= capacity; i++) {
      const entry = ring[(next - i + capacity) % capacity]
      if (entry) out.push(entry)
    }
    return out
  }

  return {
    list(filter = {}) {
      return entries()
        .filter(
          (e) => (!filter.route || e.routeId === filter.route) && statusMatches(e.status, filter.status),
        )
        .map(recordOf)
    },
    get(id) {
      const entry = entries().find((e) => String(e.seq) === id)
      if (!entry) return undefined
      return {
        record: recordOf(entry),
        replay: { method: entry.method, url: entry.url, headers: entry.headers },
      }
    },
    get size() {
      return ring.filter(Boolean).length
    },
    close() {
      if (closed) return
      closed = true
      unsubscribe(CHANNEL, onMessage)
    },
  }
}
