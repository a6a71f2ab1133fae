// Service-management per-service settings reach all of a service's traffic: a push-registered service
// (no manual route) behind a listening gateway, real loopback upstreams, and a restart on the same data dir.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import type { Gateway } from '../../../src/gateway/index.ts'
import { api, startGateway, tempDir } from '../helpers.ts'

const M = '/gateway/management'

/** A loopback instance that answers its name with `status` (changeable); `hold` keeps answers back until released. */
async function instance(t: TestContext, name: string, status = 200) {
  let hits = 0
  let held: (() => void)[] = []
  const state = { hold: false, status }
  const server: Server = createServer((req, res) => {
    hits++
    req.resume()
    const answer = () => res.writeHead(state.status, { 'content-type': 'text/plain' }).end(name)
    if (state.hold) held.push(answer)
    else answer()
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.after(() => new Promise<void>((ok) => server.close(() => ok())))
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    state,
    release() {
      for (const a of held) a()
      held = []
    },
  }
}

async function register(gw: Gateway, id: string, port: number) {
  const r = await api(gw)({
    method: 'POST',
    url: '/gateway/api/discovery/register',
    payload: { service_id: id, service_name: 'orders', address: '127.0.0.1', port },
  })
  assert.equal(r.statusCode, 200, r.body)
}

async function put(gw: Gateway, section: string, config: object) {
  const r = await api(gw)({
    method: 'PUT',
    url: `${M}/config/${section}`,
    payload: { service_name: 'orders', config },
  })
  assert.equal(r.statusCode, 200, r.body)
  assert.equal(r.json().code, 0)
}

/** `n` requests at once to the service; their statuses and bodies. */
async function burst(gw: Gateway, n: number) {
  const answers = await Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${gw.url}/orders/x`).then(async (r) => [r.status, await r.text()] as const),
    ),
  )
  return { statuses: answers.map(([s]) => s).sort(), bodies: answers.map(([, b]) => b) }
}

const count = (xs: readonly number[], x: number) => xs.filter((v) => v === x).length

test('rate_limiter {rate:1, peak:1} limits a push-registered service, and survives a restart', async (t) => {
  const dataDir = await tempDir(t)
  const a = await instance(t, 'a')
  let gw = await startGateway(t, {}, { dataDir, listen: true })
  await register(gw, 'orders-a', a.port)
  assert.deepEqual((await burst(gw, 8)).statuses, Array(8).fill(200))
  await put(gw, 'rate_limiter', { rate: 1, peak: 1 })
  let { statuses } = await burst(gw, 8)
  assert.equal(count(statuses, 200), 1, String(statuses))
  assert.equal(count(statuses, 429), 7, String(statuses))

  await gw.close()
  gw = await startGateway(t, {}, { dataDir, listen: true })
  await gw.ready // the pushed registrations are restored
  ;({ statuses } = await burst(gw, 8))
  assert.equal(count(statuses, 200), 1, String(statuses))
  assert.equal(count(statuses, 429), 7, String(statuses))
  const cfg = (await api(gw)({ url: `${M}/config?service_name=orders` })).json()
  assert.deepEqual(cfg.data.config.rate_limiter, { rate: 1, peak: 1 })

  // rate 0 is the document's "no limit": the service is free again.
  await put(gw, 'rate_limiter', { rate: 0, peak: 0 })
  assert.deepEqual((await burst(gw, 8)).statuses, Array(8).fill(200))
})

test('rate_limiter is one bucket for the service across its routes (config file and pushed)', async (t) => {
  const a = await instance(t, 'a')
  const config = {
    routes: [
      { path: '/orders-v1/*', serviceName: 'orders', targets: [{ url: `http://127.0.0.1:${a.port}` }] },
    ],
  }
  const gw = await startGateway(t, config, { listen: true })
  await register(gw, 'orders-a', a.port)
  await put(gw, 'rate_limiter', { rate: 1, peak: 1 })
  const answers = await Promise.all(
    ['/orders/x', '/orders-v1/x', '/orders/y', '/orders-v1/y', '/orders/z', '/orders-v1/z'].map(
      async (path) => (await fetch(`${gw.url}${path}`)).status,
    ),
  )
  assert.equal(count(answers, 200), 1, String(answers))
  assert.equal(count(answers, 429), 5, String(answers))
})

test('breaker {max_failures: 2} opens the circuit of a pushed instance after two failures', async (t) => {
  const failing = await instance(t, 'broken', 500)
  const gw = await startGateway(t, {}, { listen: true })
  await register(gw, 'orders-broken', failing.port)
  await put(gw, 'breaker', {
    max_failures: 2,
    half_open_max_requests: 1,
    open_timeout: '30s',
    interval: '30s',
  })
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) statuses.push((await fetch(`${gw.url}/orders/x`)).status)
  // The gateway-wide default would have let five through; the service's breaker stops at two.
  assert.deepEqual(statuses, [500, 500, 503, 503, 503])
  assert.equal(failing.hits(), 2)
  const state = (await api(gw)({ url: `${M}/upstream/service/state?service_name=orders` })).json()
  assert.equal(state.data.upstream_states[0].breaker_state, 'open')
})

test('breaker_state says half-open once the open timeout has passed, and closed after a success', async (t) => {
  const flaky = await instance(t, 'flaky', 500)
  const gw = await startGateway(t, {}, { listen: true })
  await register(gw, 'orders-flaky', flaky.port)
  await put(gw, 'breaker', {
    max_failures: 1,
    half_open_max_requests: 1,
    open_timeout: '300ms',
    interval: '30s',
  })
  const breakerState = async () =>
    (await api(gw)({ url: `${M}/upstream/service/state?service_name=orders` })).json().data.upstream_states[0]
      .breaker_state
  assert.equal((await fetch(`${gw.url}/orders/x`)).status, 500)
  assert.equal(await breakerState(), 'open')
  await new Promise((ok) => setTimeout(ok, 400))
  // No request has asked since: the original (gobreaker) reports half-open all the same.
  assert.equal(await breakerState(), 'half-open')
  flaky.state.status = 200
  assert.equal((await fetch(`${gw.url}/orders/x`)).status, 200)
  assert.equal(await breakerState(), 'closed')
})

test('load_balance switches how a pushed service spreads its requests', async (t) => {
  const a = await instance(t, 'a')
  const b = await instance(t, 'b')
  const gw = await startGateway(t, {}, { listen: true })
  await register(gw, 'orders-a', a.port)
  await register(gw, 'orders-b', b.port)
  const spread = async () => {
    const seen: string[] = []
    for (let i = 0; i < 6; i++) seen.push(await (await fetch(`${gw.url}/orders/x`)).text())
    return new Set(seen).size
  }
  assert.equal(await spread(), 2, 'round-robin reaches both instances')
  await put(gw, 'load_balance', { strategy: 'hash' })
  assert.equal(await spread(), 1, 'hash (client IP) keeps one client on one instance')
  await put(gw, 'load_balance', { strategy: 'round-robin' })
  assert.equal(await spread(), 2)
})

test('upstream/service/state reports live load, weight, health and breaker state per instance', async (t) => {
  const a = await instance(t, 'a')
  const b = await instance(t, 'b')
  const gw = await startGateway(t, {}, { listen: true })
  await register(gw, 'orders-a', a.port)
  await register(gw, 'orders-b', b.port)
  a.state.hold = true
  b.state.hold = true
  const inFlight = Promise.all(Array.from({ length: 3 }, () => fetch(`${gw.url}/orders/x`)))
  while (a.hits() + b.hits() < 3) await new Promise((r) => setTimeout(r, 10))
  const state = (await api(gw)({ url: `${M}/upstream/service/state?service_name=orders` })).json()
  assert.equal(state.code, 0)
  assert.equal(state.data.upstreams, 2)
  const byHost = Object.fromEntries(
    state.data.upstream_states.map((s: { hostname: string }) => [s.hostname, s]),
  )
  for (const [inst, name] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    const s = byHost[`127.0.0.1:${inst.port}`]
    assert.ok(s, `${name} is listed`)
    assert.deepEqual(Object.keys(s), [
      'hostname',
      'instance_id',
      'healthy',
      'weight',
      'load',
      'breaker_state',
    ])
    assert.equal(s.load, inst.hits(), `${name}'s load is its requests in flight`)
    assert.equal(s.healthy, true)
    assert.equal(typeof s.weight, 'number')
    assert.equal(s.breaker_state, 'closed')
  }
  a.release()
  b.release()
  a.state.hold = false
  b.state.hold = false
  await inFlight
  const after = (await api(gw)({ url: `${M}/upstream/service/state?service_name=orders` })).json()
  assert.deepEqual(
    after.data.upstream_states.map((s: { load: number }) => s.load),
    [0, 0],
  )
})

test('settings stored only in service-management.yaml (an older data dir) reach the routes at start', async (t) => {
  const dataDir = await tempDir(t)
  await writeFile(
    join(dataDir, 'service-management.yaml'),
    'services:\n  orders:\n    rate_limiter: { rate: 1, peak: 1 }\nvariables: {}\nprograms: []\n',
  )
  const a = await instance(t, 'a')
  const gw = await startGateway(
    t,
    {
      routes: [
        { path: '/orders/*', serviceName: 'orders', targets: [{ url: `http://127.0.0.1:${a.port}` }] },
      ],
    },
    { dataDir, listen: true },
  )
  await api(gw)({ url: `${M}/upstream/service/names` })
  const { statuses } = await burst(gw, 8)
  assert.equal(count(statuses, 200), 1, String(statuses))
  assert.equal(count(statuses, 429), 7, String(statuses))
})
