// "Copy as curl" for a recorded request: the same method, URL, headers and body sent to the gateway
// again. Values the inspector redacted stay marked, and a comment says so, so nobody mistakes
// `[redacted]` for the real value.
import type { RequestDetail } from '../model/index.ts'

const REDACTED = '[redacted]'
/** Fields curl sets itself, or that would be wrong for a new connection. */
const SKIP = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'expect'])

/** POSIX shell single quotes: safe for any byte but NUL. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

export function curlCommand(
  request: Pick<RequestDetail, 'method' | 'path' | 'requestHeaders' | 'requestBody'>,
  origin: string,
): string {
  const lines: string[] = []
  let redacted = false
  lines.push(`curl -X ${request.method} ${shellQuote(new URL(request.path, origin).href)}`)
  for (const [name, value] of Object.entries(request.requestHeaders)) {
    if (SKIP.has(name)) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one === REDACTED) redacted = true
      lines.push(`-H ${shellQuote(`${name}: ${one}`)}`)
    }
  }
  const body = request.requestBody
  if (body.text !== undefined) {
    if (body.text.includes(REDACTED)) redacted = true
    lines.push(`--data-binary ${shellQuote(body.text)}`)
  }
  const notes: string[] = []
  if (redacted)
    notes.push(`# ${REDACTED} marks values the inspector hid: put the real ones in before running`)
  if (body.truncated || (body.size > 0 && body.text === undefined))
    notes.push(`# the request body (${body.size} bytes) was not kept in full: it is missing or cut below`)
  return [...notes, lines.join(' \\\n  ')].join('\n')
}
