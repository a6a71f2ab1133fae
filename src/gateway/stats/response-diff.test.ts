import assert from 'node:assert/strict'
import { test } from 'node:test'
import { diffResponses } from './response-diff.ts'

test('status, headers added/removed/changed (date ignored) and JSON fields by path', () => {
  const d = diffResponses(
    {
      status: 200,
      headers: { date: 'a', etag: '"1"', 'x-old': 'y', vary: ['a', 'b'] },
      body: '{"id":1,"tags":["a","b"],"user":{"name":"g"},"gone":true}',
    },
    {
      status: 201,
      headers: { date: 'b', etag: '"2"', 'x-new': 'z', vary: 'a, b' },
      body: '{"id":1,"tags":["a"],"user":{"name":"h","my key":1}}',
    },
  )
  assert.deepEqual(d.status, { from: 200, to: 201 })
  assert.deepEqual(d.headers, {
    added: [{ name: 'x-new', value: 'z' }],
    removed: [{ name: 'x-old', value: 'y' }],
    changed: [{ name: 'etag', from: '"1"', to: '"2"' }],
  })
  assert.equal(d.body.kind, 'json')
  assert.deepEqual(d.body.changes, [
    { path: '$.tags[1]', from: '"b"' },
    { path: '$.user.name', from: '"g"', to: '"h"' },
    { path: '$.user["my key"]', to: '1' },
    { path: '$.gone', from: 'true' },
  ])
})

test('same bodies, text bodies by line, and a missing original', () => {
  const same = diffResponses({ status: 200, headers: {}, body: 'x' }, { status: 200, headers: {}, body: 'x' })
  assert.equal(same.status, undefined)
  assert.deepEqual(same.body, { kind: 'same', changes: [] })
  const text = diffResponses(
    { status: 200, headers: {}, body: 'a\nb' },
    { status: 200, headers: {}, body: 'a\nc\nd' },
  )
  assert.deepEqual(text.body, {
    kind: 'text',
    changes: [
      { path: 'line 2', from: 'b', to: 'c' },
      { path: 'line 3', to: 'd' },
    ],
  })
  const none = diffResponses(
    { status: 200, headers: {}, body: undefined },
    { status: 200, headers: {}, body: 'x' },
  )
  assert.match(none.body.note as string, /not kept/)
})
