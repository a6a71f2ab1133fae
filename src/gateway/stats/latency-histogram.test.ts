import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLatencyHistogram } from './latency-histogram.ts'

test('percentiles match an exact sort within 2 %', () => {
  const h = createLatencyHistogram()
  const now = 1_000_000
  const samples: number[] = []
  let seed = 7
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  for (let i = 0; i < 20_000; i++) {
    // Log-normal-ish: most requests fast, a long tail.
    const ms = Math.exp(rand() * 3 + (rand() < 0.02 ? 3 : 0)) / 4
    samples.push(ms)
    h.record(ms, now)
  }
  samples.sort((a, b) => a - b)
  for (const p of [50, 90, 99]) {
    const exact = samples[Math.ceil((p / 100) * samples.length) - 1] as number
    const got = h.percentile(p, now)
    assert.ok(Math.abs(got - exact) / exact < 0.02, `p${p}: ${got} vs exact ${exact}`)
  }
  assert.equal(h.count(now), 20_000)
})

test('old slices fall out of the window', () => {
  const h = createLatencyHistogram({ slices: 3, sliceMs: 1000 })
  h.record(100, 0)
  assert.ok(Math.abs(h.percentile(99, 500) - 100) < 1.6)
  h.record(5, 3500)
  assert.equal(h.count(3500), 1)
  assert.ok(h.percentile(99, 3500) < 6)
})
