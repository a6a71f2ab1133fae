// The request inspector: every request the gateway answered (whoever answered it), fed by the
// proxy's diagnostics channel (nothing in the hot path knows about it), kept in a ring with bounded
// memory; listed newest first by start time, filtered, shown with bodies, exported, tailed live.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingHttpHeaders } from 'node:http'
import type { InspectorSettings } from '../config/settings.ts'
import type { Outcome, RequestDetail, RequestRecord } from '../model/index.ts'
import type { CaptureSettings } from './body-capture.ts'
import { bodyView } from './body-view.ts'
import { EXCHANGE_CHANNEL, type ExchangeEvent } from './exchange-event.ts'
import { type HeaderMap, Redactor } from './redaction.ts'
import { RequestRing } from './request-ring.ts'

export { REDACTED as REDACTED_HEADER } from './redaction.ts'

/** What a replay needs and the wire record must not show. */
export interface ReplaySource {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** The request body as kept; `bodyComplete` false when it was cut or dropped. */
  readonly body: Buffer | undefined
  readonly bodyComplete: boolean
  /** The original response body as kept (for the replay's diff). */
  readonly responseBody: Buffer | undefined
}

export interface RequestFilter {
  readonly route?: string | undefined
  /** `404`, or a class such as `5xx`. */
  readonly status?: string | undefined
  readonly outcome?: string | undefined
  readonly method?: string | undefined
  /** Text the path (with its query) contains, case-insensitively. */
  readonly q?: string | undefined
  /** Only requests recorded after this id (the live tail). */
  readonly since?: string | undefined
  /** Only these ids (an export of a selection). */
  readonly ids?: readonly string[] | undefined
  /** At most this many, the newest. */
  readonly limit?: number | undefined
}

export interface RequestLog {
  /** Newest first by start time (a long request that ended late sits where it started). */
  list(filter?: RequestFilter): RequestRecord[]
  /** One request with its bodies (redacted), or undefined when unknown or overwritten. */
  detail(id: string): RequestDetail | undefined
  get(id: string): { record: RequestRecord; replay: ReplaySource } | undefined
  /** The newest id recorded so far ('0' before any). */
  readonly newestId: string
  readonly size: number
  /** What the proxy reads per request: a live object, changed by `configure`. */
  readonly capture: CaptureSettings
  /** Body bytes kept now over all requests. */
  readonly bodyBytes: number
  configure(settings: InspectorSettings): void
  close(): void
}

function statusMatches(status: number, wanted: string | undefined): boolean {
  if (!wanted) return true
  const w = wanted.toLowerCase()
  if (/^[1-5]xx$/.test(w)) return Math.floor(status / 100) === Number(w[0])
  return String(status) === w
}

/** `a,b` lists in a query value. */
const listOf = (value: string | undefined): Set<string> | undefined =>
  value ? new Set(value.split(',').map((v) => v.trim().toLowerCase())) : undefined

export function createRequestLog(opts: {
  readonly capacity?: number
  readonly settings: InspectorSettings
  /** True for events of this gateway (several gateways can share one process and one channel). */
  readonly owns: (event: ExchangeEvent) => boolean
}): RequestLog {
  const redactor = new Redactor()
  const ring = new RequestRing(opts.capacity ?? 500, redactor)
  const capture: CaptureSettings = { bodyLimit: 0, arena: ring.arena }
  let closed = false
  // The hot path pays for one string, one copy into the ring's bytes and the bodies' copies;
  // formatting waits for a reader.
  const onMessage = (message: unknown) => {
    const e = message as ExchangeEvent
    if (opts.owns(e)) ring.add(e, capture.bodyLimit)
  }
  subscribe(EXCHANGE_CHANNEL, onMessage)

  const configure = (s: InspectorSettings) => {
    capture.bodyLimit = s.bodyLimit
    ring.bodyBudget = s.bodyBudget
    capture.arena = ring.arena
    redactor.configure(s.redactHeaders, s.redactFields)
    ring.forgetRecords()
  }
  configure(opts.settings)

  const slotsNewestFirst = (filter: RequestFilter): number[] => {
    const outcomes = listOf(filter.outcome)
    const methods = listOf(filter.method)
    const ids = filter.ids ? new Set(filter.ids) : undefined
    const since = filter.since ? Number(filter.since) : 0
    const q = filter.q?.toLowerCase()
    const out: number[] = []
    ring.forEachNewest((slot) => {
      if (since > 0 && (ring.seq[slot] as number) <= since) return
      if (ids && !ids.has(String(ring.seq[slot]))) return
      if (filter.route && ring.routeId[slot] !== filter.route) return
      if (!statusMatches(ring.status[slot] as number, filter.status)) return
      if (outcomes && !outcomes.has(ring.outcomeOf(slot))) return
      if (methods && !methods.has((ring.method[slot] as string).toLowerCase())) return
      if (q && !ring.record(slot).path.toLowerCase().includes(q)) return
      out.push(slot)
    })
    // Start time, newest first; requests that started together keep their recording order.
    out.sort(
      (a, b) =>
        (ring.startedAt[b] as number) - (ring.startedAt[a] as number) ||
        (ring.seq[b] as number) - (ring.seq[a] as number),
    )
    return filter.limit !== undefined && filter.limit >= 0 ? out.slice(0, filter.limit) : out
  }

  return {
    list(filter = {}) {
      return slotsNewestFirst(filter).map((slot) => ring.record(slot))
    },
    detail(id) {
      const slot = ring.slotOf(id)
      if (slot < 0) return undefined
      const record = ring.record(slot)
      const text = ring.decode(slot)
      const b = ring.bodiesOf(slot)
      const view = (bytes: Buffer | undefined, size: number, headers: typeof text.requestHeaders) =>
        bodyView(
          {
            bytes,
            size,
            contentType: first(headers['content-type']),
            contentEncoding: first(headers['content-encoding']),
            dropped: b.dropped,
            limit: capture.bodyLimit,
          },
          redactor,
        )
      return {
        ...record,
        requestBody: view(b.request, b.requestSize, text.requestHeaders),
        responseBody: view(b.response, b.responseSize, text.responseHeaders),
      }
    },
    get(id) {
      const slot = ring.slotOf(id)
      if (slot < 0) return undefined
      const text = ring.decode(slot)
      const b = ring.bodiesOf(slot)
      return {
        record: ring.record(slot),
        replay: {
          method: ring.method[slot] as string,
          url: text.url,
          headers: text.requestHeaders as IncomingHttpHeaders,
          body: b.request,
          bodyComplete: b.requestSize === (b.request?.length ?? 0),
          responseBody: b.response,
        },
      }
    },
    get newestId() {
      return String(ring.newestSeq)
    },
    get size() {
      return ring.size
    },
    get bodyBytes() {
      return ring.bodyBytes
    },
    capture,
    configure,
    close() {
      if (closed) return
      closed = true
      unsubscribe(EXCHANGE_CHANNEL, onMessage)
    },
  }
}

function first(value: HeaderMap[string] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export type { Outcome }
