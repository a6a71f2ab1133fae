// The request inspector's memory: the last N proxied requests, fed by the proxy's diagnostics channel
// (nothing in the hot path knows about it). Secrets in headers are redacted in every record it shows.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { RequestRecord } from '../model/index.ts'
import { EXCHANGE_CHANNEL, type ExchangeEvent } from './exchange-event.ts'

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

function statusMatches(status: number, wanted: string | undefined): boolean {
  if (!wanted) return true
  const w = wanted.toLowerCase()
  if (/^[1-5]xx$/.test(w)) return Math.floor(status / 100) === Number(w[0])
  return String(status) === w
}

export function createRequestLog(opts: {
  readonly capacity?: number
  /** True for events of this gateway (several gateways can share one process and one channel). */
  readonly owns: (event: ExchangeEvent) => boolean
}): RequestLog {
  const ring = new RequestRing(opts.capacity ?? 500)
  let closed = false
  // The hot path pays for one string and one copy into the ring's bytes; formatting waits for a reader.
  const onMessage = (message: unknown) => {
    const e = message as ExchangeEvent
    if (opts.owns(e)) ring.add(e)
  }
  subscribe(EXCHANGE_CHANNEL, onMessage)

  return {
    list(filter = {}) {
      const out: RequestRecord[] = []
      ring.forEachNewest((slot) => {
        if (filter.route && ring.routeId[slot] !== filter.route) return
        if (!statusMatches(ring.status[slot] as number, filter.status)) return
        out.push(ring.record(slot))
      })
      return out
    },
    get(id) {
      const slot = ring.slotOf(id)
      if (slot < 0) return undefined
      const text = ring.decode(slot)
      return {
        record: ring.record(slot),
        replay: {
          method: ring.method[slot] as string,
          url: text.url,
          headers: text.requestHeaders as IncomingHttpHeaders,
        },
      }
    },
    get size() {
      return ring.size
    },
    close() {
      if (closed) return
      closed = true
      unsubscribe(EXCHANGE_CHANNEL, onMessage)
    },
  }
}

/** Bytes a slot holds: url, upstream path and both header blocks, UTF-8. Longer ones are kept as strings. */
const SLOT_BYTES = 4096
/** Slots per buffer segment: segments are allocated as the ring fills, so an idle gateway holds one. */
const SEGMENT_SLOTS = 32

/**
 * The last `capacity` requests, kept where the garbage collector does not have to look at them.
 * Holding 500 requests' header objects kept ~0.5 MB of young objects alive at every scavenge: V8 then
 * grew the young generation to its 32 MB maximum, and in some runs promoted every scavenge's survivors
 * into the old generation (+25 MB of garbage between full collections). Numbers live in typed arrays,
 * the strings every request repeats (method, route id, target) are shared, and what is particular to a
 * request (url, paths, headers) is one line-based text written into a preallocated buffer.
 */
export class RequestRing {
  readonly capacity: number
  readonly seq: Float64Array
  readonly startedAt: Float64Array
  readonly durationMs: Float64Array
  readonly status: Int32Array
  readonly method: (string | undefined)[]
  readonly routeId: (string | undefined)[]
  readonly target: (string | undefined)[]
  private readonly textBytes: Int32Array
  /** The slots' bytes, SEGMENT_SLOTS slots per segment. */
  private readonly segments: Buffer[] = []
  /** Text too long for its slot (rare: very long urls or cookies). */
  private readonly spilled: (string | undefined)[]
  /** Records built for a reader, until the slot is reused. */
  private readonly records: (RequestRecord | undefined)[]
  private next = 0
  private count = 0
  private lastSeq = 0

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity))
    this.seq = new Float64Array(this.capacity)
    this.startedAt = new Float64Array(this.capacity)
    this.durationMs = new Float64Array(this.capacity)
    this.status = new Int32Array(this.capacity)
    this.textBytes = new Int32Array(this.capacity)
    this.method = new Array(this.capacity).fill(undefined)
    this.routeId = new Array(this.capacity).fill(undefined)
    this.target = new Array(this.capacity).fill(undefined)
    this.spilled = new Array(this.capacity).fill(undefined)
    this.records = new Array(this.capacity).fill(undefined)
  }

  get size(): number {
    return this.count
  }

  add(e: ExchangeEvent): void {
    const slot = this.next
    this.next = (slot + 1) % this.capacity
    if (this.count < this.capacity) this.count++
    this.seq[slot] = ++this.lastSeq
    this.startedAt[slot] = e.startedAt
    this.durationMs[slot] = e.durationMs
    this.status[slot] = e.status
    this.method[slot] = e.req.method ?? 'GET'
    this.routeId[slot] = e.route.id
    this.target[slot] = e.target.spec.url
    this.records[slot] = undefined
    const text = encodeText(e.req.url ?? '/', e.upstreamPath, e.req.headers, e.responseHeaders)
    // Three bytes per UTF-16 unit at most, so short texts need no measuring.
    if (text.length * 3 <= SLOT_BYTES || Buffer.byteLength(text) <= SLOT_BYTES) {
      const at = (slot % SEGMENT_SLOTS) * SLOT_BYTES
      this.textBytes[slot] = this.segment(slot).write(text, at, SLOT_BYTES, 'utf8')
      this.spilled[slot] = undefined
    } else {
      this.textBytes[slot] = -1
      this.spilled[slot] = text
    }
  }

  private segment(slot: number): Buffer {
    const i = Math.floor(slot / SEGMENT_SLOTS)
    let seg = this.segments[i]
    if (!seg) {
      seg = Buffer.allocUnsafeSlow(SEGMENT_SLOTS * SLOT_BYTES)
      this.segments[i] = seg
    }
    return seg
  }

  /** Calls `fn` with every used slot, newest first. */
  forEachNewest(fn: (slot: number) => void): void {
    for (let i = 1; i <= this.count; i++) fn((this.next - i + this.capacity) % this.capacity)
  }

  /** The slot holding request `id`, or -1 when it is unknown or already overwritten. */
  slotOf(id: string): number {
    const seq = Number(id)
    if (!Number.isInteger(seq) || seq < 1 || seq > this.lastSeq || seq <= this.lastSeq - this.count) return -1
    const slot = (seq - 1) % this.capacity
    return this.seq[slot] === seq ? slot : -1
  }

  decode(slot: number): DecodedText {
    const n = this.textBytes[slot] as number
    if (n < 0) return decodeText(this.spilled[slot] as string)
    const at = (slot % SEGMENT_SLOTS) * SLOT_BYTES
    return decodeText(this.segment(slot).toString('utf8', at, at + n))
  }

  record(slot: number): RequestRecord {
    const cached = this.records[slot]
    if (cached) return cached
    const text = this.decode(slot)
    const record: RequestRecord = {
      id: String(this.seq[slot]),
      time: new Date(this.startedAt[slot] as number).toISOString(),
      method: this.method[slot] as string,
      path: text.url,
      routeId: this.routeId[slot] as string,
      target: this.target[slot] as string,
      upstreamPath: text.upstreamPath,
      status: this.status[slot] as number,
      durationMs: Math.round((this.durationMs[slot] as number) * 100) / 100,
      requestHeaders: redactHeaders(text.requestHeaders),
      responseHeaders: redactHeaders(text.responseHeaders),
    }
    this.records[slot] = record
    return record
  }
}

export interface DecodedText {
  readonly url: string
  readonly upstreamPath: string
  readonly requestHeaders: HeaderMap
  readonly responseHeaders: HeaderMap
}

// The text: url and upstream path on a line each, the request's header lines, an empty line, the
// response's header lines. A header line is `name:value`; the items of a list value each get a line
// that starts with a space (names never do), so lists come back as lists. Field values cannot hold
// CR or LF (node:http and the upstream parser refuse them), so a line break always ends a field.
export function encodeText(
  url: string,
  upstreamPath: string,
  requestHeaders: IncomingHttpHeaders | OutgoingHttpHeaders | undefined,
  responseHeaders: IncomingHttpHeaders | OutgoingHttpHeaders | undefined,
): string {
  return `${url}\n${upstreamPath}\n${headerLines(requestHeaders)}\n${headerLines(responseHeaders)}`
}

function headerLines(headers: IncomingHttpHeaders | OutgoingHttpHeaders | undefined): string {
  let out = ''
  if (!headers) return out
  for (const name in headers) {
    const v = headers[name]
    if (v === undefined) continue
    if (Array.isArray(v)) for (const item of v) out += ` ${name}:${item}\n`
    else out += `${name}:${v}\n`
  }
  return out
}

export function decodeText(text: string): DecodedText {
  const lines = text.split('\n')
  const requestHeaders: HeaderMap = {}
  const responseHeaders: HeaderMap = {}
  let into = requestHeaders
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i] as string
    if (line === '') {
      into = responseHeaders
      continue
    }
    const list = line.startsWith(' ')
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(list ? 1 : 0, colon)
    const value = line.slice(colon + 1)
    if (!list) into[name] = value
    else {
      const have = into[name]
      if (Array.isArray(have)) have.push(value)
      else into[name] = [value]
    }
  }
  return { url: lines[0] ?? '/', upstreamPath: lines[1] ?? '', requestHeaders, responseHeaders }
}
