// HTTP/1.1 response parsing for the upstream client (RFC 9112), and the one place a response's
// framing is decided (§6.3): the head, then the body framed by chunked coding (which wins over any
// Content-Length, then dropped), Content-Length (repeated values must agree and become one), or the
// connection closing; HEAD, 1xx, 204 and 304 end with the head. The fields handed on are end-to-end
// only (RFC 9110 §7.6.1) and hold nothing a front-end would refuse to write. Bytes arrive in any
// split; body bytes are handed on as slices of the socket's buffer (never copied), valid until the
// next read. Anything malformed throws, and the caller closes the connection. A message is complete
// only at the end of a read: bytes after it (which belong to no request) make the connection unusable
// before anyone hears of the end, so they can never reach another request.
import { isSafeFieldValue, isToken } from '../http/field-syntax.ts'
import { connectionTokens, HOP_BY_HOP } from '../http/hop-headers.ts'
import type { ResponseHeaders } from './types.ts'
import { UpstreamError } from './types.ts'

export interface ParserSink {
  /** A 1xx response other than 101; the final one follows. */
  onInterim(status: number, headers: ResponseHeaders): void
  onHead(status: number, headers: ResponseHeaders): void
  onBody(chunk: Buffer): void
  onEnd(): void
  /** 101 to an upgrade request: parsing stops; `rest` is what came after the head in the same read. */
  onUpgrade(status: number, headers: ResponseHeaders, rest: Buffer): void
}

// Parser states (plain numbers: the switch in feed() stays a jump table).
const State = {
  Idle: 0,
  Head: 1,
  Length: 2,
  ChunkSize: 3,
  ChunkData: 4,
  ChunkDataEnd: 5,
  Trailers: 6,
  UntilClose: 7,
  Stopped: 8,
} as const
type State = (typeof State)[keyof typeof State]

/** Largest response head accepted (node:http's own default is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024
const MAX_LINE = 4096
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1')

// Buffer#latin1Slice is what toString('latin1', a, b) ends in, minus the encoding lookup (it is on every
// Buffer since Node 0.x, just not in the type definitions).
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string }
const latin1 = (b: Buffer, start: number, end: number) => (b as Latin1Buffer).latin1Slice(start, end)

const badResponse = (why: string) =>
  new UpstreamError('UPSTREAM_BAD_RESPONSE', `bad response from upstream: ${why}`)

function trimOws(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--
  return a === 0 && b === s.length ? s : s.slice(a, b)
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

const badStatusLine = (head: string, eol: number) =>
  badResponse(`bad status line "${head.slice(0, Math.min(eol, 40))}"`)

function threeDigits(head: string): number {
  let n = 0
  for (let i = 9; i < 12; i++) {
    const c = head.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    n = n * 10 + (c - 48)
  }
  return n
}

/** "5, 5": every listed length must be the same number. */
function listedLength(value: string): number {
  let length = -1
  for (const part of value.split(',')) {
    const v = trimOws(part)
    if (!isDigits(v)) throw badResponse(`bad content-length "${value}"`)
    const n = Number(v)
    if (length >= 0 && n !== length) throw badResponse('conflicting content-length values')
    length = n
  }
  return length
}

/** `timeout=N` from a Keep-Alive header, in seconds; 0 when absent. */
function keepAliveTimeout(value: string): number {
  const i = value.toLowerCase().indexOf('timeout=')
  if (i < 0) return 0
  let n = 0
  for (let j = i + 8; j < value.length; j++) {
    const c = value.charCodeAt(j)
    if (c < 48 || c > 57) break
    n = n * 10 + (c - 48)
  }
  return n
}

// Header names seen before, lower-cased once: the same few names come back on every response, and
// reusing one string per name keeps property keys on the headers object cheap.
const names = new Map<string, string>()
function lowerName(raw: string): string {
  let lower = names.get(raw)
  if (lower === undefined) {
    lower = raw.toLowerCase()
    if (names.size < 1024) names.set(raw, lower)
  }
  return lower
}

function hasToken(value: string, token: string): boolean {
  if (value.length === token.length) return value.toLowerCase() === token
  for (const t of value.split(',')) if (trimOws(t).toLowerCase() === token) return true
  return false
}

export class ResponseParser {
  private readonly sink: ParserSink
  private state: State = State.Idle
  private pending: Buffer | null = null
  private remaining = 0
  private line = ''
  private trailerBytes = 0
  private headRequest = false
  private upgradeRequest = false
  /** Whether the connection may carry another request once this response has ended. */
  keepAlive = false
  /** Seconds from the upstream's `Keep-Alive: timeout=N`, or 0. */
  keepAliveHintS = 0
  /** True once the head is in (the head timer stops). */
  gotBytes = false
  /** True once any byte of a response came: the upstream has the request, so it is never sent again. */
  sawBytes = false
  /** The header names of the previous response on this connection, as sent and lower-cased. */
  private readonly rawNames: string[] = []
  private readonly lowerNames: string[] = []

  constructor(sink: ParserSink) {
    this.sink = sink
  }

  /** Expect the next response (for a request with this method; `upgrade`: it asked for Upgrade). */
  expect(method: string, upgrade = false): void {
    this.state = State.Head
    this.pending = null
    this.headRequest = method === 'HEAD'
    this.upgradeRequest = upgrade
    this.keepAlive = false
    this.keepAliveHintS = 0
    this.gotBytes = false
    this.sawBytes = false
  }

  get idle(): boolean {
    return this.state === State.Idle
  }

  /** Stops delivering anything (the exchange was aborted). */
  stop(): void {
    this.state = State.Stopped
    this.pending = null
  }

  /** The connection closed: ends a body that runs until close; false if the response was cut short. */
  closed(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Idle
      this.sink.onEnd()
      return true
    }
    return this.state === State.Idle || this.state === State.Stopped
  }

  feed(chunk: Buffer): void {
    if (chunk.length > 0) this.sawBytes = true
    let data = chunk
    let at = 0
    while (at < data.length) {
      switch (this.state) {
        case State.Idle:
          // Bytes nobody asked for: the connection is out of step and must not be reused.
          this.keepAlive = false
          return
        case State.Stopped:
          return
        case State.Head: {
          let from = at
          if (this.pending !== null) {
            from = Math.max(0, this.pending.length - 3)
            data = Buffer.concat([this.pending, data.subarray(at)])
            at = 0
            this.pending = null
          }
          const end = data.indexOf(HEAD_END, from)
          if (end < 0) {
            if (data.length - at > MAX_HEAD_BYTES)
              throw badResponse(`head larger than ${MAX_HEAD_BYTES} bytes`)
            // Copied: the connection reads its next bytes into the same buffer.
            this.pending = Buffer.from(data.subarray(at))
            return
          }
          if (end - at > MAX_HEAD_BYTES) throw badResponse(`head larger than ${MAX_HEAD_BYTES} bytes`)
          const head = latin1(data, at, end)
          at = end + 4
          this.parseHead(head, data, at)
          const after = this.state as State
          if (after === State.Stopped) return
          if (after === State.Idle) {
            // A response without content: complete, and nothing may follow it in this read.
            if (at < data.length) this.keepAlive = false
            this.sink.onEnd()
            return
          }
          break
        }
        case State.Length: {
          const n = Math.min(this.remaining, data.length - at)
          const slice = at === 0 && n === data.length ? data : data.subarray(at, at + n)
          at += n
          this.remaining -= n
          if (this.remaining === 0) this.state = State.Idle
          this.sink.onBody(slice)
          if (this.state === State.Idle) {
            if (at < data.length) this.keepAlive = false
            this.sink.onEnd()
            return
          }
          break
        }
        case State.UntilClose: {
          this.sink.onBody(at === 0 ? data : data.subarray(at))
          return
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, data.length - at)
          const slice = data.subarray(at, at + n)
          at += n
          this.remaining -= n
          if (this.remaining === 0) this.state = State.ChunkDataEnd
          this.sink.onBody(slice)
          break
        }
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const nl = data.indexOf(10, at)
          const stop = nl < 0 ? data.length : nl
          this.line += latin1(data, at, stop)
          if (this.line.length > MAX_LINE) throw badResponse('chunk framing line too long')
          at = nl < 0 ? data.length : nl + 1
          if (nl >= 0) {
            const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line
            this.line = ''
            this.chunkLine(line)
            if ((this.state as State) === State.Idle) {
              if (at < data.length) this.keepAlive = false
              this.sink.onEnd()
              return
            }
          }
          break
        }
      }
    }
  }

  private chunkLine(line: string): void {
    if (this.state === State.ChunkDataEnd) {
      if (line !== '') throw badResponse('chunk not followed by CRLF')
      this.state = State.ChunkSize
      return
    }
    if (this.state === State.Trailers) {
      // Trailer fields are dropped; the empty line ends the message.
      this.trailerBytes += line.length
      if (this.trailerBytes > MAX_HEAD_BYTES) throw badResponse('trailers too large')
      if (line === '') this.state = State.Idle
      return
    }
    const semi = line.indexOf(';')
    const hex = trimOws(semi < 0 ? line : line.slice(0, semi))
    if (hex.length === 0 || hex.length > 12 || !/^[0-9a-fA-F]+$/.test(hex))
      throw badResponse(`bad chunk size "${hex}"`)
    const size = Number.parseInt(hex, 16)
    if (size === 0) {
      this.trailerBytes = 0
      this.state = State.Trailers
    } else {
      this.remaining = size
      this.state = State.ChunkData
    }
  }

  private parseHead(head: string, data: Buffer, after: number): void {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    let eol = head.indexOf('\r\n')
    if (eol < 0) eol = head.length
    if (
      !head.startsWith('HTTP/1.') ||
      (head.charCodeAt(7) !== 48 && head.charCodeAt(7) !== 49) ||
      head.charCodeAt(8) !== 32 ||
      (eol > 12 && head.charCodeAt(12) !== 32)
    )
      throw badStatusLine(head, eol)
    const status = threeDigits(head)
    // RFC 9110 §15: a status code is 100–599; "099" or "000" is not one.
    if (status < 100 || status > 599) throw badStatusLine(head, eol)
    const http10 = head.charCodeAt(7) === 48
    const headers: ResponseHeaders = {}
    let length = -1
    /** The Content-Length was a list or came twice: it is handed on as one value. */
    let lengthListed = false
    let codings: string | undefined
    let close = http10
    let dropped: string[] | undefined
    let upgradeTo: string | undefined
    let index = 0
    let pos = eol + 2
    while (pos < head.length) {
      let next = head.indexOf('\r\n', pos)
      if (next < 0) next = head.length
      const colon = head.indexOf(':', pos)
      if (colon <= pos || colon > next)
        throw badResponse(`bad header line "${head.slice(pos, Math.min(next, pos + 40))}"`)
      const c0 = head.charCodeAt(pos)
      if (c0 === 32 || c0 === 9) throw badResponse('obsolete line folding')
      const last = head.charCodeAt(colon - 1)
      if (last === 32 || last === 9) throw badResponse('whitespace before a header colon')
      // Upstreams send the same names in the same order on every response: compare in place against
      // what stood at this position last time before slicing and looking anything up.
      const known = this.rawNames[index]
      let name: string
      if (known !== undefined && known.length === colon - pos && head.startsWith(known, pos))
        name = this.lowerNames[index] as string
      else {
        const raw = head.slice(pos, colon)
        if (!isToken(raw)) throw badResponse(`invalid header name "${raw.slice(0, 40)}"`)
        name = lowerName(raw)
        this.rawNames[index] = raw
        this.lowerNames[index] = name
      }
      index++
      // Values nearly always come as "name: value" with nothing to trim: one slice.
      let from = colon + 1
      if (head.charCodeAt(from) === 32) from++
      const end = next
      const lastV = head.charCodeAt(end - 1)
      const value =
        head.charCodeAt(from) === 32 || head.charCodeAt(from) === 9 || lastV === 32 || lastV === 9
          ? trimOws(head.slice(from, end))
          : head.slice(from, end)
      // A stray CR, LF or NUL inside a value would become a header line of its own downstream.
      if (!isSafeFieldValue(value)) throw badResponse(`invalid value in header "${name.slice(0, 40)}"`)
      pos = next + 2
      if (!HOP_BY_HOP.has(name)) {
        const prior = headers[name]
        if (prior === undefined) headers[name] = value
        else if (typeof prior === 'string') headers[name] = [prior, value]
        else prior.push(value)
      }
      if (name === 'content-length') {
        // Repeated lengths must agree (RFC 9112 §6.3); a list like "5, 5" counts as repeated.
        const plain = isDigits(value)
        const n = plain ? Number(value) : listedLength(value)
        if (length >= 0 && n !== length) throw badResponse('conflicting content-length values')
        lengthListed ||= !plain || length >= 0
        length = n
      } else if (name === 'transfer-encoding') {
        codings = codings === undefined ? value : `${codings},${value}`
      } else if (name === 'connection') {
        if (value === 'keep-alive' || value === 'Keep-Alive') close = false
        else {
          if (hasToken(value, 'close')) close = true
          else if (http10 && hasToken(value, 'keep-alive')) close = false
          // Fields the Connection header names are connection-specific too.
          const listed = connectionTokens(value)
          if (listed) {
            dropped ??= []
            dropped.push(...listed)
          }
        }
      } else if (name === 'keep-alive') this.keepAliveHintS = keepAliveTimeout(value)
      else if (name === 'upgrade') upgradeTo = value
    }
    if (dropped) for (const name of dropped) delete headers[name]
    if (status < 200) {
      if (status === 101) {
        if (!this.upgradeRequest || upgradeTo === undefined)
          throw badResponse('101 switching protocols to a request that did not ask for it')
        // The connection now speaks another protocol: hand it over with what came after the head.
        headers.upgrade = upgradeTo
        this.gotBytes = true
        this.keepAlive = false
        this.state = State.Stopped
        this.sink.onUpgrade(status, headers, data.subarray(after))
        return
      }
      // Interim responses (100 Continue, 103 Early Hints) are handed on; the final one follows. The
      // upstream has the request now: it is no longer one to send again elsewhere.
      this.gotBytes = true
      delete headers['content-length']
      this.sink.onInterim(status, headers)
      this.state = State.Head
      return
    }
    this.gotBytes = true
    this.keepAlive = !close
    let chunked = false
    if (codings !== undefined) {
      // RFC 9112 §6.3: Transfer-Encoding wins over Content-Length, which goes (and such a message is
      // suspect: the connection is not reused). Only chunked is understood; "identity" means nothing.
      delete headers['content-length']
      this.keepAlive = this.keepAlive && length < 0
      length = -1
      const list = codings
        .toLowerCase()
        .split(',')
        .map(trimOws)
        .filter((c) => c !== '' && c !== 'identity')
      if (list.length === 1 && list[0] === 'chunked') chunked = true
      else if (list.length > 0) throw badResponse(`unsupported transfer coding "${codings.slice(0, 40)}"`)
    } else if (lengthListed) headers['content-length'] = String(length)
    // RFC 9110 §8.6: no Content-Length on a 204 (a 304 or a HEAD response keeps it: it describes the
    // representation, not this message).
    if (status === 204) delete headers['content-length']
    const noBody = this.headRequest || status === 204 || status === 304
    if (noBody) this.state = State.Idle
    else if (chunked) {
      this.state = State.ChunkSize
      this.line = ''
    } else if (length < 0) {
      this.keepAlive = false
      this.state = State.UntilClose
    } else if (length === 0) this.state = State.Idle
    else {
      this.remaining = length
      this.state = State.Length
    }
    this.sink.onHead(status, headers)
  }
}
