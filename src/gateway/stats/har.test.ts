import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RequestDetail } from '../model/index.ts'
import { toHar } from './har.ts'

const detail: RequestDetail = {
  id: '3',
  time: '2026-12-03T07:00:00.000Z',
  method: 'POST',
  path: '/users?team=a&x=%20y',
  routeId: 'users',
  target: 'http://127.0.0.1:9000',
  upstreamPath: '/users?team=a&x=%20y',
  status: 201,
  durationMs: 12.5,
  requestHeaders: { host: 'localhost:8080', 'content-type': 'application/json', authorization: '[redacted]' },
  responseHeaders: { 'content-type': 'application/json', 'set-cookie': '[redacted]' },
  outcome: 'upstream',
  attempts: 1,
  timing: { queuedMs: 0.5, connectMs: 1, ttfbMs: 10, totalMs: 12.5 },
  upstream: {
    url: 'http://127.0.0.1:9000/users?team=a&x=%20y',
    method: 'POST',
    headers: { host: '127.0.0.1:9000' },
  },
  requestBodyBytes: 16,
  responseBodyBytes: 8,
  requestBody: { size: 16, captured: 16, kind: 'json', text: '{"name":"grace"}', truncated: false },
  responseBody: { size: 8, captured: 8, kind: 'json', text: '{"id":7}', truncated: false },
}

test('a record becomes a HAR 1.2 entry: url from Host, query, bodies, timings that add up', () => {
  const har = toHar([detail], 'http://127.0.0.1:8080', '1.2.3')
  assert.equal(har.log.version, '1.2')
  assert.deepEqual(har.log.creator, { name: 'Sallyport', version: '1.2.3' })
  const [e] = har.log.entries
  assert.ok(e)
  assert.equal(e.request.url, 'http://localhost:8080/users?team=a&x=%20y')
  assert.deepEqual(e.request.queryString, [
    { name: 'team', value: 'a' },
    { name: 'x', value: ' y' },
  ])
  assert.deepEqual(e.request.postData, { mimeType: 'application/json', text: '{"name":"grace"}' })
  assert.ok(e.request.headers.some((h) => h.name === 'authorization' && h.value === '[redacted]'))
  assert.equal(e.response.content.text, '{"id":7}')
  assert.equal(e.response.content.mimeType, 'application/json')
  const t = e.timings
  assert.equal(t.blocked + t.connect + t.send + t.wait + t.receive, e.time)
  assert.equal(e._outcome, 'upstream')
})

test('a row the gateway answered itself, without Host or body, is still a valid entry', () => {
  const bare: RequestDetail = {
    ...detail,
    method: 'GET',
    path: '/nowhere',
    routeId: '',
    target: '',
    status: 404,
    outcome: 'no-route',
    requestHeaders: {},
    timing: { queuedMs: 0, connectMs: 0, ttfbMs: 0.2, totalMs: 0.3 },
    upstream: undefined,
    requestBodyBytes: 0,
    requestBody: { size: 0, captured: 0, kind: 'none', truncated: false },
  }
  const [e] = toHar([bare], 'http://127.0.0.1:8080', '1').log.entries
  assert.equal(e?.request.url, 'http://127.0.0.1:8080/nowhere')
  assert.equal(e?.request.postData, undefined)
  assert.equal(e?.timings.connect, -1)
  assert.equal(e?._upstream, undefined)
})
