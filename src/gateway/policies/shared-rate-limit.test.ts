import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type RedisServer, startRedisServer } from '../../../e2e/fixtures/redis-server.ts'
import { connectRedis, type RedisConnection } from '../store/redis-connection.ts'
import type { TakeResult } from './rate-limit.ts'
import { SharedLimitCounters, SharedRateLimitStore } from './shared-rate-limit.ts'

let redis: RedisServer
const conns: RedisConnection[] = []
before(async () => {
  redis = await startRedisServer()
})
after(async () => {
  for (const c of conns) await c.close()
  await redis.close()
})

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function connect(failMode: 'open' | 'closed' = 'open'): Promise<RedisConnection> {
  const c = connectRedis({ url: redis.url, keyPrefix: 'test:', timeoutMs: 250, failMode })
  conns.push(c)
  await until(() => c.up)
  return c
}

// A slow refill (one token per 1000 s) so the counts below cannot drift while the test runs.
const RATE = 0.001

test('two instances share one bucket: exactly burst requests pass between them', async () => {
  const counters = new SharedLimitCounters()
  const a = new SharedRateLimitStore(await connect(), 'route:r1', counters)
  const b = new SharedRateLimitStore(await connect(), 'route:r1', counters)
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).take('k', RATE, 10, Date.now())),
  )
  assert.equal(answers.filter((r) => r.ok).length, 10)
  const refused = answers.find((r) => !r.ok) as TakeResult
  assert.ok(refused.retryAfterS > 900, `retry after ${refused.retryAfterS}s`)
  // Each instance's local bucket let at most its own burst ask the shared one; the rest never asked.
  assert.equal(counters.roundTrips + counters.localRefusals, 30)
  assert.ok(counters.localRefusals >= 10, `local refusals ${counters.localRefusals}`)
})

test('after a shared refusal the local bucket refuses without a round trip', async () => {
  const counters = new SharedLimitCounters()
  const a = new SharedRateLimitStore(await connect(), 'route:r2', counters)
  const b = new SharedRateLimitStore(await connect(), 'route:r2', counters)
  for (let i = 0; i < 5; i++) assert.equal((await b.take('k', RATE, 5, Date.now())).ok, true)
  // a's own bucket is full, the shared one empty: one round trip says no, then a knows.
  assert.equal((await a.take('k', RATE, 5, Date.now())).ok, false)
  const trips = counters.roundTrips
  const next = a.take('k', RATE, 5, Date.now())
  assert.ok(!(next instanceof Promise), 'a known refusal is answered at once')
  assert.equal(next.ok, false)
  assert.equal(counters.roundTrips, trips)
})

test('a take that empties the shared bucket teaches the local one: the next request costs no round trip', async () => {
  const counters = new SharedLimitCounters()
  const a = new SharedRateLimitStore(await connect(), 'route:r5', counters)
  const b = new SharedRateLimitStore(await connect(), 'route:r5', counters)
  for (let i = 0; i < 4; i++) assert.equal((await b.take('k', RATE, 5, Date.now())).ok, true)
  assert.equal((await a.take('k', RATE, 5, Date.now())).ok, true)
  const trips = counters.roundTrips
  const next = a.take('k', RATE, 5, Date.now())
  assert.ok(!(next instanceof Promise))
  assert.equal(next.ok, false)
  assert.equal(counters.roundTrips, trips)
})

test('a dead store: open falls back to the local bucket at once, closed refuses; both recover', async () => {
  const counters = new SharedLimitCounters()
  const openConn = await connect('open')
  const closedConn = await connect('closed')
  const open = new SharedRateLimitStore(openConn, 'route:r3', counters)
  const closed = new SharedRateLimitStore(closedConn, 'route:r4', counters)
  try {
    await redis.stop()
    await until(() => !openConn.up && !closedConn.up)
    const started = Date.now()
    const o = open.take('k', RATE, 2, Date.now())
    assert.ok(!(o instanceof Promise), 'no store to wait for')
    assert.equal(o.ok, true)
    assert.equal((open.take('k', RATE, 2, Date.now()) as TakeResult).ok, true)
    assert.equal((open.take('k', RATE, 2, Date.now()) as TakeResult).ok, false, 'per-instance limit')
    const c = closed.take('k', RATE, 2, Date.now()) as TakeResult
    assert.equal(c.ok, false)
    assert.equal(c.unavailable, true)
    assert.ok(Date.now() - started < 100)
    assert.ok(counters.fallbacks >= 3)
  } finally {
    await redis.start()
  }
  await until(() => openConn.up && closedConn.up)
  const back = await closed.take('k', RATE, 2, Date.now())
  assert.equal(back.ok, true)
  assert.equal(back.unavailable, undefined)
})
