// The gateway's own paths (admin API, probes, dashboard) asked for over HTTP/2: fastify reads
// node:http requests, so each such stream is passed to the node:http side as an HTTP/1.1 request over
// an in-memory connection, and its response comes back onto the stream as it streams (server-sent
// events included). Only the gateway's own, low-volume paths go this way; proxied streams never do.
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { duplexPair } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import { HOP_BY_HOP } from '../http/hop-headers.ts'
import { ErrorCode } from '../http2/frame-codes.ts'
import type { H2Stream } from '../http2/h2-stream.ts'
import type { H2Request } from '../http2/server-connection.ts'
import { http } from '../util/node-http.ts'

export type OwnPathBridge = (stream: H2Stream, request: H2Request, socket: Socket) => void

export function createOwnPathBridge(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): OwnPathBridge {
  const inner = http.createServer({ requestTimeout: 0, keepAliveTimeout: 1000 }, handle)

  return (stream, request, socket) => {
    const [near, far] = duplexPair()
    // What the admin side reads of its client's connection: the real client's address and TLS.
    Object.defineProperties(far, {
      remoteAddress: { value: socket.remoteAddress },
      remotePort: { value: socket.remotePort },
      remoteFamily: { value: socket.remoteFamily },
      localAddress: { value: socket.localAddress },
      localPort: { value: socket.localPort },
      encrypted: { value: (socket as TLSSocket).encrypted === true },
    })
    inner.emit('connection', far)
    const headers: Record<string, string | string[]> = { ...request.headers }
    headers.host ??= request.authority ?? ''
    headers.connection = 'close'
    delete headers.te
    let req: ClientRequest
    try {
      req = http.request({
        createConnection: () => near,
        method: request.method,
        path: request.path ?? '/',
        headers,
        setHost: false,
      })
    } catch {
      stream.reset(ErrorCode.PROTOCOL_ERROR)
      return
    }
    let res: IncomingMessage | undefined
    req.on('error', () => stream.reset(ErrorCode.INTERNAL_ERROR))
    req.on('response', (r: IncomingMessage) => {
      res = r
      const fields = [':status', String(r.statusCode ?? 502)]
      const raw = r.rawHeaders
      for (let i = 0; i < raw.length; i += 2) {
        const name = (raw[i] as string).toLowerCase()
        if (!HOP_BY_HOP.has(name)) fields.push(name, raw[i + 1] as string)
      }
      stream.sendHeaders(fields, false)
      r.on('data', (chunk: Buffer) => {
        if (!stream.write(chunk)) r.pause()
      })
      r.on('end', () => stream.end())
      r.on('error', () => stream.reset(ErrorCode.INTERNAL_ERROR))
    })
    stream.handler = {
      onData: (s, chunk) => {
        req.write(chunk, () => s.consumed(chunk.length))
      },
      onEnd: () => req.end(),
      onWritable: () => res?.resume(),
      onClose: (s) => {
        // Before the whole answer went out (a client's RST_STREAM, even NO_ERROR): the request goes.
        if (!s.localEnded) {
          req.destroy()
          far.destroy()
        }
      },
    }
    if (stream.remoteEnded) req.end()
  }
}
