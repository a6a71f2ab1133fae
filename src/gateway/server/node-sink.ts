// The node:http front-end's sink: a response written through node:http's ServerResponse.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { interimHead } from '../http/http1-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { ResponseSink } from '../pipeline/response-sink.ts'
import { serveNoMore } from './lingering-close.ts'

/** How long an upstream has to send its own 100 Continue before the gateway sends one (curl waits 1 s). */
const CONTINUE_FALLBACK_MS = 1000

/** ServerResponse's own raw writer: what writeContinue() uses; it queues behind earlier responses. */
type RawWriter = ServerResponse & { _writeRaw(data: string, encoding: BufferEncoding): boolean }

export class NodeSink implements ResponseSink {
  readonly res: ServerResponse
  readonly http10: boolean
  /** The client sent `Expect: 100-continue` and has not been told to go on yet. */
  waitsToContinue: boolean
  continueTimer: NodeJS.Timeout | undefined

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.res = res
    this.http10 = req.httpVersionMinor === 0
    const expect = req.headers.expect
    this.waitsToContinue = expect !== undefined && expect.toLowerCase() === '100-continue'
  }

  get headSent(): boolean {
    return this.res.headersSent
  }

  get closed(): boolean {
    return this.res.destroyed
  }

  interim(status: number, fields: ResponseFields): void {
    // RFC 9110 §15.2: never to an HTTP/1.0 client; 100 only to a client that asked for it.
    if (this.http10 || this.res.headersSent || this.res.destroyed) return
    if (status === 100) {
      if (!this.waitsToContinue) return
      this.waitsToContinue = false
      clearTimeout(this.continueTimer)
      this.res.writeContinue()
      return
    }
    ;(this.res as RawWriter)._writeRaw(interimHead(status, fields), 'latin1')
  }

  bodyWanted(): void {
    if (!this.waitsToContinue || this.continueTimer !== undefined) return
    this.continueTimer = setTimeout(() => this.interim(100, {}), CONTINUE_FALLBACK_MS)
    this.continueTimer.unref()
  }

  start(status: number, fields: ResponseFields, flush: boolean): void {
    // A final answer instead: the client's content is not wanted (node:http then closes, not reuses).
    this.waitsToContinue = false
    clearTimeout(this.continueTimer)
    this.res.writeHead(status, fields)
    if (flush) this.res.flushHeaders()
  }

  write(chunk: Buffer, done: () => void): boolean {
    return this.res.write(chunk, done)
  }

  onDrain(resume: () => void): void {
    this.res.once('drain', resume)
  }

  end(): void {
    this.res.end()
  }

  abort(): void {
    clearTimeout(this.continueTimer)
    this.res.destroy()
  }

  closeAfter(): void {
    this.res.shouldKeepAlive = false
    serveNoMore(this.res.req.socket)
  }

  upgrade(_status: number, _fields: ResponseFields, socket: Duplex): void {
    // A request that came through node:http's 'request' event never asked for an upgrade.
    socket.destroy()
    this.res.destroy()
  }
}
