import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveBreaker, resolveHealth } from './resilience.ts'
import { resolveSettings } from './settings.ts'

test('with no configuration every target has passive health and the platform document’s breaker', () => {
  const d = resolveSettings({}).policyDefaults
  // 5 consecutive failures in 30 s → open for 30 s → half-open, one request decides.
  assert.deepEqual(d.circuitBreaker, {
    enabled: true,
    maxFailures: 5,
    intervalMs: 30_000,
    openTimeoutMs: 30_000,
    halfOpenMax: 1,
  })
  assert.equal(d.healthCheck.enabled, true)
  assert.equal(d.healthCheck.passiveFailures, 5)
  assert.equal(d.healthCheck.passiveCooldownMs, 30_000)
  assert.equal(d.healthCheck.active, false, 'no active probes unless asked for')
})

test('route fields override the gateway’s, which override the built-in ones; enabled: false turns off', () => {
  const gateway = resolveSettings({
    defaults: {
      circuitBreaker: { maxFailures: 3, openTimeout: '10s' },
      healthCheck: { enabled: false, passiveCooldown: '5s' },
    },
  }).policyDefaults
  assert.deepEqual(resolveBreaker({ interval: 1000 }, gateway.circuitBreaker), {
    enabled: true,
    maxFailures: 3,
    intervalMs: 1000,
    openTimeoutMs: 10_000,
    halfOpenMax: 1,
  })
  assert.equal(resolveBreaker({ enabled: false }, gateway.circuitBreaker).enabled, false)
  assert.equal(resolveBreaker(undefined, gateway.circuitBreaker), gateway.circuitBreaker)
  assert.equal(gateway.healthCheck.enabled, false)
  // A route that names the policy has it, with the gateway's fields where it names none.
  const route = resolveHealth({ passiveFailures: 2 }, gateway.healthCheck)
  assert.equal(route.enabled, true)
  assert.equal(route.passiveFailures, 2)
  assert.equal(route.passiveCooldownMs, 5000)
  assert.equal(route.active, false)
  assert.equal(resolveHealth({ interval: '5s' }, gateway.healthCheck).active, true)
})
