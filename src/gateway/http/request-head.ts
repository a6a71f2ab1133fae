import type { IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'

/**
 * The parts of a client request that routing, balancing, forwarding and the request log read. A
 * node:http IncomingMessage has them, and so does a request the fast lane parsed itself.
 */
export interface RequestHead {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly headers: IncomingHttpHeaders
  readonly socket: Socket
}
