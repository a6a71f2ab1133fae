// HTTPS on the gateway's port: the protocol sniffer hands over connections that begin with a TLS
// handshake; once it is done, ALPN says which front-end takes the decrypted stream — "h2" the
// HTTP/2 one, "http/1.1" (or a client that offers nothing) the HTTP/1.1 path, fast lane included.
// Certificates come from a CertificateSource (tls/): the local CA's leaf for the SNI name, or files.
import type { Socket } from 'node:net'
import tls, { type SecureContext, type TLSSocket } from 'node:tls'
import type { ConnectionHolder } from './lifecycle.ts'

export interface TlsFrontOptions {
  /** The certificate for clients that send no server name (e.g. https://127.0.0.1). */
  readonly key: string
  readonly cert: string
  readonly SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void
  /** A handshake must be done this long after the connection began. */
  readonly handshakeTimeoutMs: number
  readonly http2: (socket: TLSSocket) => void
  readonly http1: (socket: Socket) => void
}

export interface TlsFront extends ConnectionHolder {
  accept(socket: Socket): void
}

export function createTlsFront(opts: TlsFrontOptions): TlsFront {
  const handshaking = new Set<Socket>()
  const server = tls.createServer({
    key: opts.key,
    cert: opts.cert,
    SNICallback: opts.SNICallback,
    ALPNProtocols: ['h2', 'http/1.1'],
    minVersion: 'TLSv1.2',
    handshakeTimeout: opts.handshakeTimeoutMs,
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    handshaking.delete((socket as TLSSocket & { _parent?: Socket })._parent as Socket)
    if (socket.alpnProtocol === 'h2') opts.http2(socket)
    else opts.http1(socket)
  })
  // A failed handshake (an untrusted certificate, a port scan) is the client's business: close it,
  // the TCP connection under it too (else it lingers half-closed and holds up a drain).
  server.on('tlsClientError', (_err: Error, socket: TLSSocket) => {
    socket.destroy()
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent
    if (raw !== undefined) {
      handshaking.delete(raw)
      raw.destroy()
    }
  })
  return {
    accept(socket) {
      handshaking.add(socket)
      socket.once('close', () => handshaking.delete(socket))
      server.emit('connection', socket)
    },
    closeIdle() {
      // A connection still in its handshake has no request in flight.
      for (const socket of handshaking) socket.destroy()
      handshaking.clear()
    },
    closeAll() {
      for (const socket of handshaking) socket.destroy()
    },
  }
}
