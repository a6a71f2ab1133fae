import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalJson, contentHash } from './content-hash.ts'

/** The algorithm canonicalJson replaced (a sorted list of every key handed to JSON.stringify): the oracle. */
function keyListJson(value: unknown): string {
  const keys = new Set<string>()
  const collect = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return
    if (Array.isArray(v)) for (const item of v) collect(item)
    else
      for (const k of Object.keys(v)) {
        keys.add(k)
        collect((v as Record<string, unknown>)[k])
      }
  }
  collect(value)
  return JSON.stringify(value, [...keys].sort()) ?? ''
}

/** A deterministic pseudo-random value: nested objects and arrays, integer-like and odd keys, every scalar kind. */
function randomValue(seed: number): unknown {
  let s = seed
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
  const keyPool = [
    'a',
    'B',
    'z',
    '10',
    '2',
    '0',
    '-1',
    '1.5',
    '007',
    'é',
    '\u2028',
    'a b',
    '"q"',
    '$ref',
    '',
    '__proto',
  ]
  const gen = (depth: number): unknown => {
    const r = next()
    if (depth > 4 || r < 0.3) {
      const scalars = [0, -0, 1.5, 1e21, Number.NaN, 'x', 'quote " \\ \n', '', true, false, null, undefined]
      return scalars[Math.floor(next() * scalars.length)]
    }
    if (r < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => gen(depth + 1))
    if (r < 0.55) return new Date(Date.UTC(2026, Math.floor(next() * 12), 1))
    const obj: Record<string, unknown> = {}
    const n = Math.floor(next() * 6)
    for (let i = 0; i < n; i++) obj[keyPool[Math.floor(next() * keyPool.length)] as string] = gen(depth + 1)
    return obj
  }
  return gen(0)
}

/** 100 distinct keys: beyond the key-list limit, so canonicalJson sorts each object's own keys. */
const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${99 - i}`, i]))

test('canonicalJson writes byte for byte what the key-list algorithm wrote, on 500 varied values', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const value = randomValue(seed)
    assert.equal(canonicalJson(value), keyListJson(value), `seed ${seed}, few keys`)
    const many = [value, wide, { nested: value }]
    assert.equal(canonicalJson(many), keyListJson(many), `seed ${seed}, many keys`)
  }
})

test('integer-like keys sort by code unit, not numerically first', () => {
  const value = { b: 1, 10: 'ten', 2: 'two', a: [{ 1: true, 0: false }], c: undefined, f: () => 1 }
  assert.equal(canonicalJson(value), '{"10":"ten","2":"two","a":[{"0":false,"1":true}],"b":1}')
  assert.equal(canonicalJson(value), keyListJson(value))
  assert.equal(canonicalJson([value, wide]), keyListJson([value, wide]))
})

test('top-level scalars, undefined and Dates are written as JSON.stringify writes them', () => {
  for (const v of [1, 'x', null, true, [undefined, () => 1], new Date(0)]) {
    assert.equal(canonicalJson(v), keyListJson(v))
    assert.equal(canonicalJson([v, wide]), keyListJson([v, wide]))
  }
  assert.equal(canonicalJson(undefined), '')
})

test('a document with many distinct keys is hashed in one pass (equal values, equal hashes)', () => {
  const wide = (order: number) =>
    Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => {
        const k = order ? 2999 - i : i
        return [`key${k}`, { [`inner${k}`]: k, shared: [k] }]
      }),
    )
  assert.equal(contentHash(wide(0)), contentHash(wide(1)))
  assert.notEqual(contentHash(wide(0)), contentHash({ ...wide(0), extra: 1 }))
})
