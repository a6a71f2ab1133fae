// HTTP/1.1 response heads written by hand (the fast lane, the upgrade front-end, answers to malformed
// requests), byte for byte what node:http's ServerResponse writes for the same status and fields: the
// fields in order, then `Date`, `Connection` (+ `Keep-Alive`), `Transfer-Encoding: chunked`. So a client
// cannot tell which front-end answered it (the differential test holds the two to that).
import { http } from '../util/node-http.ts'
import type { ResponseFields } from './response-fields.ts'

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'unknown'}\r\n`
}

/** One line per field value, names as given (a list value gets a line per item). */
export function fieldLines(fields: ResponseFields): string {
  let out = ''
  for (const name in fields) {
    const v = fields[name]
    if (typeof v === 'string') out += `${name}: ${v}\r\n`
    else if (v !== undefined) for (const item of v) out += `${name}: ${item}\r\n`
  }
  return out
}

let dateSecond = 0
let dateText = ''
/** The IMF-fixdate of now, built once a second (as node:http does). */
export function httpDate(): string {
  const now = Date.now()
  const s = Math.floor(now / 1000)
  if (s !== dateSecond) {
    dateSecond = s
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

/** The Connection lines: keep-alive with its timeout, or close when `keepAliveS` is 0. */
export function connectionLines(keepAliveS: number): string {
  return keepAliveS > 0
    ? `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveS}\r\n`
    : 'Connection: close\r\n'
}

/** A final response head with its blank line. `chunked`: the body follows in chunked coding. */
export function responseHead(
  status: number,
  fields: ResponseFields,
  keepAliveS: number,
  chunked: boolean,
): string {
  let head = statusLine(status) + fieldLines(fields)
  if (fields.date === undefined) head += `Date: ${httpDate()}\r\n`
  head += connectionLines(keepAliveS)
  if (chunked) head += 'Transfer-Encoding: chunked\r\n'
  return `${head}\r\n`
}

/** An interim (1xx) response head: node:http's writeContinue / writeEarlyHints bytes. */
export function interimHead(status: number, fields: ResponseFields): string {
  if (status === 100) return 'HTTP/1.1 100 Continue\r\n\r\n'
  return `${statusLine(status)}${fieldLines(fields)}\r\n`
}

export const LAST_CHUNK = '0\r\n\r\n'

export function chunkHeader(size: number): string {
  return `${size.toString(16)}\r\n`
}
