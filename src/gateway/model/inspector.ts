// Wire shapes of the request inspector: GET <base>/api/requests and its replay endpoint.
import Type from 'typebox'

const Headers = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))

export const RequestRecord = Type.Object({
  id: Type.String(),
  time: Type.String({ description: 'when the request started (ISO 8601)' }),
  method: Type.String(),
  path: Type.String({ description: 'path and query as the client sent them' }),
  routeId: Type.String(),
  target: Type.String({ description: 'upstream target url' }),
  upstreamPath: Type.String(),
  status: Type.Number({ description: '0 when the client went away before an answer' }),
  durationMs: Type.Number(),
  requestHeaders: Headers,
  responseHeaders: Headers,
})
export type RequestRecord = Type.Static<typeof RequestRecord>

export const ReplayResult = Type.Object({
  original: RequestRecord,
  replay: Type.Object({
    status: Type.Number(),
    headers: Headers,
    durationMs: Type.Number(),
    body: Type.String({ description: 'the response body as text, cut at 64 KiB' }),
    truncated: Type.Boolean(),
  }),
})
export type ReplayResult = Type.Static<typeof ReplayResult>
