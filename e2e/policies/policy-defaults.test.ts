// Gateway-wide request policies (`defaults.rateLimit|jwt|cache|cors`): every route runs them unless it
// sets its own or `false`, whatever its source (config file or the admin API).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { SignJWT } from 'jose'
import type { RouteDetail } from '../../src/gateway/model/index.ts'
import { call, startGateway, type TestGateway } from '../fixtures/gateway.ts'
import { echo, type Fixture } from '../fixtures/upstreams.ts'

const secret = 'a-gateway-wide-test-secret-of-32-bytes'
let up: Fixture
let g: TestGateway

before(async () => {
  up = await echo()
  g = await startGateway({
    defaults: {
      rateLimit: { requestsPerSec: 0.001, burst: 2 },
      jwt: { secret, algorithms: ['HS256'] },
      cache: { ttl: '1m' },
    },
    routes: [
      { id: 'plain', path: '/plain', targets: [{ url: up.url }], jwt: false, cache: false },
      { id: 'unlimited', path: '/unlimited', targets: [{ url: up.url }], rateLimit: false, jwt: false },
      { id: 'guarded', path: '/guarded', targets: [{ url: up.url }], rateLimit: false, cache: false },
      {
        id: 'own',
        path: '/own',
        targets: [{ url: up.url }],
        jwt: false,
        cache: false,
        rateLimit: { requestsPerSec: 0.001, burst: 1 },
      },
    ],
  })
})
after(async () => {
  await g?.close()
  await up?.close()
})

test('the default rate limit reaches a route that sets none', async () => {
  assert.equal((await call(`${g.url}/plain`)).status, 200)
  assert.equal((await call(`${g.url}/plain`)).status, 200)
  assert.equal((await call(`${g.url}/plain`)).status, 429)
})

test('rateLimit: false keeps a route unlimited; its own limit replaces the default', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await call(`${g.url}/unlimited/${i}`)).status, 200)
  assert.equal((await call(`${g.url}/own`)).status, 200)
  assert.equal((await call(`${g.url}/own`)).status, 429, 'burst 1, its own, not the default 2')
})

test('the default JWT refuses a request without a token and lets a signed one through', async () => {
  assert.equal((await call(`${g.url}/guarded`)).status, 401)
  const token = await new SignJWT({ sub: 'u' })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret))
  assert.equal(
    (await call(`${g.url}/guarded`, { headers: { authorization: `Bearer ${token}` } })).status,
    200,
  )
})

test('the default cache serves the second request from the cache', async () => {
  const hits = up.hits
  const first = await call(`${g.url}/unlimited/cached`)
  assert.equal(first.headers['x-cache'], 'MISS')
  const second = await call(`${g.url}/unlimited/cached`)
  assert.equal(second.headers['x-cache'], 'HIT')
  assert.equal(second.text, first.text)
  assert.equal(up.hits, hits + 1, 'the upstream saw one request')
})

test('route detail shows which policies are the gateway default', async () => {
  const unlimited = (await call(`${g.url}/gateway/api/routes/unlimited`)).json<RouteDetail>()
  assert.equal(unlimited.policies.cache?.fromDefault, true)
  assert.equal(unlimited.policies.rateLimit, undefined)
  assert.equal(unlimited.policies.jwt, undefined)
  assert.equal(unlimited.config.rateLimit, false)
  const own = (await call(`${g.url}/gateway/api/routes/own`)).json<RouteDetail>()
  assert.equal(own.policies.rateLimit?.burst, 1)
  assert.equal(own.policies.rateLimit?.fromDefault, undefined)
  const summary = await call(`${g.url}/gateway/api/routes-summary`)
  assert.equal(summary.status, 200)
})

test('the admin API accepts false for a policy and the route is then not limited', async () => {
  const created = await call(`${g.url}/gateway/api/routes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/free', targets: [{ url: up.url }], rateLimit: false, jwt: false }),
  })
  assert.equal(created.status, 201, created.text)
  for (let i = 0; i < 4; i++) assert.equal((await call(`${g.url}/api/free/${i}`)).status, 200)
  const bad = await call(`${g.url}/gateway/api/routes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/bad', targets: [{ url: up.url }], jwt: true }),
  })
  assert.equal(bad.status, 400)
  assert.match(bad.text, /jwt/, 'the error names the field')
  // FluxGate's view of admin-made routes reads the route's own policies: `false` is none.
  const flux = await call(`${g.url}/api/v2/gateway/routes`)
  assert.equal(flux.status, 200, flux.text)
})

test("the service-management dialect's rate 0 (no limit) turns the default limit off for that service", async () => {
  assert.equal((await call(`${g.url}/plain`)).status, 429, 'spent by the first test')
  const put = await call(`${g.url}/gateway/management/config/rate_limiter`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service_name: 'plain', config: { rate: 0, peak: 0 } }),
  })
  assert.equal(put.status, 200, put.text)
  for (let i = 0; i < 4; i++) assert.equal((await call(`${g.url}/plain`)).status, 200)
})
