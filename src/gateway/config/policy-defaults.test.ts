import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RouteConfig } from '../model/index.ts'
import { effectivePolicy, ownPolicy } from './policy-defaults.ts'

const route = (extra: Partial<RouteConfig> = {}): RouteConfig => ({
  path: '/x',
  targets: [{ url: 'http://127.0.0.1:1' }],
  ...extra,
})
const defaults = {
  rateLimit: { requestsPerSec: 5, burst: 5 },
  jwt: { secret: 'gateway-wide-secret-of-some-length', issuer: 'gw' },
}

test('a route naming no policy runs the gateway default, marked as such', () => {
  assert.deepEqual(effectivePolicy(route(), defaults, 'rateLimit'), {
    config: defaults.rateLimit,
    fromDefault: true,
  })
  assert.equal(effectivePolicy(route(), defaults, 'cors'), undefined, 'no default, none')
})

test("a route's own object replaces the default whole (no field-wise merge)", () => {
  const own = { publicKey: 'PEM' }
  const got = effectivePolicy(route({ jwt: own }), defaults, 'jwt')
  assert.equal(got?.config.issuer, undefined, 'the default issuer is not inherited')
  assert.deepEqual(got, { config: own, fromDefault: false })
})

test('false turns the default off for that route', () => {
  assert.equal(effectivePolicy(route({ rateLimit: false }), defaults, 'rateLimit'), undefined)
  assert.equal(effectivePolicy(route({ jwt: false }), defaults, 'jwt'), undefined)
  assert.equal(ownPolicy(route({ jwt: false }), 'jwt'), undefined)
  assert.deepEqual(ownPolicy(route({ jwt: { issuer: 'a' } }), 'jwt'), { issuer: 'a' })
})
