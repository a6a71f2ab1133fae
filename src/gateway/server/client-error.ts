// Answers to requests that never became requests: a head that did not parse, came too slowly or is
// too large. Written straight to the socket as an RFC 9457 problem, and the connection closes: what
// follows such a head cannot be trusted to start where a request would.
import { responseHead } from '../http/http1-head.ts'
import { type ProblemKind, problemResponse } from '../http/problem.ts'
import { traceOf } from '../pipeline/trace.ts'

/** node:http's parse errors (llhttp codes) as the answers they call for. */
export function clientErrorProblem(err: NodeJS.ErrnoException & { reason?: string }): {
  kind: ProblemKind
  detail: string
} {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { kind: 'header-fields-too-large', detail: 'the request head is too large' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { kind: 'request-timeout', detail: 'the request head did not arrive in time' }
    case 'HPE_INVALID_VERSION':
      if (err.reason === 'Invalid HTTP version')
        return { kind: 'http-version-not-supported', detail: 'only HTTP/1.0 and HTTP/1.1 are served here' }
      break
  }
  return { kind: 'bad-request', detail: `the request could not be read: ${err.reason ?? err.message}` }
}

/** The whole response, head and body, ending with `Connection: close`. */
export function clientErrorResponse(kind: ProblemKind, detail: string): string {
  const p = problemResponse(kind, { detail, instance: '', traceId: traceOf(undefined).traceId })
  return responseHead(p.status, p.headers, 0, false) + p.body
}
