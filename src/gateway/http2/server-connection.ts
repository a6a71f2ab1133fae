// The server side of an HTTP/2 connection of ours: the client opens streams with requests. Each
// request's header block is checked the way RFC 9113 §8.2 and §8.3 say (a malformed one is a stream
// error, never forwarded), streams past our concurrency limit are refused (§5.1.2), and a client that
// keeps cancelling streams it just opened (CVE-2023-44487, "rapid reset") or sends floods of frames that
// cost us and not it is cut off with ENHANCE_YOUR_CALM.
import type { Duplex } from 'node:stream'
import { contentLengthOf, fieldProblem, trailersProblem } from './field-rules.ts'
import { ErrorCode } from './frame-codes.ts'
import { ConnectionError, H2Connection, STREAM_WINDOW } from './h2-connection.ts'
import { H2Stream } from './h2-stream.ts'

/** A request's pseudo-header fields (§8.3.1) and its other fields as node:http would list them. */
export interface H2Request {
  readonly method: string
  readonly scheme: string | undefined
  readonly path: string | undefined
  readonly authority: string | undefined
  readonly headers: Record<string, string | string[]>
}

export interface ServerConnectionOptions {
  readonly maxConcurrentStreams: number
  readonly maxHeaderList: number
  /** A request; `stream.remoteEnded` says whether content follows. */
  readonly onRequest: (stream: H2Stream, request: H2Request) => void
  /** A request whose header list is past maxHeaderList: answered 431 by the front-end. */
  readonly onTooLarge: (stream: H2Stream) => void
}

/** Streams a client may cancel before their response per CALM_WINDOW_MS. */
const MAX_EARLY_RESETS = 200
/** Frames that cost us more than the client (H2Connection.costly) per CALM_WINDOW_MS. */
const MAX_COSTLY = 2000
const CALM_WINDOW_MS = 1000
/** Stream ids we closed lately: a frame for one of those is a stream error, not a connection one. */
const RECENT = 64

/** Why a request's fields make it malformed, or the request. */
export function readRequest(fields: readonly string[]): H2Request | string {
  let method: string | undefined
  let scheme: string | undefined
  let path: string | undefined
  let authority: string | undefined
  let regular = false
  // No prototype: a field named "constructor" or "__proto__" is a field like any other.
  const headers: Record<string, string | string[]> = Object.create(null)
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string
    const value = fields[i + 1] as string
    if (name.charCodeAt(0) === 58 /* : */) {
      if (regular) return `the pseudo-header ${name} after a regular field`
      if (name === ':method') {
        if (method !== undefined) return ':method twice'
        method = value
      } else if (name === ':scheme') {
        if (scheme !== undefined) return ':scheme twice'
        scheme = value
      } else if (name === ':path') {
        if (path !== undefined) return ':path twice'
        path = value
      } else if (name === ':authority') {
        if (authority !== undefined) return ':authority twice'
        authority = value
      } else return `the pseudo-header ${name.slice(0, 40)} is not one of a request`
      continue
    }
    regular = true
    const problem = fieldProblem(name, value)
    if (problem !== undefined) return problem
    const prior = headers[name]
    if (prior === undefined) headers[name] = name === 'set-cookie' ? [value] : value
    else if (name === 'cookie') headers.cookie = `${prior as string}; ${value}`
    else if (Array.isArray(prior)) prior.push(value)
    else if (name === 'content-length') {
      if (prior !== value) return 'two different content-length values'
    } else headers[name] = `${prior}, ${value}`
  }
  if (method === undefined) return 'no :method'
  if (method === 'CONNECT') {
    if (authority === undefined) return 'CONNECT without :authority'
  } else if (scheme === undefined || path === undefined || path === '') return 'no :scheme or no :path'
  return { method, scheme, path, authority, headers }
}

export class ServerConnection extends H2Connection {
  private readonly hooks: ServerConnectionOptions
  private readonly recent: number[] = []
  private windowStart = 0
  private earlyResets = 0
  private costlyFrames = 0

  constructor(socket: Duplex, options: ServerConnectionOptions) {
    super(
      socket,
      { maxConcurrentStreams: options.maxConcurrentStreams, maxHeaderList: options.maxHeaderList },
      true,
    )
    this.hooks = options
    this.sendPreface(false)
  }

  protected override isIdle(id: number): boolean {
    return id > this.lastPeerStream
  }

  protected override peerOpensOdd(id: number): boolean {
    return (id & 1) === 1
  }

  protected override onHeaderBlock(id: number, endStream: boolean, fields: string[], fits: boolean): void {
    const open = this.streams.get(id)
    if (open !== undefined) {
      this.trailers(open, endStream, fields)
      return
    }
    if ((id & 1) === 0)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a client opened an even-numbered stream')
    if (id <= this.lastPeerStream) {
      // §5.4.2: trailers on their way when we reset the stream are ignored.
      if (this.wasResetByUs(id)) return
      if (!this.recent.includes(id))
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          'a new stream with an id lower than one used before',
        )
      this.sendReset(undefined, ErrorCode.STREAM_CLOSED, id)
      return
    }
    this.lastPeerStream = id
    // After our GOAWAY no stream starts (the client may try again on a new connection).
    if (this.goawaySent || this.streams.size >= this.hooks.maxConcurrentStreams) {
      this.sendReset(undefined, ErrorCode.REFUSED_STREAM, id)
      return
    }
    const stream = new H2Stream(this, id, this.peerInitialWindow, STREAM_WINDOW)
    this.streams.set(id, stream)
    if (endStream) stream.remoteEnded = true
    if (!fits) {
      this.hooks.onTooLarge(stream)
      return
    }
    const request = readRequest(fields)
    if (typeof request === 'string') {
      stream.reset(ErrorCode.PROTOCOL_ERROR)
      return
    }
    const length = request.headers['content-length']
    if (length !== undefined) {
      const n = contentLengthOf(length as string)
      if (n < 0 || (endStream && n !== 0)) {
        stream.reset(ErrorCode.PROTOCOL_ERROR)
        return
      }
      stream.contentLength = n
    }
    this.hooks.onRequest(stream, request)
  }

  /** A header block on an open stream: trailers, which must end it and hold no pseudo-header (§8.1). */
  private trailers(stream: H2Stream, endStream: boolean, fields: string[]): void {
    if (stream.remoteEnded) {
      stream.reset(ErrorCode.STREAM_CLOSED)
      return
    }
    if (
      !endStream ||
      trailersProblem(fields) !== undefined ||
      (stream.contentLength >= 0 && stream.received !== stream.contentLength)
    ) {
      stream.reset(ErrorCode.PROTOCOL_ERROR)
      return
    }
    // Request trailers are read and dropped (nothing upstream asks for them).
    stream.endRemote()
  }

  protected override peerReset(stream: H2Stream): void {
    if (!stream.localEnded) this.calm(1, 0)
  }

  protected override costly(kind: string): void {
    this.calm(0, 1, kind)
  }

  /** Counts what a client can make us do for free; past the bounds the connection goes. */
  private calm(resets: number, costly: number, kind = ''): void {
    const now = performance.now()
    if (now - this.windowStart > CALM_WINDOW_MS) {
      this.windowStart = now
      this.earlyResets = 0
      this.costlyFrames = 0
    }
    this.earlyResets += resets
    this.costlyFrames += costly
    // Counted while a frame is read: the reader ends the connection with ENHANCE_YOUR_CALM after it.
    if (this.earlyResets > MAX_EARLY_RESETS)
      this.calmReason ??= 'too many streams cancelled (by the client, or for its frames) before their answer'
    else if (this.costlyFrames > MAX_COSTLY)
      this.calmReason ??= `too many frames that cost more than they carry (${kind})`
  }

  protected override peerGoaway(): void {
    // The client opens no more streams: the connection ends once its streams are done.
    if (this.streams.size === 0) this.end()
  }

  protected override afterStreamClosed(stream: H2Stream): void {
    this.recent.push(stream.id)
    if (this.recent.length > RECENT) this.recent.shift()
    if ((this.goawaySent || this.goawayReceived) && this.streams.size === 0) this.end()
  }
}
