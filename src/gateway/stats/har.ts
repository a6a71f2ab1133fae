// Inspector records as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/):
// what browsers' developer tools and most HTTP tools import. Secrets stay redacted; the outcome,
// route and what went upstream ride along as `_`-prefixed custom fields (allowed by the format).
import type { BodyView, RequestDetail } from '../model/index.ts'
import type { HeaderMap } from './redaction.ts'

export interface HarLog {
  log: {
    version: '1.2'
    creator: { name: string; version: string }
    entries: HarEntry[]
  }
}

interface NameValue {
  name: string
  value: string
}

export interface HarEntry {
  startedDateTime: string
  time: number
  request: {
    method: string
    url: string
    httpVersion: string
    cookies: NameValue[]
    headers: NameValue[]
    queryString: NameValue[]
    headersSize: number
    bodySize: number
    postData?: { mimeType: string; text: string; comment?: string }
  }
  response: {
    status: number
    statusText: string
    httpVersion: string
    cookies: NameValue[]
    headers: NameValue[]
    content: { size: number; mimeType: string; text?: string; comment?: string }
    redirectURL: string
    headersSize: number
    bodySize: number
  }
  cache: Record<string, never>
  timings: {
    blocked: number
    dns: number
    connect: number
    send: number
    wait: number
    receive: number
    ssl: number
  }
  _outcome: string
  _routeId: string
  _upstream?: RequestDetail['upstream']
}

const pairs = (headers: HeaderMap): NameValue[] =>
  Object.entries(headers).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => ({ name, value })),
  )

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

function query(url: URL): NameValue[] {
  return [...url.searchParams].map(([name, value]) => ({ name, value }))
}

/** A body's text for the archive, or a comment saying why there is none. */
function bodyText(body: BodyView): { text?: string; comment?: string } {
  if (body.text !== undefined) return { text: body.text, ...(body.note ? { comment: body.note } : {}) }
  if (body.kind === 'binary') return { comment: `binary body (${body.size} bytes) not included` }
  return body.note ? { comment: body.note } : {}
}

/** `base`: the gateway's own URL (scheme and host for requests that carried no Host). */
export function toHar(details: readonly RequestDetail[], base: string, version: string): HarLog {
  const fallback = new URL(base)
  const entries = details.map((d): HarEntry => {
    const host = one(d.requestHeaders.host) ?? fallback.host
    let url: URL
    try {
      url = new URL(d.path, `${fallback.protocol}//${host}`)
    } catch {
      url = new URL(d.path.startsWith('/') ? d.path : '/', base)
    }
    const t = d.timing
    const head = t.ttfbMs > 0 ? t.ttfbMs : t.totalMs
    const requestType = one(d.requestHeaders['content-type']) ?? 'application/octet-stream'
    const req = bodyText(d.requestBody)
    const res = bodyText(d.responseBody)
    return {
      startedDateTime: d.time,
      time: d.durationMs,
      request: {
        method: d.method,
        url: url.href,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: pairs(d.requestHeaders),
        queryString: query(url),
        headersSize: -1,
        bodySize: d.requestBodyBytes,
        ...(d.requestBodyBytes > 0
          ? {
              postData: {
                mimeType: requestType,
                text: req.text ?? '',
                ...(req.comment ? { comment: req.comment } : {}),
              },
            }
          : {}),
      },
      response: {
        status: d.status,
        statusText: '',
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: pairs(d.responseHeaders),
        content: {
          size: d.responseBodyBytes,
          mimeType: one(d.responseHeaders['content-type']) ?? '',
          ...res,
        },
        redirectURL: one(d.responseHeaders.location) ?? '',
        headersSize: -1,
        bodySize: d.responseBodyBytes,
      },
      cache: {},
      timings: {
        blocked: t.queuedMs,
        dns: -1,
        connect: t.connectMs > 0 ? t.connectMs : -1,
        send: 0,
        wait: Math.max(0, round(head - t.queuedMs - t.connectMs)),
        receive: Math.max(0, round(t.totalMs - head)),
        ssl: -1,
      },
      _outcome: d.outcome,
      _routeId: d.routeId,
      ...(d.upstream ? { _upstream: d.upstream } : {}),
    }
  })
  return { log: { version: '1.2', creator: { name: 'Sallyport', version }, entries } }
}

const round = (ms: number) => Math.round(ms * 100) / 100
