import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEventLoopDelay, EVENT_LOOP_BUCKETS_S } from './event-loop-delay.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
function hold(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // the event loop is held, as a long synchronous task would
  }
}

test('a 150 ms stall shows in the summary at once and in the buckets when its slot closes; counts never go down', async () => {
  const loop = createEventLoopDelay({ slotMs: 300 })
  try {
    await sleep(100)
    hold(150)
    await sleep(30)
    const summary = loop.summary()
    assert.ok(summary.maxMs >= 120, `maxMs ${summary.maxMs}`)
    assert.ok(summary.p50Ms < 20)
    await sleep(400)
    const first = loop.histogram()
    assert.ok(first.count > 0)
    const le = (bound: number) => first.buckets[EVENT_LOOP_BUCKETS_S.indexOf(bound as never)] ?? Number.NaN
    assert.ok(le(0.05) < first.count, 'the stall lies above 50 ms')
    assert.ok(le(0.25) === first.count, 'and below 250 ms')
    await sleep(400)
    const second = loop.histogram()
    assert.ok(second.count >= first.count)
    assert.ok(second.buckets.every((n, i) => n >= (first.buckets[i] ?? 0)))
    assert.ok(
      first.buckets.every((n, i) => i === 0 || n >= (first.buckets[i - 1] ?? 0)),
      'cumulative',
    )
  } finally {
    loop.close()
  }
})
