import assert from 'node:assert/strict'
import { test } from 'node:test'
import { api, DOCUMENTED_STATS_KEYS, startGateway, startUpstream } from './helpers.ts'

test('stats, per-route stats, upstreams and /metrics count N real requests', async (t) => {
  const up = await startUpstream(t)
  const gw = await startGateway(t, {}, { listen: true })
  const call = api(gw)
  await call({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/users', targets: [{ url: up.url }] },
  })
  const N = 25
  for (let i = 0; i < N; i++) assert.equal((await fetch(`${gw.url}/api/users/${i}`)).status, 200)
  const stats = (await call({ url: '/gateway/api/stats' })).json()
  for (const k of DOCUMENTED_STATS_KEYS) assert.ok(k in stats, k)
  assert.equal(stats.totalRequests, N)
  assert.equal(stats.totalErrors, 0)
  assert.equal(stats.totalRoutes, 1)
  assert.equal(stats.totalUpstreams, 1)
  const per = (await call({ url: '/gateway/api/stats/routes' })).json()
  assert.equal(per['manual-/users'].totalRequests, N)
  assert.equal(per['manual-/users'].routeId, 'manual-/users')
  assert.equal(per['manual-/users'].path, '/api/users')
  const ups = (await call({ url: '/gateway/api/upstreams' })).json()
  assert.equal(ups[0].totalRequests, N)
  assert.equal(ups[0].routeId, 'manual-/users')
  assert.equal(ups[0].circuitState, 'closed')
  const metrics = await call({ url: '/metrics' })
  assert.equal(metrics.statusCode, 200)
  assert.match(metrics.body, new RegExp(`sallyport_requests_total\\{route="manual-/users"\\} ${N}`))
  assert.match(metrics.body, /sallyport_upstream_healthy\{/)
  assert.match(metrics.body, /sallyport_circuit_state\{/)
  assert.match(metrics.body, /sallyport_process_resident_memory_bytes|sallyport_nodejs_heap/)
})

test('request inspector records, filters, redacts and replays', async (t) => {
  const up = await startUpstream(t)
  const gw = await startGateway(t, {}, { listen: true })
  const call = api(gw)
  await call({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/i', targets: [{ url: up.url }], stripPrefix: true },
  })
  await fetch(`${gw.url}/api/i/one?x=1`, {
    headers: { authorization: 'Bearer s3cret', cookie: 'a=b', 'x-api-key': 'k' },
  })
  await fetch(`${gw.url}/api/nope`)
  const items = (await call({ url: '/gateway/api/requests' })).json()
  assert.equal(items.length, 2, 'the no-route 404 is a row too')
  assert.equal(items[0].outcome, 'no-route')
  const item = items[1]
  for (const k of [
    'id',
    'time',
    'method',
    'path',
    'routeId',
    'target',
    'upstreamPath',
    'status',
    'durationMs',
    'requestHeaders',
    'responseHeaders',
  ])
    assert.ok(k in item, k)
  assert.equal(item.path, '/api/i/one?x=1')
  assert.equal(item.upstreamPath, '/one?x=1')
  assert.equal(item.routeId, 'manual-/i')
  assert.equal(item.status, 200)
  assert.equal(item.requestHeaders.authorization, '[redacted]')
  assert.equal(item.requestHeaders.cookie, '[redacted]')
  assert.equal(item.requestHeaders['x-api-key'], '[redacted]')
  assert.equal(item.responseHeaders['set-cookie'], '[redacted]')
  assert.equal((await call({ url: '/gateway/api/requests?route=other' })).json().length, 0)
  assert.equal((await call({ url: '/gateway/api/requests?status=2xx' })).json().length, 1)
  assert.equal((await call({ url: '/gateway/api/requests?status=4xx' })).json().length, 1)
  assert.equal((await call({ url: '/gateway/api/requests?status=500' })).json().length, 0)
  const replayed = await call({ method: 'POST', url: `/gateway/api/requests/${item.id}/replay` })
  assert.equal(replayed.statusCode, 200)
  const r = replayed.json()
  assert.equal(r.original.id, item.id)
  assert.equal(r.replay.status, 200)
  assert.equal(JSON.parse(r.replay.body).url, '/one?x=1')
  assert.equal(r.replay.headers['set-cookie'], '[redacted]')
  assert.equal((await call({ method: 'POST', url: '/gateway/api/requests/999999/replay' })).statusCode, 404)
})
