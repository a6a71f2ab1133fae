// RFC 9457 problem details for every error the gateway itself answers on the data plane: one builder,
// whatever front-end writes the answer.
import type { ServerResponse } from 'node:http'

export type ProblemKind =
  | 'route-not-found'
  | 'bad-gateway'
  | 'gateway-timeout'
  | 'service-unavailable'
  | 'rate-limit-exceeded'
  | 'unauthorized'
  | 'forbidden'
  | 'validation-failed'
  | 'bad-request'
  | 'request-timeout'
  | 'header-fields-too-large'
  | 'content-too-large'
  | 'not-implemented'
  | 'http-version-not-supported'
  | 'program-refused'
  | 'program-failed'
  | 'operation-not-found'
  | 'not-acceptable'
  | 'mock-failed'

const TITLES: Record<ProblemKind, [number, string]> = {
  'route-not-found': [404, 'Not Found'],
  'bad-gateway': [502, 'Bad Gateway'],
  'gateway-timeout': [504, 'Gateway Timeout'],
  'service-unavailable': [503, 'Service Unavailable'],
  'rate-limit-exceeded': [429, 'Too Many Requests'],
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  'validation-failed': [400, 'Bad Request'],
  'bad-request': [400, 'Bad Request'],
  'request-timeout': [408, 'Request Timeout'],
  'header-fields-too-large': [431, 'Request Header Fields Too Large'],
  'content-too-large': [413, 'Content Too Large'],
  'not-implemented': [501, 'Not Implemented'],
  'http-version-not-supported': [505, 'HTTP Version Not Supported'],
  'program-refused': [403, 'Forbidden'],
  'program-failed': [500, 'Internal Server Error'],
  'operation-not-found': [404, 'Not Found'],
  'not-acceptable': [406, 'Not Acceptable'],
  'mock-failed': [500, 'Internal Server Error'],
}

export const PROBLEM_BASE = 'https://sallyport.dev/problems/'

export interface ProblemOptions {
  readonly detail: string
  /** The request target the problem is about; '' when there is none (a request that did not parse). */
  readonly instance: string
  readonly traceId: string
  readonly retryAfterS?: number
  readonly headers?: Record<string, string>
  readonly extra?: Record<string, unknown>
}

export function problemBody(kind: ProblemKind, opts: ProblemOptions): { status: number; body: string } {
  const [status, title] = TITLES[kind]
  const body = JSON.stringify({
    type: PROBLEM_BASE + kind,
    title,
    status,
    detail: opts.detail,
    ...(opts.instance !== '' ? { instance: opts.instance } : {}),
    traceId: opts.traceId,
    ...opts.extra,
  })
  return { status, body }
}

/** Status, headers and body of a problem response. */
export function problemResponse(
  kind: ProblemKind,
  opts: ProblemOptions,
): { status: number; headers: Record<string, string>; body: string } {
  const { status, body } = problemBody(kind, opts)
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...opts.headers,
  }
  if (opts.retryAfterS !== undefined)
    headers['retry-after'] = String(Math.max(0, Math.ceil(opts.retryAfterS)))
  return { status, headers, body }
}

export function sendProblem(res: ServerResponse, kind: ProblemKind, opts: ProblemOptions): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const { status, headers, body } = problemResponse(kind, opts)
  res.writeHead(status, headers)
  res.end(body)
}
