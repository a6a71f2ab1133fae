// RFC 9112 §9.6: a server that closes while the client may still be sending closes in stages — it stops
// writing after the response (FIN), keeps reading and dropping what comes for a while, then closes.
// Closing at once with unread bytes makes the kernel answer them with a reset, which can take the
// response away before the client read it: clients then see EPIPE or ECONNRESET instead of the 413, 401
// or 429 meant for them. nginx calls this lingering close.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** How long a closing connection keeps reading, at most, before it is cut. */
export const LINGER_MS = 5_000
/**
 * How much content a client may still send after its answer: on a kept-alive connection, the rest of a
 * body nobody wanted (beyond it the connection closes); while closing, the bytes read before it is cut.
 */
export const LINGER_BYTES = 16 * 1024 * 1024
/** How often the byte bound is looked at (node:http's parser reads the socket itself, without events). */
const CHECK_MS = 100

const kNoMore = Symbol('sallyport.noMoreRequests')
const kLingering = Symbol('sallyport.lingering')
type LingeringSocket = Socket & { [kNoMore]?: true; [kLingering]?: true }

/**
 * The connection closes after the response on its way: a request read from it after this one (already
 * pipelined, or still to come) is not served. What follows a request the gateway refused cannot be
 * trusted to start where a parser thinks it does.
 */
export function serveNoMore(socket: Socket): void {
  ;(socket as LingeringSocket)[kNoMore] = true
}

/** True once the connection is closing: whatever request is read from it now is not served. */
export function isClosing(socket: Socket): boolean {
  return (socket as LingeringSocket)[kNoMore] === true
}

/**
 * Stops writing and lets the client finish: what it still sends is read and dropped until it closes its
 * side, LINGER_BYTES more arrived or LINGER_MS passed; then the socket is destroyed.
 */
export function lingerThenClose(socket: Socket): void {
  const s = socket as LingeringSocket
  if (s[kLingering] || socket.destroyed) return
  s[kLingering] = true
  s[kNoMore] = true
  if (socket.writable) socket.end()
  if (socket.readableEnded) {
    socket.destroy()
    return
  }
  const start = socket.bytesRead
  const cut = () => {
    clearInterval(watch)
    socket.destroy()
  }
  const watch = setInterval(() => {
    if (socket.bytesRead - start > LINGER_BYTES) cut()
  }, CHECK_MS)
  watch.unref()
  const deadline = setTimeout(cut, LINGER_MS)
  deadline.unref()
  socket.once('end', cut)
  socket.once('close', () => {
    clearInterval(watch)
    clearTimeout(deadline)
  })
  // Nobody else may be reading (an upgrade's socket): make sure the bytes flow and are dropped.
  if (socket.listenerCount('data') === 0) socket.on('data', () => {})
  socket.resume()
}

/**
 * node:http destroys a connection it closes as soon as the response is written (`destroySoon`); this
 * makes that close linger instead. Set on every socket node:http serves.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function (this: Socket) {
    lingerThenClose(this)
  }
}

/**
 * An answer went out before the request's content was all read (a 401 or 429 to an upload): node:http
 * reads the rest and drops it to keep the connection. Bounded here: past LINGER_BYTES or LINGER_MS the
 * connection closes (in stages) instead.
 */
export function boundUnreadContent(req: IncomingMessage, socket: Socket): void {
  if (req.complete || isClosing(socket)) return
  const start = socket.bytesRead
  const since = Date.now()
  const watch = setInterval(() => {
    if (req.complete || socket.destroyed) clearInterval(watch)
    else if (socket.bytesRead - start > LINGER_BYTES || Date.now() - since > LINGER_MS) {
      clearInterval(watch)
      lingerThenClose(socket)
    }
  }, CHECK_MS)
  watch.unref()
}

/** For a request with content: once its answer is written, what the client still sends is bounded. */
export function boundUnreadContentAfter(req: IncomingMessage, res: ServerResponse): void {
  const len = req.headers['content-length']
  if ((len === undefined || len === '0') && req.headers['transfer-encoding'] === undefined) return
  res.once('finish', () => boundUnreadContent(req, req.socket))
}
