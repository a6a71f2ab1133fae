import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bodyView } from './body-view.ts'
import { Redactor } from './redaction.ts'

const redactor = new Redactor(['x-tenant-key'], ['password', 'apiKey', 'token'])
const facts = (text: string | Buffer, contentType?: string, more = {}) => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  return {
    bytes,
    size: bytes.length,
    contentType,
    contentEncoding: undefined,
    dropped: false,
    limit: 65536,
    ...more,
  }
}

test('JSON is pretty-printed with secret fields redacted at any depth, whatever their case', () => {
  const v = bodyView(
    facts('{"user":{"name":"grace","Password":"x"},"items":[{"apikey":"k"}],"n":1}', 'application/json'),
    redactor,
  )
  assert.equal(v.kind, 'json')
  assert.equal(v.truncated, false)
  assert.deepEqual(JSON.parse(v.text as string), {
    user: { name: 'grace', Password: '[redacted]' },
    items: [{ apikey: '[redacted]' }],
    n: 1,
  })
  assert.match(v.text as string, /\n {2}"user"/)
})

test('JSON cut at the cap is shown as text, its secret fields still hidden; the note says how much', () => {
  const whole = '{"token":"abc","password":"p\\"w","name":"grace","more":"xxxxxxxx'
  const v = bodyView(facts(whole, 'application/json; charset=utf-8', { size: 5000 }), redactor)
  assert.equal(v.truncated, true)
  assert.doesNotMatch(v.text as string, /abc|p\\"w/)
  assert.match(v.text as string, /"token":"\[redacted\]","password":"\[redacted\]","name":"grace"/)
  assert.match(v.note as string, /first \d+ of 5000 bytes/)
})

test('binary is a size and a hex head; encoded text too; SSE cut says it is a stream', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
  const v = bodyView(facts(png, 'image/png'), redactor)
  assert.equal(v.kind, 'binary')
  assert.equal(v.text, undefined)
  assert.match(
    v.hexHead as string,
    /^0000 {2}89 50 4e 47 0d 0a 1a 0a 00 00 00 0d {14}\|\.PNG\.\.\.\.\.\.\.\.\|$/,
  )
  const gz = bodyView(facts('not really gzip', 'application/json', { contentEncoding: 'gzip' }), redactor)
  assert.equal(gz.kind, 'binary')
  assert.match(gz.note as string, /gzip-encoded/)
  const sse = bodyView(facts('data: 1\n\n', 'text/event-stream', { size: 90_000 }), redactor)
  assert.equal(sse.kind, 'text')
  assert.match(sse.note as string, /^a streaming response: the first 9 of 90000 bytes/)
})

test('forms hide secret fields; dropped and uncaptured bodies say why they are missing', () => {
  const form = bodyView(facts('user=g&password=hunter2&x=1', 'application/x-www-form-urlencoded'), redactor)
  assert.equal(form.text, 'user=g&password=[redacted]&x=1')
  const dropped = bodyView(facts('', undefined, { bytes: undefined, size: 10, dropped: true }), redactor)
  assert.equal(dropped.kind, 'none')
  assert.match(dropped.note as string, /bodyBudget/)
  const off = bodyView(facts('', undefined, { bytes: undefined, size: 10, limit: 0 }), redactor)
  assert.match(off.note as string, /bodyLimit is 0/)
  assert.deepEqual(bodyView(facts(''), redactor), { size: 0, captured: 0, kind: 'none', truncated: false })
})

test('headers: the always-secret ones and configured names are redacted', () => {
  assert.deepEqual(
    redactor.headers({
      Authorization: 'a',
      'proxy-authorization': 'b',
      'x-tenant-key': 'c',
      'set-cookie': ['d'],
      ok: 'e',
    }),
    {
      authorization: '[redacted]',
      'proxy-authorization': '[redacted]',
      'x-tenant-key': '[redacted]',
      'set-cookie': '[redacted]',
      ok: 'e',
    },
  )
})
