// Wire shapes of the request inspector: GET <base>/api/requests, one request's detail with its
// bodies, its replay, and the live tail.
import Type from 'typebox'

const Headers = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))

/** Who answered a request; one small closed set, in the order a request meets them. */
export const OUTCOMES = [
  'upstream',
  'cache',
  'mock',
  'preflight',
  'rate-limited',
  'circuit-open',
  'no-target',
  'no-route',
  'unauthorized',
  'invalid-request',
  'program-refused',
  'program-failed',
  'upstream-failed',
  'timeout',
  'client-gone',
] as const

export const Outcome = Type.Enum(OUTCOMES, {
  description:
    'who answered: upstream (the upstream, whatever its status) · cache (a fresh copy from the ' +
    "route's response cache) · mock (an answer made from the service's OpenAPI document, route " +
    'option mock) · preflight (a CORS preflight or OPTIONS * the gateway answered) · ' +
    "rate-limited (429 from the route's rate limit) · circuit-open (503, every target's circuit is " +
    'open) · no-target (503, no healthy target) · no-route (404, no route matches) · unauthorized ' +
    "(401/403 from the route's JWT policy) · invalid-request (4xx/5xx for a request the gateway " +
    'refused: OpenAPI validation, malformed, too large, unsupported) · program-refused (403, a ' +
    "program of the route's service was false or called terminate_if) · program-failed (500, a " +
    'program failed or went over its step or time budget) · upstream-failed (502, the ' +
    'upstream could not be reached or broke off) · timeout (504, the upstream or the call deadline ' +
    'took too long) · client-gone (the client left before its answer was complete; status 0 when ' +
    'nothing was answered)',
})
export type Outcome = Type.Static<typeof Outcome>

export const RequestTiming = Type.Object(
  {
    queuedMs: Type.Number({ description: 'from the request start until its (last) upstream attempt began' }),
    connectMs: Type.Number({ description: 'opening a new upstream connection; 0 when one was reused' }),
    ttfbMs: Type.Number({ description: 'from the request start until the response head was ready' }),
    totalMs: Type.Number({ description: 'from the request start until the response ended' }),
  },
  { description: 'all 0 for parts that did not happen (no upstream attempt, no answer)' },
)
export type RequestTiming = Type.Static<typeof RequestTiming>

export const UpstreamRequest = Type.Object(
  {
    url: Type.String({ description: 'target url and path as sent, after stripPrefix/addPrefix' }),
    method: Type.String(),
    /** The header block sent upstream: hop-by-hop gone, x-forwarded-*, traceparent, route rules. */
    headers: Headers,
  },
  { description: 'what went to the upstream on the last attempt; absent when nothing did' },
)
export type UpstreamRequest = Type.Static<typeof UpstreamRequest>

export const RequestRecord = Type.Object({
  id: Type.String(),
  time: Type.String({ description: 'when the request started (ISO 8601)' }),
  method: Type.String(),
  path: Type.String({ description: 'path and query as the client sent them' }),
  routeId: Type.String({ description: "'' when no route matched" }),
  target: Type.String({ description: "upstream target url; '' when no attempt was made" }),
  upstreamPath: Type.String(),
  status: Type.Number({ description: '0 when the client went away before an answer' }),
  durationMs: Type.Number(),
  requestHeaders: Headers,
  responseHeaders: Headers,
  outcome: Outcome,
  attempts: Type.Number({ description: 'upstream attempts (more than one: retries)' }),
  timing: RequestTiming,
  upstream: Type.Optional(UpstreamRequest),
  requestBodyBytes: Type.Number({ description: 'request body bytes seen (the client sent)' }),
  responseBodyBytes: Type.Number({ description: 'response body bytes seen (the client was sent)' }),
  note: Type.Optional(
    Type.String({ description: 'what of the request the inspector did not keep, and why (e.g. under load)' }),
  ),
})
export type RequestRecord = Type.Static<typeof RequestRecord>

export const BodyView = Type.Object(
  {
    size: Type.Number({ description: 'bytes that passed' }),
    captured: Type.Number({ description: 'bytes kept (at most inspector.bodyLimit)' }),
    kind: Type.Union([
      Type.Literal('none'),
      Type.Literal('text'),
      Type.Literal('json'),
      Type.Literal('binary'),
    ]),
    text: Type.Optional(
      Type.String({ description: 'text (JSON pretty-printed) with configured fields redacted' }),
    ),
    hexHead: Type.Optional(Type.String({ description: 'binary: the first 256 bytes as hex' })),
    truncated: Type.Boolean(),
    note: Type.Optional(Type.String({ description: 'why the body is cut, dropped or not kept' })),
  },
  { description: 'a request or response body as the inspector kept it' },
)
export type BodyView = Type.Static<typeof BodyView>

export const RequestDetail = Type.Object({
  ...RequestRecord.properties,
  requestBody: BodyView,
  responseBody: BodyView,
  curl: Type.Optional(
    Type.String({
      description:
        'the request as a curl command to this gateway; [redacted] marks hidden values, a comment says so',
    }),
  ),
})
export type RequestDetail = Type.Static<typeof RequestDetail>

export const ResponseDiff = Type.Object(
  {
    status: Type.Optional(Type.Object({ from: Type.Number(), to: Type.Number() })),
    headers: Type.Object({
      added: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
      removed: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
      changed: Type.Array(Type.Object({ name: Type.String(), from: Type.String(), to: Type.String() })),
    }),
    body: Type.Object({
      kind: Type.Union([Type.Literal('same'), Type.Literal('json'), Type.Literal('text')]),
      /** json: one entry per changed field, by JSON path; text: changed lines. */
      changes: Type.Array(
        Type.Object({
          path: Type.String({ description: 'json: $.a.b[0]; text: line N' }),
          from: Type.Optional(Type.String()),
          to: Type.Optional(Type.String()),
        }),
      ),
      note: Type.Optional(Type.String()),
    }),
  },
  { description: 'what the replay answered differently (date and age are ignored: they always change)' },
)
export type ResponseDiff = Type.Static<typeof ResponseDiff>

export const ReplayResult = Type.Object({
  original: RequestRecord,
  replay: Type.Object({
    status: Type.Number(),
    headers: Headers,
    durationMs: Type.Number(),
    body: Type.String({ description: 'the response body as text, cut at 64 KiB' }),
    truncated: Type.Boolean(),
    requestBodyBytes: Type.Number({ description: 'request body bytes sent again' }),
  }),
  diff: ResponseDiff,
})
export type ReplayResult = Type.Static<typeof ReplayResult>
