// The sink of the upgrade front-end: node:http hands an Upgrade (or CONNECT) request over with its
// raw socket, so the answer is written by hand. A 101 joins the client's socket and the upstream's
// into one tunnel; any other answer is framed like node:http would frame it, then the connection
// closes (node:http no longer reads this socket).
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  chunkHeader,
  fieldLines,
  interimHead,
  LAST_CHUNK,
  responseHead,
  statusLine,
} from '../http/http1-head.ts'
import { isBodiless, type ResponseFields } from '../http/response-fields.ts'
import type { ResponseSink } from '../pipeline/response-sink.ts'

export class SocketSink implements ResponseSink {
  readonly socket: Socket
  readonly method: string
  /** Bytes the client sent after its request head (the first bytes of the upgraded protocol). */
  readonly clientHead: Buffer
  headSent = false
  chunked = false

  constructor(socket: Socket, method: string, clientHead: Buffer) {
    this.socket = socket
    this.method = method
    this.clientHead = clientHead
  }

  get closed(): boolean {
    return this.socket.destroyed
  }

  interim(status: number, fields: ResponseFields): void {
    if (!this.headSent && status !== 100 && !this.socket.destroyed)
      this.socket.write(interimHead(status, fields))
  }

  bodyWanted(): void {
    // Upgrade requests carry no content.
  }

  start(status: number, fields: ResponseFields, _flush: boolean): void {
    this.headSent = true
    this.chunked = !isBodiless(this.method, status) && fields['content-length'] === undefined
    this.socket.write(responseHead(status, fields, 0, this.chunked), 'latin1')
  }

  write(chunk: Buffer, done: () => void): boolean {
    const socket = this.socket
    if (!this.chunked) return socket.write(chunk, done)
    socket.cork()
    socket.write(chunkHeader(chunk.length), 'latin1')
    const ok = socket.write(chunk, done)
    socket.write('\r\n', 'latin1')
    socket.uncork()
    return ok
  }

  onDrain(resume: () => void): void {
    this.socket.once('drain', resume)
  }

  end(): void {
    if (this.chunked) this.socket.write(LAST_CHUNK, 'latin1')
    this.socket.end()
  }

  abort(): void {
    this.socket.destroy()
  }

  closeAfter(): void {
    // Always: node:http gave this socket up.
  }

  upgrade(status: number, fields: ResponseFields, upstream: Duplex, upstreamHead: Buffer): void {
    const client = this.socket
    this.headSent = true
    client.write(`${statusLine(status)}${fieldLines(fields)}Connection: Upgrade\r\n\r\n`, 'latin1')
    if (upstreamHead.length > 0) client.write(upstreamHead)
    if (this.clientHead.length > 0) upstream.write(this.clientHead)
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      client.destroy()
      upstream.destroy()
    }
    upstream.on('error', close)
    client.on('error', close)
    upstream.on('close', close)
    client.on('close', close)
    upstream.pipe(client)
    client.pipe(upstream)
  }
}
