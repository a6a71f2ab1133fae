import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readableBuckets, Slice, SliceRing } from './latency-histogram.ts'

function lcg(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
}

test('percentiles match an exact sort within 3.5 %', () => {
  const s = new Slice()
  const rand = lcg(7)
  const samples: number[] = []
  for (let i = 0; i < 20_000; i++) {
    // Log-normal-ish: most requests fast, a long tail.
    const ms = Math.exp(rand() * 3 + (rand() < 0.02 ? 3 : 0)) / 4
    samples.push(ms)
    s.record(ms, 200, false)
  }
  samples.sort((a, b) => a - b)
  for (const p of [50, 90, 99]) {
    const exact = samples[Math.ceil((p / 100) * samples.length) - 1] as number
    const got = s.percentile(p) as number
    assert.ok(Math.abs(got - exact) / exact < 0.035, `p${p}: ${got} vs exact ${exact}`)
  }
  assert.equal(s.requests, 20_000)
})

test('an empty slice has no percentile and no average, not 0 ms', () => {
  const s = new Slice()
  assert.equal(s.percentile(99), null)
  assert.equal(s.avgMs(), null)
})

test('errors are counted by class, and the gateway-made ones apart', () => {
  const s = new Slice()
  s.record(1, 200, false)
  s.record(1, 404, true)
  s.record(1, 429, true)
  s.record(1, 502, true)
  s.record(1, 500, false)
  assert.deepEqual([s.errors4xx, s.errors5xx, s.gatewayErrors], [2, 2, 3])
})

test('old slices fall out of the ring; merging keeps only the asked epochs', () => {
  const ring = new SliceRing(3, 1000)
  ring.record(100, 200, false, 0)
  ring.record(5, 200, false, 3500)
  assert.equal(ring.at(0), undefined, 'epoch 0 was recycled for epoch 3')
  const w = new Slice()
  ring.addTo(w, 1, 3)
  assert.equal(w.requests, 1)
  assert.ok((w.percentile(99) as number) < 6)
})

test('p99 is never below p50 and avg lies between min and max', () => {
  const s = new Slice()
  for (const ms of [1, 1, 1, 1, 1500, 1500, 2, 3]) s.record(ms, 200, false)
  const p50 = s.percentile(50) as number
  const p99 = s.percentile(99) as number
  assert.ok(p99 >= p50)
  assert.ok(p99 > 1400, `${p99}`)
  const avg = s.avgMs() as number
  assert.ok(avg > 1 && avg < 1500)
})

test('readable buckets: 1-2-5 bounds, an open last one, counts add up', () => {
  const s = new Slice()
  for (const ms of [0.4, 0.9, 1.5, 7, 7, 300, 30_000]) s.record(ms, 200, false)
  const b = readableBuckets(s)
  assert.deepEqual(
    b.map((x) => x.upToMs),
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, null],
  )
  assert.equal(b[0]?.count, 2)
  assert.equal(b[1]?.count, 1)
  assert.equal(b[3]?.count, 2)
  assert.equal(b[8]?.count, 1)
  assert.equal(b.at(-1)?.count, 1)
  assert.equal(
    b.reduce((n, x) => n + x.count, 0),
    7,
  )
})
