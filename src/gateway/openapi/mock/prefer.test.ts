import assert from 'node:assert/strict'
import { test } from 'node:test'
import { negotiateMediaType } from './media-negotiation.ts'
import { parsePrefer } from './prefer.ts'

test('Prefer: code, example and dynamic, separated by commas or semicolons, quoted or not', () => {
  assert.deepEqual(parsePrefer('code=404'), { code: 404 })
  assert.deepEqual(parsePrefer('code=200, example="dog"; dynamic=true'), {
    code: 200,
    example: 'dog',
    dynamic: true,
  })
  assert.deepEqual(parsePrefer(['respond-async', 'Code=201']), { code: 201 })
  assert.deepEqual(parsePrefer('dynamic=false'), { dynamic: false })
})

test('Prefer: a code that is no status is ignored; nothing asked gives nothing', () => {
  assert.deepEqual(parsePrefer('code=abc'), {})
  assert.deepEqual(parsePrefer('code=99'), {})
  assert.deepEqual(parsePrefer('code=101'), {}, 'no interim status')
  assert.deepEqual(parsePrefer(undefined), {})
  assert.deepEqual(parsePrefer('wait=5'), {})
})

test('the __code/__example/__dynamic query parameters win over the field, as in Prism', () => {
  const q = new URLSearchParams('__code=500&__example=cat&__dynamic=true')
  assert.deepEqual(parsePrefer('code=404, example=dog', q), { code: 500, example: 'cat', dynamic: true })
})

test('Accept: the highest q wins, then the most specific range; no Accept prefers JSON', () => {
  const types = ['text/plain', 'application/json', 'application/xml']
  assert.equal(negotiateMediaType(undefined, types), 'application/json')
  assert.equal(negotiateMediaType('*/*', types), 'application/json')
  assert.equal(negotiateMediaType('text/plain', types), 'text/plain')
  assert.equal(negotiateMediaType('application/xml;q=0.9, text/*;q=0.5', types), 'application/xml')
  assert.equal(negotiateMediaType('text/*', types), 'text/plain')
  assert.equal(negotiateMediaType('application/problem+json, application/*;q=0.2', types), 'application/json')
})

test('Accept: nothing acceptable gives undefined (a 406); q=0 refuses; a document wildcard takes any', () => {
  assert.equal(negotiateMediaType('image/png', ['application/json']), undefined)
  assert.equal(negotiateMediaType('application/json;q=0', ['application/json']), undefined)
  assert.equal(negotiateMediaType('image/png', ['*/*']), '*/*')
  assert.equal(negotiateMediaType('text/plain', []), undefined)
})
