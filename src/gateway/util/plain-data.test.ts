import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cloneData } from './clone-data.ts'
import { canonicalJson } from './content-hash.ts'

const sample = () => ({
  z: 1,
  a: [3, 'x', null, undefined, () => 1, { d: 2, c: [true, false] }, Number.NaN, -0, 1e21],
  m: { y: 'quote " and \u2028', x: undefined, w: new Date(Date.UTC(2026, 10, 23)) },
  e: {},
  n: null,
  s: Symbol('left out'),
})

test('canonicalJson writes what JSON.stringify writes once every object has sorted keys', () => {
  const sortedCopy = (_k: string, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v
  const value = sample()
  assert.equal(canonicalJson(value), JSON.stringify(value, sortedCopy))
  assert.equal(canonicalJson({ b: 1, a: { d: 1, c: 2 } }), canonicalJson({ a: { c: 2, d: 1 }, b: 1 }))
  assert.equal(canonicalJson({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}')
})

test('cloneData copies plain data deeply and hands anything else to structuredClone', () => {
  const value = { routes: [{ id: 'a', targets: [{ url: 'http://x' }], meta: { when: new Date(0) } }] }
  const copy = cloneData(value)
  assert.deepEqual(copy, value)
  assert.notEqual(copy.routes, value.routes)
  assert.notEqual(copy.routes[0]?.targets[0], value.routes[0]?.targets[0])
  assert.notEqual(copy.routes[0]?.meta.when, value.routes[0]?.meta.when)
  assert.ok(copy.routes[0]?.meta.when instanceof Date)
  ;(copy.routes[0] as { id: string }).id = 'changed'
  assert.equal(value.routes[0]?.id, 'a')
  assert.equal(cloneData('text'), 'text')
  assert.equal(cloneData(null), null)
})
