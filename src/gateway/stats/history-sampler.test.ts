import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TrafficCounters } from './counters.ts'
import { createHistorySampler } from './history-sampler.ts'

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 10_000)

function served(c: TrafficCounters, ms: number, status: number, now: number): void {
  c.activeConns++
  c.finish(ms, status >= 500, now, status, status === 429)
}

function setup() {
  let now = T0 + 1000
  const total = new TrafficCounters()
  const counters = new Map([['a', new TrafficCounters()]])
  const ids = ['a', 'b']
  const sampler = createHistorySampler({
    total,
    routes: () => ids.map((id) => [id, counters.get(id)] as const),
    now: () => now,
    timer: false,
  })
  return { sampler, total, counters, ids, setNow: (t: number) => (now = t) }
}

test('each closed 10 s bucket becomes one point per series, oldest first, t = bucket start', () => {
  const { sampler, total, counters, setNow } = setup()
  const a = counters.get('a') as TrafficCounters
  for (const ms of [5, 7, 900]) {
    served(a, ms, 200, T0 + 2000)
    served(total, ms, 200, T0 + 2000)
  }
  served(a, 3, 503, T0 + 3000)
  served(a, 3, 429, T0 + 3000)
  sampler.tick()
  assert.equal(sampler.total().length, 0, 'the first bucket is still open')
  setNow(T0 + 10_050)
  sampler.tick()
  const [p] = sampler.route('a') ?? []
  assert.deepEqual(
    { ...p, p50Ms: undefined, p99Ms: undefined },
    {
      t: new Date(T0).toISOString(),
      requests: 5,
      errors4xx: 1,
      errors5xx: 1,
      p50Ms: undefined,
      p99Ms: undefined,
    },
  )
  assert.ok((p?.p99Ms as number) >= (p?.p50Ms as number))
  assert.ok((p?.p99Ms as number) > 800)
  assert.equal(sampler.total()[0]?.requests, 3)
  // A route with no traffic yet has idle points: null percentiles, never "0 ms".
  assert.deepEqual(sampler.route('b'), [
    { t: new Date(T0).toISOString(), requests: 0, errors4xx: 0, errors5xx: 0, p50Ms: null, p99Ms: null },
  ])
})

test('a late tick fills every missed bucket; the hour is bounded at 360 points', () => {
  const { sampler, setNow } = setup()
  setNow(T0 + 55_000)
  sampler.tick()
  assert.deepEqual(
    sampler.total().map((p) => p.t),
    [0, 1, 2, 3, 4].map((i) => new Date(T0 + i * 10_000).toISOString()),
  )
  for (let i = 6; i < 400; i++) {
    setNow(T0 + i * 10_000 + 50)
    sampler.tick()
  }
  const points = sampler.total()
  assert.equal(points.length, 360)
  assert.equal(points.at(-1)?.t, new Date(T0 + 398 * 10_000).toISOString())
  assert.equal(points[0]?.t, new Date(T0 + 39 * 10_000).toISOString())
})

test('routes that leave the configuration are dropped; listeners get each tick', () => {
  const { sampler, ids, setNow } = setup()
  const seen: string[][] = []
  sampler.onSample((s) => seen.push(Object.keys(s.routes)))
  setNow(T0 + 10_050)
  sampler.tick()
  ids.pop()
  setNow(T0 + 20_050)
  sampler.tick()
  assert.equal(sampler.route('b'), undefined)
  assert.deepEqual(sampler.routeIds(), ['a'])
  assert.deepEqual(seen, [['a', 'b'], ['a']])
  sampler.close()
})

test('100 routes × 360 points stay within a bounded heap', () => {
  const routes = Array.from({ length: 100 }, (_, i) => [`r${i}`, undefined] as const)
  let now = T0
  const sampler = createHistorySampler({
    total: new TrafficCounters(),
    routes: () => routes,
    now: () => now,
    timer: false,
  })
  for (let i = 1; i <= 400; i++) {
    now = T0 + i * 10_000 + 50
    sampler.tick()
  }
  assert.equal(sampler.route('r99')?.length, 360)
  // 101 rings of 360 × (8 + 5 × 4) bytes: about 1 MB, whatever the traffic.
  assert.equal(sampler.bytes(), 101 * 360 * 28)
})
