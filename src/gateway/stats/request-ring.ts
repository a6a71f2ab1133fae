// The request inspector's memory: the last N requests, kept where the garbage collector does not have
// to look at them. Holding 500 requests' header objects kept ~0.5 MB of young objects alive at every
// scavenge: V8 then grew the young generation to its 32 MB maximum, and in some runs promoted every
// scavenge's survivors into the old generation (+25 MB of garbage between full collections). Numbers
// live in typed arrays, the strings every request repeats (method, route id, target) are shared, what
// is particular to a request (url, paths, headers) is one line-based text written into a preallocated
// buffer, and bodies are copied into one circular arena of the byte budget (the oldest go first).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { OUTCOMES, type Outcome, type RequestRecord } from '../model/index.ts'
import { BodyArena } from './body-arena.ts'
import { type BodyCapture, captureOf } from './body-capture.ts'
import type { ExchangeEvent } from './exchange-event.ts'
import type { HeaderMap, Redactor } from './redaction.ts'

/** Bytes a slot holds: url, upstream path and three header blocks, one byte per character. Longer ones stay strings. */
const SLOT_BYTES = 8192
/** Slots per buffer segment: segments are allocated as the ring fills, so an idle gateway holds one. */
const SEGMENT_SLOTS = 16

const OUTCOME_INDEX = new Map<Outcome, number>(OUTCOMES.map((o, i) => [o, i]))
const round2 = (ms: number) => Math.round(ms * 100) / 100

export class RequestRing {
  readonly capacity: number
  readonly seq: Float64Array
  readonly startedAt: Float64Array
  readonly durationMs: Float64Array
  readonly status: Int32Array
  readonly outcome: Uint8Array
  readonly attempts: Int32Array
  /** queued, connect, time to first byte: three per slot. */
  readonly timing: Float64Array
  readonly method: (string | undefined)[]
  readonly routeId: (string | undefined)[]
  readonly target: (string | undefined)[]
  /** Body bytes that passed, request and response: two per slot. */
  readonly bodySize: Float64Array
  /** Kept bodies in the arena, request and response (two per slot): token (0: none), offset, length. */
  private readonly bodyToken: Float64Array
  private readonly bodyOffset: Float64Array
  private readonly bodyLength: Int32Array
  #arena: BodyArena
  /** A slot's bodies were dropped to stay in budget. */
  private readonly bodiesDropped: Uint8Array
  private readonly textBytes: Int32Array
  /** The slots' bytes, SEGMENT_SLOTS slots per segment. */
  private readonly segments: Buffer[] = []
  /** Text too long for its slot (rare: very long urls or cookies). */
  private readonly spilled: (string | undefined)[]
  /** Records built for a reader, until the slot is reused. */
  private readonly records: (RequestRecord | undefined)[]
  private readonly redactor: Redactor
  private next = 0
  private count = 0
  private lastSeq = 0

  /** The clock that paces body copies (BodyArena: at most the budget per second) and header blocks. */
  readonly #now: () => number
  /** Header blocks written per second at most (see `add`). */
  readonly headersPerSecond: number
  #textSecond = -1
  #textsThisSecond = 0
  /** 1: the slot's header blocks were not written (more than `capacity` requests in its second). */
  readonly headersSkipped: Uint8Array

  constructor(
    capacity: number,
    redactor: Redactor,
    bodyBudget = Number.POSITIVE_INFINITY,
    now: () => number = Date.now,
    headersPerSecond = Math.max(capacity, MIN_HEADERS_PER_SECOND),
  ) {
    this.capacity = Math.max(1, Math.floor(capacity))
    this.redactor = redactor
    this.#now = now
    this.headersPerSecond = headersPerSecond
    const n = this.capacity
    this.seq = new Float64Array(n)
    this.startedAt = new Float64Array(n)
    this.durationMs = new Float64Array(n)
    this.status = new Int32Array(n)
    this.outcome = new Uint8Array(n)
    this.attempts = new Int32Array(n)
    this.timing = new Float64Array(n * 3)
    this.bodySize = new Float64Array(n * 2)
    this.bodyToken = new Float64Array(n * 2)
    this.bodyOffset = new Float64Array(n * 2)
    this.bodyLength = new Int32Array(n * 2)
    this.#arena = this.newArena(bodyBudget)
    this.bodiesDropped = new Uint8Array(n)
    this.headersSkipped = new Uint8Array(n)
    this.textBytes = new Int32Array(n)
    this.method = new Array(n).fill(undefined)
    this.routeId = new Array(n).fill(undefined)
    this.target = new Array(n).fill(undefined)
    this.spilled = new Array(n).fill(undefined)
    this.records = new Array(n).fill(undefined)
  }

  get size(): number {
    return this.count
  }

  /** Where bodies are captured to (a new one when the budget changes). */
  get arena(): BodyArena {
    return this.#arena
  }

  /** Body bytes kept now (at most the budget). */
  get bodyBytes(): number {
    return this.#arena.used
  }

  get bodyBudget(): number {
    return this.#arena.capacity
  }

  /** A new budget starts a new arena: the bodies kept so far are dropped (their records stay). */
  set bodyBudget(bytes: number) {
    if (Math.floor(bytes) === this.#arena.capacity) return
    for (let i = 0; i < this.bodyToken.length; i++)
      if (this.bodyToken[i] !== 0) {
        this.bodyToken[i] = 0
        this.bodiesDropped[i >> 1] = 1
      }
    this.#arena = this.newArena(bytes)
  }

  private newArena(bytes: number): BodyArena {
    const budget = Number.isFinite(bytes) ? bytes : 2 ** 31
    return new BodyArena(
      budget,
      (token, owner) => {
        // The slot may carry a newer request by now: only its own body is marked dropped.
        if (this.bodyToken[owner] !== token) return
        this.bodyToken[owner] = 0
        this.bodiesDropped[owner >> 1] = 1
      },
      this.#now,
    )
  }

  get newestSeq(): number {
    return this.lastSeq
  }

  add(e: ExchangeEvent, bodyLimit: number): void {
    const slot = this.next
    this.next = (slot + 1) % this.capacity
    if (this.count < this.capacity) this.count++
    this.bodiesDropped[slot] = 0
    this.seq[slot] = ++this.lastSeq
    this.startedAt[slot] = e.startedAt
    this.durationMs[slot] = e.durationMs
    this.status[slot] = e.status
    this.outcome[slot] = OUTCOME_INDEX.get(e.outcome) ?? 0
    this.attempts[slot] = e.attempts
    const went = e.target !== undefined && e.attemptStarted > 0
    this.timing[slot * 3] = went ? e.attemptStarted - e.started : 0
    this.timing[slot * 3 + 1] = went ? e.connectMs : 0
    this.timing[slot * 3 + 2] = e.headAt > 0 ? e.headAt - e.started : 0
    this.method[slot] = e.req.method ?? 'GET'
    this.routeId[slot] = e.route?.id ?? ''
    this.target[slot] = e.target?.spec.url ?? ''
    this.records[slot] = undefined
    const request =
      e.requestCapture ??
      (e.body !== undefined && bodyLimit > 0 ? captureOf(this.#arena, e.body, bodyLimit) : undefined)
    this.keepBody(slot * 2, request, bodyLimit > 0 ? 0 : contentLength(e.req.headers['content-length']))
    this.keepBody(slot * 2 + 1, e.responseCapture, 0)
    // Header blocks are written for at most `headersPerSecond` requests a second (the ring's capacity,
    // 1,000 at least): past that (a load test) the ring turns over before anyone could read them, and
    // writing them was the inspector's largest cost per request. Such a record keeps its numbers, url and paths, and says its headers were not kept.
    const second = Math.floor(this.#now() / 1000)
    if (second !== this.#textSecond) {
      this.#textSecond = second
      this.#textsThisSecond = 0
    }
    const full = this.#textsThisSecond < this.headersPerSecond
    if (full) this.#textsThisSecond++
    this.headersSkipped[slot] = full ? 0 : 1
    const text = full
      ? encodeText(
          e.req.url ?? '/',
          e.upstreamPath,
          e.req.headers,
          e.responseHeaders,
          went ? e.upstreamHeaders : undefined,
        )
      : encodeText(e.req.url ?? '/', e.upstreamPath, undefined, undefined)
    // Every part is one byte per character (HTTP parsers, ours, node:http's and node:http2's, read
    // field and target bytes as latin1), so latin1 keeps them exactly and copies instead of encoding.
    if (text.length <= SLOT_BYTES) {
      const at = (slot % SEGMENT_SLOTS) * SLOT_BYTES
      this.textBytes[slot] = this.segment(slot).write(text, at, SLOT_BYTES, 'latin1')
      this.spilled[slot] = undefined
    } else {
      this.textBytes[slot] = -1
      this.spilled[slot] = text
    }
  }

  private keepBody(i: number, capture: BodyCapture | undefined, sizeWithoutCapture: number): void {
    this.bodyToken[i] = 0
    this.bodySize[i] = capture?.seen ?? sizeWithoutCapture
    if (capture === undefined || capture.seen === 0) return
    const arena = this.#arena
    // Refused (larger than the budget), overwritten while it streamed, or from before a new budget.
    if (capture.lost || capture.arena !== arena || !arena.isLive(capture.token)) {
      this.bodiesDropped[i >> 1] = 1
      return
    }
    arena.settle(capture.token, capture.kept, i)
    this.bodyToken[i] = capture.token
    this.bodyOffset[i] = capture.offset
    this.bodyLength[i] = capture.kept
  }

  private bodyAt(i: number): Buffer | undefined {
    if (this.bodyToken[i] === 0) return undefined
    return this.#arena.read(this.bodyOffset[i] as number, this.bodyLength[i] as number)
  }

  /** The kept bodies of a slot (request, response), whether they were dropped, and their sizes. */
  bodiesOf(slot: number): {
    request: Buffer | undefined
    response: Buffer | undefined
    requestSize: number
    responseSize: number
    dropped: boolean
  } {
    return {
      request: this.bodyAt(slot * 2),
      response: this.bodyAt(slot * 2 + 1),
      requestSize: this.bodySize[slot * 2] as number,
      responseSize: this.bodySize[slot * 2 + 1] as number,
      dropped: this.bodiesDropped[slot] === 1,
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

  /** Calls `fn` with every used slot, the most recently finished first. */
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
    return decodeText(this.segment(slot).toString('latin1', at, at + n))
  }

  outcomeOf(slot: number): Outcome {
    return OUTCOMES[this.outcome[slot] as number] as Outcome
  }

  /** Forgets records built for readers (redaction settings changed). */
  forgetRecords(): void {
    this.records.fill(undefined)
  }

  record(slot: number): RequestRecord {
    const cached = this.records[slot]
    if (cached) return cached
    const text = this.decode(slot)
    const r = this.redactor
    const target = this.target[slot] as string
    const t = slot * 3
    const record: RequestRecord = {
      id: String(this.seq[slot]),
      time: new Date(this.startedAt[slot] as number).toISOString(),
      method: this.method[slot] as string,
      path: text.url,
      routeId: this.routeId[slot] as string,
      target,
      upstreamPath: text.upstreamPath,
      status: this.status[slot] as number,
      durationMs: round2(this.durationMs[slot] as number),
      requestHeaders: r.headers(text.requestHeaders),
      responseHeaders: r.headers(text.responseHeaders),
      outcome: this.outcomeOf(slot),
      attempts: this.attempts[slot] as number,
      timing: {
        queuedMs: round2(this.timing[t] as number),
        connectMs: round2(this.timing[t + 1] as number),
        ttfbMs: round2(this.timing[t + 2] as number),
        totalMs: round2(this.durationMs[slot] as number),
      },
      ...(text.upstreamHeaders !== undefined
        ? {
            upstream: {
              url: target + text.upstreamPath,
              method: this.method[slot] as string,
              headers: r.headers(text.upstreamHeaders),
            },
          }
        : {}),
      requestBodyBytes: this.bodySize[slot * 2] as number,
      responseBodyBytes: this.bodySize[slot * 2 + 1] as number,
      ...(this.headersSkipped[slot] === 1 ? { note: HEADERS_SKIPPED(this.headersPerSecond) } : {}),
    }
    this.records[slot] = record
    return record
  }
}

const MIN_HEADERS_PER_SECOND = 1000
const HEADERS_SKIPPED = (perSecond: number) =>
  `headers not kept: more than ${perSecond} requests finished in that second (the inspector keeps that many in full per second; the rest keep their numbers, url and bodies as paced)`

function contentLength(value: string | undefined): number {
  const n = value === undefined ? 0 : Number(value)
  return Number.isFinite(n) && n > 0 ? n : 0
}

export interface DecodedText {
  readonly url: string
  readonly upstreamPath: string
  readonly requestHeaders: HeaderMap
  readonly responseHeaders: HeaderMap
  /** Undefined when nothing went upstream. */
  readonly upstreamHeaders: HeaderMap | undefined
}

type AnyHeaders = IncomingHttpHeaders | OutgoingHttpHeaders | HeaderMap | undefined

// The text: url and upstream path on a line each, the request's header lines, an empty line, the
// response's header lines, and (when something went upstream) an empty line and how the upstream
// request's header block differs from the client's: a field line for each field set or changed, a
// bare name (no colon) for each field left out. A header line is `name:value`; the items of a list
// value each get a line that starts with a space (names never do), so lists come back as lists.
// Field values cannot hold CR or LF (node:http and the upstream parser refuse them), so a line break
// always ends a field.
export function encodeText(
  url: string,
  upstreamPath: string,
  requestHeaders: AnyHeaders,
  responseHeaders: AnyHeaders,
  upstreamHeaders?: AnyHeaders,
): string {
  const text = `${url}\n${upstreamPath}\n${headerLines(requestHeaders)}\n${headerLines(responseHeaders)}`
  return upstreamHeaders === undefined ? text : `${text}\n${changedLines(requestHeaders, upstreamHeaders)}`
}

/** The upstream block as changes to the client's: most fields go on as they came (same value object). */
function changedLines(from: AnyHeaders, to: AnyHeaders): string {
  let out = ''
  if (!to) return out
  if (from)
    for (const name in from) if (from[name] !== undefined && to[name] === undefined) out += `${name}\n`
  for (const name in to) {
    const v = to[name]
    if (v === undefined || (from !== undefined && from[name] === v)) continue
    if (Array.isArray(v)) for (const item of v) out += ` ${name}:${item}\n`
    else out += `${name}:${v}\n`
  }
  return out
}

function headerLines(headers: AnyHeaders): string {
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
  const blocks: HeaderMap[] = [{}]
  const changed = new Set<string>()
  let into = blocks[0] as HeaderMap
  // The text ends with a line break after each non-empty block: the last (empty) line is no separator.
  const end = lines.length - (lines[lines.length - 1] === '' ? 1 : 0)
  for (let i = 2; i < end; i++) {
    const line = lines[i] as string
    if (line === '') {
      // The upstream block starts from the client's fields; the changes follow.
      into = blocks.length === 2 ? { ...blocks[0] } : {}
      blocks.push(into)
      continue
    }
    const list = line.startsWith(' ')
    const colon = line.indexOf(':')
    if (colon < 0) {
      // A field the upstream block left out (only there).
      if (blocks.length === 3) delete into[line]
      continue
    }
    const name = line.slice(list ? 1 : 0, colon)
    const value = line.slice(colon + 1)
    if (!list) into[name] = value
    else {
      const have = into[name]
      // In the upstream block a list replaces the client's value (a copy from the first block).
      if (Array.isArray(have) && (blocks.length < 3 || changed.has(name))) have.push(value)
      else into[name] = [value]
      if (blocks.length === 3) changed.add(name)
    }
  }
  return {
    url: lines[0] ?? '/',
    upstreamPath: lines[1] ?? '',
    requestHeaders: blocks[0] ?? {},
    responseHeaders: blocks[1] ?? {},
    upstreamHeaders: blocks[2],
  }
}
