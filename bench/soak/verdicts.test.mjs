// The soak's pure judgements: "flat" after warm-up, and near-valid bodies with exactly one field changed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mutate } from './fuzz.mjs'
import { eventLoopP99Ms, flat } from './gateway.mjs'

test('flat: window medians within ±10 % of the first pass, a steady climb fails', () => {
  const steady = Array.from({ length: 40 }, (_, i) => 100 + (i % 3))
  assert.equal(flat(steady).ok, true)
  const leak = Array.from({ length: 40 }, (_, i) => 100 + i)
  const r = flat(leak)
  assert.equal(r.ok, false)
  assert.ok(r.maxDeviation > 0.25, String(r.maxDeviation))
})

test('mutate changes, removes or adds exactly one field and leaves the valid body alone', () => {
  const valid = { path: '/a', targets: [{ url: 'http://127.0.0.1:1', weight: 1 }] }
  const replaced = mutate(valid, 1, 'replace', 'junk')
  assert.deepEqual(replaced, { path: '/a', targets: 'junk' })
  assert.deepEqual(mutate(valid, 0, 'remove', null), { targets: valid.targets })
  assert.deepEqual(mutate(valid, 0, 'add', 7), { ...valid, unknown_0: 7 })
  assert.deepEqual(valid, { path: '/a', targets: [{ url: 'http://127.0.0.1:1', weight: 1 }] })
  // a safe hook can veto a value (gobetween binds stay off non-loopback addresses)
  assert.deepEqual(
    mutate({ bind: '127.0.0.1:1' }, 0, 'replace', '0.0.0.0:80', () => 'nope'),
    { bind: 'nope' },
  )
})

test('the event-loop p99 is read from prom-client default metrics under any prefix', () => {
  assert.equal(eventLoopP99Ms('x 1\nsallyport_nodejs_eventloop_lag_p99_seconds 0.0125\n'), 12.5)
  assert.ok(Number.isNaN(eventLoopP99Ms('nothing here')))
})
