import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TrafficCounters } from './counters.ts'

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 60_000)

function served(c: TrafficCounters, ms: number, status: number, now: number): void {
  c.activeConns++
  c.finish(ms, status >= 500, now, status, false)
}

test('avg, p50 and p99 cover the same recent window and say so when it is empty', () => {
  const c = new TrafficCounters()
  for (let i = 0; i < 50; i++) served(c, 2, 200, T0)
  served(c, 1500, 200, T0 + 1000)
  const w = c.window(T0 + 2000)
  assert.equal(w.requests, 51)
  assert.ok((w.percentile(99) as number) >= (w.percentile(50) as number))
  assert.ok((w.percentile(99) as number) >= (w.avgMs() as number))
  // 70 s later the minute window is empty: no latency, not "0 ms" next to a lifetime average.
  const idle = c.window(T0 + 71_000)
  assert.equal(idle.requests, 0)
  assert.equal(idle.percentile(99), null)
  assert.equal(c.avgLatencyMs(T0 + 71_000), 0)
})

test('1, 5 and 15 minute windows see what finished in them, folded into minute slices', () => {
  const c = new TrafficCounters()
  // One request per minute for 20 minutes, 10 ms each; the 20th minute's one is 900 ms and a 503.
  for (let m = 0; m < 20; m++) {
    served(c, m === 19 ? 900 : 10, m === 19 ? 503 : 200, T0 + m * 60_000 + 5000)
    // The sampler folds every 10 s; here once a minute, after the minute's slice closed.
    c.foldThrough(Math.floor((T0 + m * 60_000 + 20_000) / 10_000) - 1)
  }
  const now = T0 + 19 * 60_000 + 30_000
  const one = c.lastMinutes(1, now)
  assert.equal(one.requests, 1)
  assert.equal(one.errors5xx, 1)
  assert.ok((one.percentile(50) as number) > 800)
  assert.equal(c.lastMinutes(5, now).requests, 5)
  assert.equal(c.lastMinutes(15, now).requests, 15)
  // Reading twice does not fold twice.
  assert.equal(c.lastMinutes(15, now).requests, 15)
})

test('a busy route with 15 minutes of traffic holds about 40 KiB of latency slices', () => {
  const c = new TrafficCounters()
  for (let s = 0; s < 15 * 60; s += 5) {
    served(c, 3, 200, T0 + s * 1000)
    c.foldThrough(Math.floor((T0 + s * 1000) / 10_000) - 1)
  }
  const bytes = c.bytes()
  assert.ok(bytes < 45_000, `${bytes} bytes`)
})
