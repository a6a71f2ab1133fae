// The client side of an HTTP/2 connection of ours (to an upstream): we open streams with requests,
// within the peer's SETTINGS_MAX_CONCURRENT_STREAMS, and read responses, interim responses and
// trailers. A GOAWAY closes the streams it did not take with REFUSED_STREAM, which tells their owners
// nothing was processed (RFC 9113 §6.8), so they may be sent again on a new connection.
import type { Duplex } from 'node:stream'
import { fieldProblem, trailersProblem } from './field-rules.ts'
import { ErrorCode } from './frame-codes.ts'
import { ConnectionError, H2Connection, STREAM_WINDOW } from './h2-connection.ts'
import { H2Stream, type StreamHandler } from './h2-stream.ts'

/** Our SETTINGS_MAX_HEADER_LIST_SIZE for responses. */
const MAX_RESPONSE_HEADER_LIST = 256 * 1024

/**
 * Why a response head (or interim response) is malformed (RFC 9113 §8.3.2, §8.2), or undefined: exactly
 * one `:status` of three digits, first, no other pseudo-header, every field well-formed, and a 1xx
 * never ends the stream.
 */
export function responseProblem(fields: readonly string[], endStream: boolean): string | undefined {
  if (fields[0] !== ':status' || !/^[1-9]\d\d$/.test(fields[1] ?? '')) return 'no valid :status first'
  for (let i = 2; i < fields.length; i += 2) {
    const name = fields[i] as string
    if (name.charCodeAt(0) === 58) return `the pseudo-header ${name.slice(0, 40)} where only :status may be`
    const problem = fieldProblem(name, fields[i + 1] as string)
    if (problem !== undefined) return problem
  }
  if (endStream && (fields[1] as string).charCodeAt(0) === 49)
    return 'an interim response that ends the stream'
  return undefined
}

export class ClientConnection extends H2Connection {
  private nextId = 1
  onSlot: (() => void) | undefined = undefined

  constructor(socket: Duplex) {
    super(socket, { maxHeaderList: MAX_RESPONSE_HEADER_LIST, disablePush: true }, false)
    this.sendPreface(true)
  }

  /** Whether a new stream may be opened now (no GOAWAY either way, below the peer's limit). */
  get canOpen(): boolean {
    return (
      !this.destroyed &&
      !this.goawayReceived &&
      !this.goawaySent &&
      this.nextId < 2 ** 31 - 1 &&
      this.streams.size < this.peerMaxConcurrent
    )
  }

  /** Opens a stream with a request head; undefined when `canOpen` is false. */
  request(fields: readonly string[], endStream: boolean, handler: StreamHandler): H2Stream | undefined {
    if (!this.canOpen) return undefined
    const id = this.nextId
    this.nextId += 2
    const stream = new H2Stream(this, id, this.peerInitialWindow, STREAM_WINDOW)
    stream.handler = handler
    this.streams.set(id, stream)
    stream.sendHeaders(fields, endStream)
    return stream
  }

  protected override isIdle(id: number): boolean {
    // Odd ids are ours (idle until we use them); the server opens none (push is off).
    return (id & 1) === 1 ? id >= this.nextId : true
  }

  protected override peerOpensOdd(): boolean {
    return false
  }

  protected override onHeaderBlock(id: number, endStream: boolean, fields: string[], fits: boolean): void {
    const stream = this.streams.get(id)
    if (stream === undefined) {
      if (this.isIdle(id))
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on a stream we did not open')
      return
    }
    if (stream.remoteEnded) {
      stream.reset(ErrorCode.STREAM_CLOSED)
      return
    }
    const problem = !fits
      ? 'a header list over 256 KiB'
      : stream.responded
        ? !endStream
          ? 'a header block after the response head that does not end the stream'
          : (trailersProblem(fields) ??
            (stream.contentLength >= 0 && stream.received !== stream.contentLength
              ? 'less content than its content-length'
              : undefined))
        : responseProblem(fields, endStream)
    if (problem !== undefined) {
      stream.malformed = problem
      stream.reset(ErrorCode.PROTOCOL_ERROR)
      return
    }
    if (!stream.responded && (fields[1] as string).charCodeAt(0) !== 49 /* 1xx */) stream.responded = true
    stream.handler?.onHeaders?.(stream, fields, endStream)
    if (endStream && !stream.closed) stream.endRemote()
  }

  protected override peerGoaway(lastStreamId: number): void {
    // Streams past the last one the server took were never processed.
    for (const s of [...this.streams.values()]) if (s.id > lastStreamId) s.close(ErrorCode.REFUSED_STREAM)
    if (this.streams.size === 0) this.end()
  }

  protected override afterStreamClosed(): void {
    if ((this.goawayReceived || this.goawaySent) && this.streams.size === 0) this.end()
    else this.onSlot?.()
  }
}
