// One port, every protocol: the first bytes of a new connection say what it speaks. A TLS
// ClientHello goes to the TLS front-end (which then picks HTTP/2 or HTTP/1.1 by ALPN), the HTTP/2
// connection preface (h2c with prior knowledge, RFC 9113 §3.3) to the HTTP/2 front-end, anything else
// to the HTTP/1.1 front-ends (the fast lane, then node:http). The bytes read to decide are put back.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export interface SniffedFronts {
  /** Connections that begin with the HTTP/2 preface. */
  readonly http2: (socket: Socket) => void
  /** Connections that begin with a TLS handshake record; undefined when TLS is off (HTTP/1.1 answers). */
  readonly tls: ((socket: Socket) => void) | undefined
  /** Cleartext HTTP/1.x connections, when they do not go the HTTP/1.1 path (redirected to https). */
  readonly cleartextHttp1?: ((socket: Socket) => void) | undefined
  /** How long a connection may stay silent before its first byte. */
  readonly firstByteTimeoutMs: number
  /** Once bytes came, how long until enough of them say what the connection speaks (fixed, not idle). */
  readonly decideTimeoutMs: number
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const TLS_HANDSHAKE = 0x16

/** 'h2' for the preface, 'tls' for a handshake, 'http1' otherwise, undefined if more bytes are needed. */
export function sniff(bytes: Buffer): 'h2' | 'tls' | 'http1' | undefined {
  if (bytes.length === 0) return undefined
  if (bytes[0] === TLS_HANDSHAKE) return 'tls'
  const n = Math.min(bytes.length, PREFACE.length)
  if (bytes.compare(PREFACE, 0, n, 0, n) !== 0) return 'http1'
  return n === PREFACE.length ? 'h2' : undefined
}

export interface ProtocolSniffer {
  /** The HTTP/1.1 path (the fast lane, then node:http): for the TLS front-end's HTTP/1.1 connections. */
  readonly http1: (socket: Socket) => void
  /** Connections that have not said anything yet are idle: closed on drain. */
  closeIdle(): void
  closeAll(): void
}

/**
 * Puts the sniffer in front of `server`'s own connection handling (install it after the fast lane:
 * whatever listens for connections then is the HTTP/1.1 path).
 */
export function installProtocolSniffer(server: Server, fronts: SniffedFronts): ProtocolSniffer {
  const http1Listeners = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  const http1 = (socket: Socket): void => {
    for (const listener of http1Listeners) listener.call(server, socket)
  }
  const waiting = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    let seen: Buffer | undefined
    /** Runs from the first byte: a preface trickled one byte at a time does not keep resetting it. */
    let deadline: NodeJS.Timeout | undefined
    waiting.add(socket)
    const silent = () => socket.destroy()
    // The server allows half-open connections: one that ends before saying anything is closed here.
    const gone = () => {
      clearTimeout(deadline)
      waiting.delete(socket)
      socket.destroy()
    }
    const onData = (chunk: Buffer) => {
      seen = seen === undefined ? chunk : Buffer.concat([seen, chunk])
      let kind = sniff(seen)
      if (kind === undefined) {
        deadline ??= setTimeout(silent, fronts.decideTimeoutMs)
        return
      }
      clearTimeout(deadline)
      if (kind === 'tls' && fronts.tls === undefined) kind = 'http1'
      waiting.delete(socket)
      socket.removeListener('data', onData)
      socket.removeListener('end', gone)
      socket.removeListener('close', gone)
      socket.removeListener('timeout', silent)
      socket.setTimeout(0)
      socket.pause()
      socket.unshift(seen)
      if (kind === 'h2') fronts.http2(socket)
      else if (kind === 'tls') fronts.tls?.(socket)
      else (fronts.cleartextHttp1 ?? http1)(socket)
      // The front-end reads from here on, starting with the bytes looked at.
      process.nextTick(() => socket.resume())
    }
    socket.on('error', silent)
    socket.setTimeout(fronts.firstByteTimeoutMs)
    socket.on('timeout', silent)
    socket.on('end', gone)
    socket.on('close', gone)
    socket.on('data', onData)
  })
  const closeAll = () => {
    for (const socket of waiting) socket.destroy()
    waiting.clear()
  }
  return { http1, closeIdle: closeAll, closeAll }
}
