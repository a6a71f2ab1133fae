// RFC 9110 §11.7.2: Proxy-Authorization carries credentials for the proxy. Sallyport consumes none, so
// it never hands a client's proxy credentials to a target, unless a route says its target is a proxy
// that expects them (`headers.forwardProxyAuthorization`). Exact bytes both sides, both front-ends.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { finalResponses, LANES, one, rawRequest, startPair } from './raw.ts'

const reply = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
const requests = [
  [
    'GET (the fast lane reads it)',
    'GET /p HTTP/1.1\r\nHost: a\r\nProxy-Authorization: Basic c2VjcmV0OnB3\r\n\r\n',
  ],
  [
    'POST (node:http reads it)',
    'POST /p HTTP/1.1\r\nHost: a\r\nProxy-Authorization: Basic c2VjcmV0OnB3\r\nContent-Length: 2\r\n\r\nhi',
  ],
] as const

for (const lane of LANES) {
  describe(`Proxy-Authorization (fast lane ${lane})`, () => {
    for (const [name, bytes] of requests) {
      test(`RFC 9110 §11.7.2: a ${name} reaches the target without the client's proxy credentials`, async (t) => {
        const { up, port } = await startPair(
          t,
          lane,
          () => reply,
          (url) => ({
            routes: [{ path: '/', targets: [{ url }] }],
          }),
        )
        const r = one((await rawRequest(port, bytes, { until: finalResponses(1), maxMs: 4000 })).bytes)
        assert.equal(r.status, 200)
        assert.equal(up.requests.length, 1)
        const sent = up.requests[0]
        assert.equal(sent?.header('proxy-authorization'), undefined)
        assert.doesNotMatch(sent?.head.toString('latin1') ?? '', /c2VjcmV0OnB3/)
      })

      test(`RFC 9110 §11.7.2: a route with headers.forwardProxyAuthorization passes a ${name}'s credentials on`, async (t) => {
        const { up, port } = await startPair(
          t,
          lane,
          () => reply,
          (url) => ({
            routes: [{ path: '/', targets: [{ url }], headers: { forwardProxyAuthorization: true } }],
          }),
        )
        const r = one((await rawRequest(port, bytes, { until: finalResponses(1), maxMs: 4000 })).bytes)
        assert.equal(r.status, 200)
        assert.equal(up.requests[0]?.header('proxy-authorization'), 'Basic c2VjcmV0OnB3')
      })
    }
  })
}
