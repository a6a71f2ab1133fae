import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleFromPattern } from './pattern-sample.ts'
import { seededRandom } from './seeded-random.ts'

test('patterns API documents use give a matching string, the same one for the same seed', () => {
  const patterns = [
    '^[A-Z]{3}-\\d{4}$',
    '^[a-z0-9_-]{3,16}$',
    '^(cat|dog|bird)s?$',
    '^\\+?[1-9]\\d{1,14}$',
    '^#[0-9a-fA-F]{6}$',
    '^(?:v\\d+\\.){2}\\d+$',
    '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$',
    'order-\\d+',
  ]
  for (const p of patterns)
    for (let seed = 1; seed <= 20; seed++) {
      const s = sampleFromPattern(p, seededRandom(seed))
      assert.ok(s !== undefined && new RegExp(p, 'u').test(s), `${p} seed ${seed}: ${s}`)
      assert.equal(sampleFromPattern(p, seededRandom(seed)), s)
    }
})

test('what it cannot build gives undefined, never a wrong string or a long one', () => {
  assert.equal(sampleFromPattern('^(?=.*\\d)[a-z\\d]{8}$', seededRandom(1)), undefined, 'lookahead')
  assert.equal(sampleFromPattern('\\bword\\b', seededRandom(1)), undefined, 'word boundary')
  assert.equal(sampleFromPattern('([a-', seededRandom(1)), undefined, 'not a regular expression')
  const long = sampleFromPattern('^a{100000}$', seededRandom(1))
  assert.equal(long, undefined, 'longer than it builds')
})
