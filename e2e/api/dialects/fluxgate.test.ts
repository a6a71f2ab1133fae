// FluxGate management API (/api/v2/gateway): the document's example, its error codes, and traffic
// through a route it created.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { api, startGateway, startUpstream } from '../helpers.ts'
import { golden } from './golden-file.ts'

const example = {
  name: 'checkout-service-v2',
  match: { path: '/api/v1/checkout', methods: ['POST', 'PUT'] },
  upstream: { id: 'usm_8f3a2c1d', strategy: 'round-robin' },
  middleware: [
    { type: 'jwt-auth', config: { issuer: 'auth.fluxgate.io' } },
    { type: 'rate-limit', config: { requests: 100, window: '60s' } },
  ],
}

test('FluxGate document example: POST /routes answers 201 with the example shape', async (t) => {
  const gw = await startGateway(t)
  const call = api(gw)
  // As the document does it: the route names cluster usm_8f3a2c1d before anyone created it.
  const r = await call({ method: 'POST', url: '/api/v2/gateway/routes', payload: example })
  assert.equal(r.statusCode, 201, r.body)
  const body = r.json()
  assert.deepEqual(Object.keys(body), ['id', 'status', 'created_at', 'hash', 'links', 'metrics'])
  assert.match(body.id, /^rt_[0-9a-f]{8}$/)
  assert.match(body.hash, /^[0-9a-f]{12}$/)
  assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  assert.equal(body.status, 'active')
  assert.deepEqual(body.links, {
    self: `/api/v2/gateway/routes/${body.id}`,
    upstream: '/api/v2/gateway/upstreams/usm_8f3a2c1d',
  })
  assert.deepEqual(Object.keys(body.metrics), ['avg_latency_ms', 'error_rate_1h'])
  await golden('fluxgate', 'create-route', r.statusCode, body)
  const up = await call({
    method: 'POST',
    url: '/api/v2/gateway/upstreams',
    payload: { id: 'usm_8f3a2c1d', name: 'checkout', targets: [{ url: 'http://127.0.0.1:9', weight: 1 }] },
  })
  assert.equal(up.statusCode, 201, up.body)
  await golden('fluxgate', 'create-upstream', up.statusCode, up.json())

  const dup = await call({
    method: 'POST',
    url: '/api/v2/gateway/routes',
    payload: { ...example, name: 'other' },
  })
  assert.equal(dup.statusCode, 409)
  assert.equal(dup.json().code, 'DUPLICATE_ROUTE')
  await golden('fluxgate', 'duplicate-route', dup.statusCode, dup.json())

  const list = await call({ url: '/api/v2/gateway/routes' })
  await golden('fluxgate', 'list-routes', list.statusCode, list.json())
  const one = await call({ url: body.links.self })
  assert.equal(one.statusCode, 200)
  assert.equal(one.json().name, 'checkout-service-v2')
  const mw = await call({ url: '/api/v2/gateway/middleware' })
  await golden('fluxgate', 'list-middleware', mw.statusCode, mw.json())
  const ups = await call({ url: '/api/v2/gateway/upstreams' })
  await golden('fluxgate', 'list-upstreams', ups.statusCode, ups.json())

  // The route is a live manual route in the core.
  const native = await call({ url: `/gateway/api/routes/manual-${body.id}` })
  assert.equal(native.statusCode, 200, native.body)
  assert.equal(native.json().path, '/api/v1/checkout')
  // Its page says which API wrote it.
  assert.deepEqual(native.json().definedBy, {
    kind: 'dialect',
    label: 'FluxGate API (/api/v2/gateway)',
    dialect: 'fluxgate',
  })

  const detach = await call({
    method: 'DELETE',
    url: `/api/v2/gateway/middleware/jwt-auth/detach?route_id=${body.id}`,
  })
  assert.equal(detach.statusCode, 200, detach.body)
  const attach = await call({
    method: 'POST',
    url: '/api/v2/gateway/middleware/cors/attach',
    payload: { route_id: body.id, config: { origins: ['http://localhost:3000'] } },
  })
  assert.equal(attach.statusCode, 200, attach.body)
  const after = (await call({ url: body.links.self })).json()
  assert.deepEqual(
    after.middleware.map((m: { type: string }) => m.type),
    ['rate-limit', 'cors'],
  )
  const del = await call({ method: 'DELETE', url: body.links.self })
  assert.equal(del.statusCode, 200)
  assert.equal((await call({ url: body.links.self })).statusCode, 404)
})

test('FluxGate: every validator answers 400 INVALID_PAYLOAD naming the field', async (t) => {
  const gw = await startGateway(t)
  const call = api(gw)
  await call({
    method: 'POST',
    url: '/api/v2/gateway/upstreams',
    payload: { id: 'usm_8f3a2c1d', name: 'checkout', targets: ['http://127.0.0.1:9'] },
  })
  const cases: [unknown, string][] = [
    [{ ...example, name: undefined }, 'name'],
    [{ ...example, name: '' }, 'name'],
    [{ ...example, match: undefined }, 'match'],
    [{ ...example, match: { methods: ['GET'] } }, 'match.path'],
    [{ ...example, match: { path: 'no-slash' } }, 'match.path'],
    [{ ...example, match: { regex: '([' } }, 'match.regex'],
    [{ ...example, match: { path: '/x', methods: ['GE T'] } }, 'match.methods[0]'],
    [{ ...example, match: { path: '/gateway/x' } }, 'match.path'],
    [{ ...example, upstream: undefined }, 'upstream'],
    [{ ...example, upstream: { id: 'nope' } }, 'upstream.id'],
    [{ ...example, upstream: { id: 'usm_8f3a2c1d', strategy: 'fastest' } }, 'upstream.strategy'],
    [{ ...example, middleware: 'jwt' }, 'middleware'],
    [{ ...example, middleware: [{ type: 'waf' }] }, 'middleware[0].type'],
    [{ ...example, middleware: [{ type: 'rate-limit', config: {} }] }, 'middleware[0].config.requests'],
    [
      { ...example, middleware: [{ type: 'rate-limit', config: { requests: 1, window: 'soon' } }] },
      'middleware[0].config.window',
    ],
    [
      { ...example, middleware: [{ type: 'jwt-auth', config: { jwks_url: 'ftp://x' } }] },
      'middleware[0].config.jwks_url',
    ],
    [
      { ...example, middleware: [{ type: 'cors', config: { credentials: 'yes' } }] },
      'middleware[0].config.credentials',
    ],
    [{ ...example, middleware: [{ type: 'cors' }, { type: 'cors' }] }, 'middleware[1].type'],
    [{ ...example, extra: 1 }, 'extra'],
    [[], 'body'],
  ]
  for (const [payload, field] of cases) {
    const r = await call({ method: 'POST', url: '/api/v2/gateway/routes', payload: payload as object })
    assert.equal(r.statusCode, 400, `${field}: ${r.body}`)
    assert.equal(r.json().code, 'INVALID_PAYLOAD')
    assert.equal(r.json().details.field, field, r.body)
  }
  const malformed = await call({
    method: 'POST',
    url: '/api/v2/gateway/routes',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":',
  })
  assert.equal(malformed.statusCode, 400)
  assert.equal(malformed.json().code, 'INVALID_PAYLOAD')
  await golden('fluxgate', 'invalid-payload', malformed.statusCode, malformed.json())
  const upstreamCases: [unknown, string][] = [
    [{ targets: ['http://a:1'] }, 'name'],
    [{ name: 'x', targets: [] }, 'targets'],
    [{ name: 'x', targets: [{ url: 'ftp://a' }] }, 'targets[0].url'],
    [{ name: 'x', targets: [{ host: 'a' }] }, 'targets[0].port'],
    [{ name: 'x', targets: [{ url: 'http://a:1', weight: -1 }] }, 'targets[0].weight'],
    [{ name: 'x', id: 'bad', targets: ['http://a:1'] }, 'id'],
    [{ name: 'x', targets: ['http://a:1'], health_check: { path: 'x' } }, 'health_check.path'],
    [
      { name: 'x', targets: ['http://a:1'], circuit_breaker: { max_failures: 0 } },
      'circuit_breaker.max_failures',
    ],
    [{ name: 'x', targets: ['http://a:1'], pool: { max_connections: 0 } }, 'pool.max_connections'],
  ]
  for (const [payload, field] of upstreamCases) {
    const r = await call({ method: 'POST', url: '/api/v2/gateway/upstreams', payload: payload as object })
    assert.equal(r.statusCode, 400, `${field}: ${r.body}`)
    assert.equal(r.json().details.field, field, r.body)
  }
  const patch = await call({
    method: 'PATCH',
    url: '/api/v2/gateway/upstreams/usm_8f3a2c1d',
    payload: { id: 'usm_00000000' },
  })
  assert.equal(patch.statusCode, 400)
  const attach = await call({ method: 'POST', url: '/api/v2/gateway/middleware/cors/attach', payload: {} })
  assert.equal(attach.json().details.field, 'route_id')
})

test('FluxGate: API key, quota with Retry-After, upstream PATCH reaches live traffic', async (t) => {
  const gw = await startGateway(
    t,
    { dialects: { fluxgate: { apiKey: 'fg-secret', quotaPerMinute: 8 } } },
    { listen: true },
  )
  const call = api(gw)
  const key = { 'x-fluxgate-api-key': 'fg-secret' }
  const missing = await call({ url: '/api/v2/gateway/routes' })
  assert.equal(missing.statusCode, 401)
  assert.equal(missing.json().code, 'MISSING_API_KEY')
  await golden('fluxgate', 'missing-api-key', missing.statusCode, missing.json())
  assert.equal(
    (await call({ url: '/api/v2/gateway/routes', headers: { 'x-fluxgate-api-key': 'wrong' } })).statusCode,
    401,
  )

  const a = await startUpstream(t, 'a')
  const b = await startUpstream(t, 'b')
  const up = await call({
    method: 'POST',
    url: '/api/v2/gateway/upstreams',
    headers: key,
    payload: { name: 'svc', targets: [a.url] },
  })
  assert.equal(up.statusCode, 201, up.body)
  const id = up.json().id as string
  const route = await call({
    method: 'POST',
    url: '/api/v2/gateway/routes',
    headers: key,
    payload: { name: 'svc', match: { prefix: '/svc' }, upstream: { id } },
  })
  assert.equal(route.statusCode, 201, route.body)
  const first = await fetch(`${gw.url}/svc/x`)
  assert.equal(((await first.json()) as { upstream: string }).upstream, 'a')
  const patched = await call({
    method: 'PATCH',
    url: `/api/v2/gateway/upstreams/${id}`,
    headers: key,
    payload: { targets: [b.url] },
  })
  assert.equal(patched.statusCode, 200, patched.body)
  const second = await fetch(`${gw.url}/svc/x`)
  assert.equal(((await second.json()) as { upstream: string }).upstream, 'b')

  let last = await call({ url: '/api/v2/gateway/routes', headers: key })
  for (let i = 0; i < 10 && last.statusCode !== 429; i++)
    last = await call({ url: '/api/v2/gateway/routes', headers: key })
  assert.equal(last.statusCode, 429)
  assert.equal(last.json().code, 'API_QUOTA_EXHAUSTED')
  assert.match(String(last.headers['retry-after']), /^\d+$/)
})

test('FluxGate: a route made before its cluster answers 503 until the cluster exists, then serves', async (t) => {
  const gw = await startGateway(t, {}, { listen: true })
  const call = api(gw)
  const route = await call({
    method: 'POST',
    url: '/api/v2/gateway/routes',
    payload: { name: 'late', match: { prefix: '/late' }, upstream: { id: 'usm_0000beef' } },
  })
  assert.equal(route.statusCode, 201, route.body)
  assert.equal(route.json().links.upstream, '/api/v2/gateway/upstreams/usm_0000beef')
  const before = await fetch(`${gw.url}/late/x`)
  assert.equal(before.status, 503)
  assert.match(String(before.headers.get('content-type')), /application\/problem\+json/)
  const problem = (await before.json()) as { detail: string; status: number }
  assert.equal(problem.status, 503)
  assert.match(problem.detail, /^upstream usm_0000beef not defined yet/)
  const shown = await call({ url: route.json().links.self })
  assert.match(shown.json().problem, /^upstream usm_0000beef not defined yet/)
  // Same match, same cluster: still a duplicate while the cluster is missing.
  const dup = await call({
    method: 'POST',
    url: '/api/v2/gateway/routes',
    payload: { name: 'late-2', match: { prefix: '/late' }, upstream: { id: 'usm_0000beef' } },
  })
  assert.equal(dup.statusCode, 409)
  assert.equal(dup.json().code, 'DUPLICATE_ROUTE')

  const a = await startUpstream(t, 'a')
  const up = await call({
    method: 'POST',
    url: '/api/v2/gateway/upstreams',
    payload: { id: 'usm_0000beef', name: 'late', targets: [a.url] },
  })
  assert.equal(up.statusCode, 201, up.body)
  assert.deepEqual(up.json().routes, [route.json().id])
  // No call to the route itself: creating the cluster is enough.
  const after = await fetch(`${gw.url}/late/x`)
  assert.equal(after.status, 200)
  assert.equal(((await after.json()) as { upstream: string }).upstream, 'a')
  assert.equal((await call({ url: route.json().links.self })).json().problem, undefined)
})

test('FluxGate middleware: an instance id means one instance for attach, get and detach', async (t) => {
  const gw = await startGateway(t)
  const call = api(gw)
  const fresh = await call({ url: '/api/v2/gateway/middleware' })
  assert.equal(fresh.statusCode, 200)
  assert.deepEqual(
    fresh.json().available.map((x: { type: string }) => x.type),
    ['jwt-auth', 'rate-limit', 'cors'],
  )
  await golden('fluxgate', 'list-middleware-fresh', fresh.statusCode, fresh.json())
  const made = async (name: string, prefix: string, middleware: unknown[]) => {
    const r = await call({
      method: 'POST',
      url: '/api/v2/gateway/routes',
      payload: { name, match: { prefix }, upstream: { id: 'usm_8f3a2c1d' }, middleware },
    })
    assert.equal(r.statusCode, 201, r.body)
    return r.json().id as string
  }
  const a = await made('a', '/a', [{ type: 'rate-limit', config: { requests: 5, window: '1s' } }])
  const b = await made('b', '/b', [])
  const shown = (await call({ url: `/api/v2/gateway/routes/${a}` })).json()
  const instance = shown.middleware[0].id as string

  const attach = await call({
    method: 'POST',
    url: `/api/v2/gateway/middleware/${instance}/attach`,
    payload: { route_id: b },
  })
  assert.equal(attach.statusCode, 200, attach.body)
  assert.equal(attach.json().id, instance)
  const got = await call({ url: `/api/v2/gateway/middleware/${instance}` })
  assert.equal(got.statusCode, 200, got.body)
  assert.deepEqual(got.json().route_ids, [a, b])
  assert.deepEqual(got.json().config, { requests: 5, window: '1s' })
  const listed = (await call({ url: '/api/v2/gateway/middleware' })).json()
  assert.deepEqual(
    listed.middleware.map((m: { id: string }) => m.id),
    [instance],
  )

  const detach = await call({
    method: 'DELETE',
    url: `/api/v2/gateway/middleware/${instance}/detach?route_id=${b}`,
  })
  assert.equal(detach.statusCode, 200, detach.body)
  assert.equal(detach.json().id, instance)
  assert.deepEqual((await call({ url: `/api/v2/gateway/routes/${b}` })).json().middleware, [])
  assert.deepEqual((await call({ url: `/api/v2/gateway/middleware/${instance}` })).json().route_ids, [a])
  const again = await call({
    method: 'DELETE',
    url: `/api/v2/gateway/middleware/${instance}/detach?route_id=${b}`,
  })
  assert.equal(again.statusCode, 404)
  assert.equal(again.json().code, 'NOT_FOUND')
  const withConfig = await call({
    method: 'POST',
    url: `/api/v2/gateway/middleware/${instance}/attach`,
    payload: { route_id: b, config: { requests: 1 } },
  })
  assert.equal(withConfig.statusCode, 400)
  assert.equal(withConfig.json().details.field, 'config')
})

test('FluxGate GET /routes: every route of the gateway, read-only where another source owns it', async (t) => {
  const up = await startUpstream(t, 'file')
  const gw = await startGateway(t, {
    routes: [
      {
        id: 'file-orders',
        path: '/orders',
        targets: [{ url: up.url }],
        cors: { origins: ['http://localhost:3000'] },
      },
    ],
  })
  const call = api(gw)
  const native = await call({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/native', targets: [{ url: up.url }] },
  })
  assert.equal(native.statusCode, 201, native.body)
  const own = await call({
    method: 'POST',
    url: '/api/v2/gateway/routes',
    payload: { name: 'own', match: { prefix: '/own' }, upstream: { id: 'usm_8f3a2c1d' } },
  })
  assert.equal(own.statusCode, 201, own.body)

  const list = await call({ url: '/api/v2/gateway/routes' })
  assert.equal(list.statusCode, 200)
  const routes = list.json().routes as { id: string; read_only: boolean; owner: string }[]
  assert.deepEqual(
    routes.map((r) => [r.id, r.read_only]),
    [
      [own.json().id, false],
      ['file-orders', true],
      [native.json().id, true],
    ],
  )
  await golden('fluxgate', 'list-routes-all', list.statusCode, {
    ...(list.json() as object),
    // Their targets (and so their hash) carry the loopback upstream's port.
    routes: routes.map((r) =>
      r.read_only ? { ...r, upstream: '<loopback targets>', hash: '<depends on the port>' } : r,
    ),
  })
  const one = await call({ url: '/api/v2/gateway/routes/file-orders' })
  assert.equal(one.statusCode, 200)
  assert.equal(one.json().owner, 'built-in configuration')

  const write = { name: 'x', match: { prefix: '/orders' }, upstream: { id: 'usm_8f3a2c1d' } }
  const put = await call({ method: 'PUT', url: '/api/v2/gateway/routes/file-orders', payload: write })
  assert.equal(put.statusCode, 409, put.body)
  await golden('fluxgate', 'read-only-route', put.statusCode, put.json())
  const del = await call({
    method: 'DELETE',
    url: `/api/v2/gateway/routes/${encodeURIComponent(native.json().id)}`,
  })
  assert.equal(del.statusCode, 409)
  assert.equal(del.json().code, 'READ_ONLY_ROUTE')
  const attach = await call({
    method: 'POST',
    url: '/api/v2/gateway/middleware/jwt-auth/attach',
    payload: { route_id: 'file-orders', config: { issuer: 'x' } },
  })
  assert.equal(attach.statusCode, 409)
  assert.equal(attach.json().code, 'READ_ONLY_ROUTE')
  // The config file's CORS policy is listed as an instance, read-only on its route.
  const mw = (await call({ url: '/api/v2/gateway/middleware' })).json()
  const cors = mw.middleware.find((m: { route_id: string }) => m.route_id === 'file-orders')
  assert.equal(cors.type, 'cors')
  assert.equal(cors.read_only, true)
  const detach = await call({
    method: 'DELETE',
    url: `/api/v2/gateway/middleware/${cors.id}/detach`,
  })
  assert.equal(detach.statusCode, 409)
  // Nothing changed: the file route still answers with its policy.
  assert.equal((await call({ url: '/api/v2/gateway/routes/file-orders' })).json().middleware.length, 1)
})
