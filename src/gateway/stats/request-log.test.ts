import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ExchangeEvent } from './exchange-event.ts'
import { decodeText, encodeText, REDACTED_HEADER, RequestRing } from './request-log.ts'

let clock = Date.UTC(2026, 10, 23)
function event(
  url: string,
  headers: Record<string, string | string[]>,
  responseHeaders?: Record<string, string | string[]>,
) {
  return {
    req: { method: 'GET', url, headers },
    route: { id: 'orders' },
    target: { spec: { url: 'http://127.0.0.1:9000' } },
    upstreamPath: `/up${url}`,
    status: responseHeaders ? 200 : 0,
    responseHeaders,
    startedAt: clock++,
    durationMs: 1.234,
  } as unknown as ExchangeEvent
}

test('headers survive the text form: lists stay lists, values keep colons, spaces and non-ASCII', () => {
  const req = { host: 'a:8080', 'x-note': ' spaced:value ', 'x-name': 'café ☕', accept: '' }
  const res = { 'set-cookie': ['a=1', 'b=2; Path=/'], 'x-one': ['only'], 'content-length': '3' }
  const text = decodeText(encodeText('/o?q=a b', '/up', req, res))
  assert.equal(text.url, '/o?q=a b')
  assert.equal(text.upstreamPath, '/up')
  assert.deepEqual(text.requestHeaders, req)
  assert.deepEqual(text.responseHeaders, res)
  // No headers on either side (a client that went away before an answer).
  assert.deepEqual(decodeText(encodeText('/', '/', {}, undefined)), {
    url: '/',
    upstreamPath: '/',
    requestHeaders: {},
    responseHeaders: {},
  })
})

test('the ring keeps the newest, finds by id, forgets overwritten ids and redacts secrets', () => {
  const ring = new RequestRing(3)
  for (let i = 1; i <= 5; i++)
    ring.add(event(`/o/${i}`, { host: 'h', authorization: `Bearer ${i}` }, { 'x-i': String(i) }))
  assert.equal(ring.size, 3)
  const ids: string[] = []
  ring.forEachNewest((slot) => ids.push(ring.record(slot).id))
  assert.deepEqual(ids, ['5', '4', '3'])
  assert.equal(ring.slotOf('2'), -1)
  assert.equal(ring.slotOf('6'), -1)
  assert.equal(ring.slotOf('x'), -1)
  const slot = ring.slotOf('4')
  const record = ring.record(slot)
  assert.equal(record.path, '/o/4')
  assert.equal(record.upstreamPath, '/up/o/4')
  assert.equal(record.routeId, 'orders')
  assert.equal(record.durationMs, 1.23)
  assert.deepEqual(record.requestHeaders, { host: 'h', authorization: REDACTED_HEADER })
  assert.deepEqual(record.responseHeaders, { 'x-i': '4' })
  // A replay needs the header as sent.
  assert.equal(ring.decode(slot).requestHeaders.authorization, 'Bearer 4')
})

test('a request too long for its slot is kept whole, and does not spill into the next slot', () => {
  const ring = new RequestRing(2)
  const cookie = 'c'.repeat(3000) + 'é'.repeat(600)
  ring.add(event('/long', { host: 'h', cookie }))
  ring.add(event('/short', { host: 'h' }))
  assert.equal(ring.decode(ring.slotOf('1')).requestHeaders.cookie, cookie)
  assert.equal(ring.record(ring.slotOf('2')).path, '/short')
  // Overwriting the long one with a short one reads back the short one.
  ring.add(event('/third', { host: 'h' }))
  assert.equal(ring.record(ring.slotOf('3')).path, '/third')
})
