import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TargetState } from '../health/target-state.ts'
import { CircuitBreaker } from './circuit-breaker.ts'
import { MemoryRateLimitStore } from './rate-limit.ts'
import { RetryBudget } from './retry.ts'

test('breaker: trips at maxFailures consecutive within interval; a success resets the run', () => {
  const b = new CircuitBreaker({ maxFailures: 3, intervalMs: 1000, openTimeoutMs: 500, halfOpenMax: 1 })
  const s = new TargetState('t')
  s.breaker = b
  b.onResult(s, true, 0)
  b.onResult(s, true, 10)
  b.onResult(s, false, 20)
  b.onResult(s, true, 30)
  b.onResult(s, true, 40)
  assert.equal(s.circuitState, 'closed')
  assert.equal(b.onResult(s, true, 50), true)
  assert.equal(s.circuitState, 'open')
  assert.equal(b.allows(s, 100), false)
  assert.equal(b.allows(s, 600), true)
  assert.equal(s.circuitState, 'half-open')
  b.acquire(s)
  assert.equal(b.allows(s, 600), false, 'half-open admits only halfOpenMax')
  b.onResult(s, false, 610)
  assert.equal(s.circuitState, 'closed')
})

test('breaker: failures spread wider than the interval do not trip', () => {
  const b = new CircuitBreaker({ maxFailures: 2, intervalMs: 100, openTimeoutMs: 500, halfOpenMax: 1 })
  const s = new TargetState('t')
  b.onResult(s, true, 0)
  b.onResult(s, true, 500)
  assert.equal(s.circuitState, 'closed')
})

test('token bucket: burst, refill, retry-after', () => {
  const store = new MemoryRateLimitStore()
  assert.equal(store.take('k', 1, 2, 0).ok, true)
  assert.equal(store.take('k', 1, 2, 0).ok, true)
  const denied = store.take('k', 1, 2, 0)
  assert.equal(denied.ok, false)
  assert.equal(denied.retryAfterS, 1)
  assert.equal(store.take('k', 1, 2, 1000).ok, true)
})

test('retry budget keeps retries at or under the percentage', () => {
  const b = new RetryBudget(20)
  for (let i = 0; i < 10; i++) b.request(0)
  assert.equal(b.tryRetry(0), true)
  assert.equal(b.tryRetry(0), true)
  assert.equal(b.tryRetry(0), false)
})
