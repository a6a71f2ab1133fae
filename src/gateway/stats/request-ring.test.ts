import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Outcome } from '../model/index.ts'
import { BodyCapture } from './body-capture.ts'
import type { ExchangeEvent } from './exchange-event.ts'
import { REDACTED, Redactor } from './redaction.ts'
import { decodeText, encodeText, RequestRing } from './request-ring.ts'

let clock = Date.UTC(2026, 10, 23)
function event(
  url: string,
  headers: Record<string, string | string[]>,
  responseHeaders?: Record<string, string | string[]>,
  more: Partial<Record<keyof ExchangeEvent, unknown>> = {},
) {
  return {
    req: { method: 'GET', url, headers },
    route: { id: 'orders' },
    target: { spec: { url: 'http://127.0.0.1:9000' } },
    upstreamPath: `/up${url}`,
    upstreamHeaders: { host: '127.0.0.1:9000', 'x-forwarded-for': '127.0.0.1' },
    status: responseHeaders ? 200 : 0,
    responseHeaders,
    outcome: 'upstream' as Outcome,
    attempts: 1,
    startedAt: clock++,
    durationMs: 1.234,
    started: 100,
    attemptStarted: 100.5,
    headAt: 101,
    connectMs: 0.25,
    ...more,
  } as unknown as ExchangeEvent
}

function captured(ring: RequestRing, text: string, limit = 1024): BodyCapture {
  const c = new BodyCapture(ring.arena, limit)
  c.add(Buffer.from(text))
  return c
}

test('headers survive the text form: lists stay lists, values keep colons, spaces and non-ASCII', () => {
  const req = { host: 'a:8080', 'x-note': ' spaced:value ', 'x-name': 'café ☕', accept: '' }
  const res = { 'set-cookie': ['a=1', 'b=2; Path=/'], 'x-one': ['only'], 'content-length': '3' }
  const up = { host: 'up:1', traceparent: '00-ab-cd-01' }
  const text = decodeText(encodeText('/o?q=a b', '/up', req, res, up))
  assert.equal(text.url, '/o?q=a b')
  assert.equal(text.upstreamPath, '/up')
  assert.deepEqual(text.requestHeaders, req)
  assert.deepEqual(text.responseHeaders, res)
  assert.deepEqual(text.upstreamHeaders, up)
  // Nothing went upstream, no headers on either side (a client that went away before an answer).
  const bare = decodeText(encodeText('/', '/', {}, undefined))
  assert.deepEqual(bare.requestHeaders, {})
  assert.deepEqual(bare.responseHeaders, {})
  assert.equal(bare.upstreamHeaders, undefined)
  // The upstream block keeps only changes: fields passed on as they came, lists replaced whole.
  const list = ['1', '2']
  const client = { a: list, b: 'x', gone: 'y', d: ['5', '6'] }
  const sent = { a: list, b: 'z', c: ['3', '4'], d: ['7'] }
  const encoded = encodeText('/', '/', client, {}, sent)
  assert.equal(encoded.split(' a:1\n').length, 2, 'the unchanged list is written once, for the client')
  assert.deepEqual(decodeText(encoded).upstreamHeaders, sent)
  assert.deepEqual(decodeText(encoded).requestHeaders, client)
  // Empty blocks before a non-empty one stay apart.
  assert.deepEqual(decodeText(encodeText('/', '/', {}, {}, { a: '1' })).upstreamHeaders, { a: '1' })
  assert.deepEqual(decodeText(encodeText('/', '/', { a: '1' }, {}, {})).upstreamHeaders, {})
})

test('the ring keeps the newest, finds by id, forgets overwritten ids and redacts secrets', () => {
  const ring = new RequestRing(3, new Redactor(['x-internal']))
  for (let i = 1; i <= 5; i++)
    ring.add(
      event(`/o/${i}`, { host: 'h', authorization: `Bearer ${i}`, 'x-internal': 'k' }, { 'x-i': String(i) }),
      0,
    )
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
  assert.equal(record.outcome, 'upstream')
  assert.deepEqual(record.timing, { queuedMs: 0.5, connectMs: 0.25, ttfbMs: 1, totalMs: 1.23 })
  assert.deepEqual(record.upstream, {
    url: 'http://127.0.0.1:9000/up/o/4',
    method: 'GET',
    headers: { host: '127.0.0.1:9000', 'x-forwarded-for': '127.0.0.1' },
  })
  assert.deepEqual(record.requestHeaders, { host: 'h', authorization: REDACTED, 'x-internal': REDACTED })
  assert.deepEqual(record.responseHeaders, { 'x-i': '4' })
  // A replay needs the header as sent.
  assert.equal(ring.decode(slot).requestHeaders.authorization, 'Bearer 4')
})

test('an answer the gateway made itself is a record too: no route, no target, no upstream part', () => {
  const ring = new RequestRing(4, new Redactor())
  ring.add(
    event(
      '/nope',
      { host: 'h' },
      { 'content-type': 'application/problem+json' },
      {
        route: undefined,
        target: undefined,
        upstreamHeaders: undefined,
        outcome: 'no-route',
        status: 404,
        attempts: 0,
        attemptStarted: 0,
      },
    ),
    0,
  )
  const r = ring.record(ring.slotOf('1'))
  assert.equal(r.outcome, 'no-route')
  assert.equal(r.routeId, '')
  assert.equal(r.target, '')
  assert.equal(r.upstream, undefined)
  assert.equal(r.timing.queuedMs, 0)
  assert.equal(r.timing.connectMs, 0)
})

test('a request too long for its slot is kept whole, and does not spill into the next slot', () => {
  const ring = new RequestRing(2, new Redactor())
  const cookie = 'c'.repeat(6000) + 'é'.repeat(1200)
  ring.add(event('/long', { host: 'h', cookie }), 0)
  ring.add(event('/short', { host: 'h' }), 0)
  assert.equal(ring.decode(ring.slotOf('1')).requestHeaders.cookie, cookie)
  assert.equal(ring.record(ring.slotOf('2')).path, '/short')
  // Overwriting the long one with a short one reads back the short one.
  ring.add(event('/third', { host: 'h' }), 0)
  assert.equal(ring.record(ring.slotOf('3')).path, '/third')
})

test('bodies stay within the byte budget: the oldest bodies go first, their records stay', () => {
  // A clock a second further on each reading: no copy is refused for pace here (see the next test).
  let t = 0
  const everySecond = () => (t += 1000)
  const ring = new RequestRing(10, new Redactor(), 2500, everySecond)
  for (let i = 1; i <= 4; i++)
    ring.add(event(`/b/${i}`, { host: 'h' }, {}, { responseCapture: captured(ring, 'x'.repeat(1000)) }), 1024)
  assert.ok(ring.bodyBytes <= 2500, String(ring.bodyBytes))
  assert.equal(ring.bodyBytes, 2000)
  for (const [id, kept] of [
    ['1', false],
    ['2', false],
    ['3', true],
    ['4', true],
  ] as const) {
    const b = ring.bodiesOf(ring.slotOf(id))
    assert.equal(b.response !== undefined, kept, id)
    assert.equal(b.dropped, !kept, id)
    assert.equal(b.responseSize, 1000)
  }
  // A slot reused for a request without bodies shows none (not the previous request's).
  for (let i = 5; i <= 14; i++) ring.add(event(`/n/${i}`, { host: 'h' }), 1024)
  for (let i = 5; i <= 14; i++) {
    const b = ring.bodiesOf(ring.slotOf(String(i)))
    assert.equal(b.response, undefined)
    assert.equal(b.dropped, false)
  }
  // Bodies written across the arena's end come back whole; a body larger than the budget is not kept.
  const big = new RequestRing(4, new Redactor(), 3 * 1024 * 1024, everySecond)
  const body = Buffer.alloc(1_500_000)
  for (let i = 0; i < body.length; i++) body[i] = i % 251
  for (let i = 1; i <= 5; i++) {
    const c = new BodyCapture(big.arena, 2_000_000)
    c.add(body)
    big.add(event(`/big/${i}`, { host: 'h' }, {}, { responseCapture: c }), 2_000_000)
    assert.ok(big.bodyBytes <= 3 * 1024 * 1024)
    assert.deepEqual(big.bodiesOf(big.slotOf(String(i))).response, body, `body ${i}`)
  }
  assert.equal(big.bodiesOf(big.slotOf('3')).dropped, true)
  const tooBig = new BodyCapture(big.arena, 5_000_000)
  tooBig.add(Buffer.alloc(4_000_000))
  big.add(event('/huge', { host: 'h' }, {}, { responseCapture: tooBig }), 5_000_000)
  assert.equal(big.bodiesOf(big.slotOf('6')).dropped, true)
  assert.equal(big.bodiesOf(big.slotOf('6')).responseSize, 4_000_000)
})

test('a body a policy read in full is the request body; past the cap only the first bytes are kept', () => {
  const ring = new RequestRing(2, new Redactor())
  ring.add(event('/p', { host: 'h' }, {}, { body: Buffer.from('{"name":"grace"}') }), 1024)
  assert.equal(ring.bodiesOf(ring.slotOf('1')).request?.toString(), '{"name":"grace"}')
  ring.add(event('/q', { host: 'h' }, {}, { body: Buffer.alloc(5000, 1) }), 1024)
  const b = ring.bodiesOf(ring.slotOf('2'))
  assert.equal(b.request?.length, 1024)
  assert.equal(b.requestSize, 5000)
  assert.equal(ring.record(ring.slotOf('2')).requestBodyBytes, 5000)
})

test('bodies are copied at most the budget per second: a burst past it keeps records without bodies', () => {
  let now = 5_000
  const ring = new RequestRing(20, new Redactor(), 2500, () => now)
  for (let i = 1; i <= 4; i++)
    ring.add(event(`/b/${i}`, { host: 'h' }, {}, { responseCapture: captured(ring, 'x'.repeat(1000)) }), 1024)
  const kept = (id: string) => ring.bodiesOf(ring.slotOf(id)).response !== undefined
  assert.deepEqual(
    ['1', '2', '3', '4'].map(kept),
    [true, true, false, false],
    'two of 1000 bytes fit 2500 a second',
  )
  assert.equal(ring.bodiesOf(ring.slotOf('3')).dropped, true)
  assert.equal(ring.bodiesOf(ring.slotOf('3')).responseSize, 1000, 'the record still says how big it was')
  now += 1000
  ring.add(event('/b/5', { host: 'h' }, {}, { responseCapture: captured(ring, 'y'.repeat(1000)) }), 1024)
  assert.equal(kept('5'), true, 'the next second copies again')
})

test('header blocks are kept for at most N requests a second; the rest keep numbers and url, and say so', () => {
  let now = 7_000
  const ring = new RequestRing(5, new Redactor(), 2500, () => now, 3)
  for (let i = 1; i <= 5; i++)
    ring.add(event(`/h/${i}`, { host: 'h', 'x-n': String(i) }, { 'x-r': 'y' }), 1024)
  const rec = (id: string) => ring.record(ring.slotOf(id))
  assert.equal(rec('3').requestHeaders['x-n'], '3', 'the third of this second is kept in full')
  assert.equal(rec('3').note, undefined)
  for (const id of ['4', '5']) {
    assert.deepEqual(rec(id).requestHeaders, {})
    assert.deepEqual(rec(id).responseHeaders, {})
    assert.equal(rec(id).path, `/h/${id}`)
    assert.match(rec(id).note ?? '', /headers not kept: more than 3 requests/)
  }
  now += 1000
  ring.add(event('/h/6', { host: 'h', 'x-n': '6' }), 1024)
  assert.equal(rec('6').requestHeaders['x-n'], '6', 'the next second writes them again')
})
