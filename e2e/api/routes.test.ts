import assert from 'node:assert/strict'
import { test } from 'node:test'
import { api, startGateway, startUpstream } from './helpers.ts'

const body = (path: string, url: string, extra: Record<string, unknown> = {}) => ({
  path,
  targets: [{ url, weight: 1 }],
  stripPrefix: true,
  ...extra,
})

test('create → get → update → delete a manual route, with ids and timestamps', async (t) => {
  const gw = await startGateway(t)
  const created = await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: body('/products', 'http://product-service:8080', { priority: 0 }),
  })
  assert.equal(created.statusCode, 201)
  const view = created.json()
  assert.equal(view.id, 'manual-/products')
  assert.equal(view.path, '/api/products')
  assert.equal(view.priority, 100)
  assert.equal(view.source, 'manual')
  assert.equal(view.targets[0].id, 'target-/products-http://product-service:8080')
  assert.ok(view.createdAt && view.createdAt === view.updatedAt)

  for (const url of ['/gateway/api/routes/manual-/products', '/gateway/api/routes/manual-%2Fproducts']) {
    const got = await api(gw)({ url })
    assert.equal(got.statusCode, 200, url)
    assert.equal(got.json().id, 'manual-/products')
  }

  const dup = await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: body('/products', 'http://x:1'),
  })
  assert.equal(dup.statusCode, 409)
  assert.deepEqual(dup.json(), { error: 'route already exists' })

  const updated = await api(gw)({
    method: 'PUT',
    url: '/gateway/api/routes/manual-/products',
    payload: {
      path: '/products',
      targets: [
        { url: 'http://product-v2:8080', weight: 3 },
        { url: 'http://product-v1:8080', weight: 1 },
      ],
    },
  })
  assert.equal(updated.statusCode, 200)
  const u = updated.json()
  assert.equal(u.id, 'manual-/products')
  assert.equal(u.targets.length, 2)
  assert.equal(u.createdAt, view.createdAt)
  assert.ok(u.updatedAt >= view.updatedAt)

  const del = await api(gw)({ method: 'DELETE', url: '/gateway/api/routes/manual-/products' })
  assert.deepEqual(del.json(), { status: 'deleted' })
  const gone = await api(gw)({ url: '/gateway/api/routes/manual-/products' })
  assert.equal(gone.statusCode, 404)
  assert.deepEqual(gone.json(), { error: 'route not found' })
  for (const method of ['PUT', 'DELETE'] as const) {
    const r = await api(gw)({
      method,
      url: '/gateway/api/routes/manual-/nope',
      payload: body('/nope', 'http://x:1'),
    })
    assert.equal(r.statusCode, 404, method)
  }
})

test('config routes: update/delete refused, enable/disable allowed and persisted as overrides', async (t) => {
  const up = await startUpstream(t)
  const gw = await startGateway(
    t,
    { routes: [{ path: '/cfg', targets: [{ url: up.url }] }] },
    { listen: true },
  )
  const put = await api(gw)({
    method: 'PUT',
    url: '/gateway/api/routes/config-/cfg',
    payload: body('/cfg', up.url),
  })
  assert.equal(put.statusCode, 400)
  assert.deepEqual(put.json(), { error: 'cannot update auto-discovered routes' })
  const del = await api(gw)({ method: 'DELETE', url: '/gateway/api/routes/config-/cfg' })
  assert.deepEqual(del.json(), { error: 'cannot delete auto-discovered routes' })

  assert.equal((await fetch(`${gw.url}/cfg`)).status, 200)
  const off = await api(gw)({ method: 'POST', url: '/gateway/api/routes/config-/cfg/disable' })
  assert.deepEqual(off.json(), { status: 'disabled' })
  assert.equal((await fetch(`${gw.url}/cfg`)).status, 404)
  const listed = await api(gw)({ url: '/gateway/api/routes/config-%2Fcfg' })
  assert.equal(listed.json().enabled, false)
  const on = await api(gw)({ method: 'POST', url: '/gateway/api/routes/config-%2Fcfg/enable' })
  assert.deepEqual(on.json(), { status: 'enabled' })
  assert.equal((await fetch(`${gw.url}/cfg`)).status, 200)
  const missing = await api(gw)({ method: 'POST', url: '/gateway/api/routes/config-/nope/disable' })
  assert.equal(missing.statusCode, 404)
})

test('a manual route carries traffic at once, stops when disabled, resumes when enabled', async (t) => {
  const up = await startUpstream(t, 'svc')
  const gw = await startGateway(t, {}, { listen: true })
  const r = await api(gw)({ method: 'POST', url: '/gateway/api/routes', payload: body('/svc', up.url) })
  assert.equal(r.statusCode, 201)
  const res = await fetch(`${gw.url}/api/svc/hello`)
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as { url: string }).url, '/hello')
  await api(gw)({ method: 'POST', url: '/gateway/api/routes/manual-/svc/disable' })
  assert.equal((await fetch(`${gw.url}/api/svc/hello`)).status, 404)
  await api(gw)({ method: 'POST', url: '/gateway/api/routes/manual-/svc/enable' })
  assert.equal((await fetch(`${gw.url}/api/svc/hello`)).status, 200)
})

test('list filters by source and protocol', async (t) => {
  const gw = await startGateway(t, { routes: [{ path: '/cfg', targets: [{ url: 'http://a:1' }] }] })
  await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: body('/ws', 'ws://b:1', { protocol: 'websocket' }),
  })
  const all = (await api(gw)({ url: '/gateway/api/routes' })).json()
  assert.equal(all.length, 2)
  const manual = (await api(gw)({ url: '/gateway/api/routes?source=manual' })).json()
  assert.deepEqual(
    manual.map((r: { id: string }) => r.id),
    ['manual-/ws'],
  )
  const http = (await api(gw)({ url: '/gateway/api/routes?protocol=http' })).json()
  assert.deepEqual(
    http.map((r: { id: string }) => r.id),
    ['config-/cfg'],
  )
})

test('bad input: 400 naming the field, malformed JSON, oversize 413, reserved path; nothing changes', async (t) => {
  const gw = await startGateway(t)
  const cases: [unknown, number, RegExp][] = [
    [{ path: '/x', targets: [{ url: 'ftp://x' }] }, 400, /^targets\[0\]\.url: must be/],
    [{ path: '/x' }, 400, /^targets: is required/],
    [{ path: '/x', targets: [{ url: 'http://a:1' }], bogus: 1 }, 400, /bogus: unknown field/],
    [{ path: '/x', targets: [{ url: 'http://a:1', weight: -1 }] }, 400, /^targets\[0\]\.weight/],
    [[1, 2], 400, /JSON object/],
  ]
  for (const [payload, status, message] of cases) {
    const r = await api(gw)({ method: 'POST', url: '/gateway/api/routes', payload: payload as object })
    assert.equal(r.statusCode, status, JSON.stringify(payload))
    assert.match(r.json().error, message)
  }
  const bad = await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    headers: { 'content-type': 'application/json' },
    payload: '{"path":',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().error, /not valid JSON/)
  const big = await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      path: '/x',
      targets: [{ url: 'http://a:1' }],
      serviceName: 'x'.repeat(1_100_000),
    }),
  })
  assert.equal(big.statusCode, 413)
  assert.ok(big.json().error)
  const reserved = await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/x', pathType: 'regex', targets: [{ url: 'http://a:1' }] },
  })
  assert.equal(reserved.statusCode, 201)
  const badRegex = await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/y(', pathType: 'regex', targets: [{ url: 'http://a:1' }] },
  })
  assert.equal(badRegex.statusCode, 400)
  assert.match(badRegex.json().error, /regular expression/)
  const routes = (await api(gw)({ url: '/gateway/api/routes' })).json()
  assert.deepEqual(
    routes.map((r: { id: string }) => r.id),
    ['manual-/x'],
  )
})

test('config is redacted; openapi document lists the admin API', async (t) => {
  const gw = await startGateway(t, {
    admin: { auth: { apiKey: 'supersecretkey' } },
    routes: [
      {
        path: '/s',
        targets: [{ url: 'http://a:1' }],
        jwt: { secret: 'jwt-shared-secret' },
        headers: { add: { Authorization: 'Bearer upstream-token' } },
        rateLimit: { key: 'header:x-user' },
      },
    ],
  })
  const h = { 'x-api-key': 'supersecretkey' }
  const cfg = await api(gw)({ url: '/gateway/api/config', headers: h })
  assert.equal(cfg.statusCode, 200)
  const text = cfg.body
  for (const secret of ['supersecretkey', 'jwt-shared-secret', 'upstream-token'])
    assert.ok(!text.includes(secret), secret)
  assert.equal(cfg.json().config.routes[0].rateLimit.key, 'header:x-user')
  const doc = (await api(gw)({ url: '/gateway/api/openapi.json', headers: h })).json()
  assert.equal(doc.openapi, '3.1.0')
  assert.ok(doc.paths['/gateway/api/routes'].post)
  assert.ok(doc.components.schemas.RouteInput.properties.targets)
  // The config answer is what its documented schema says (the fields the dashboard's Config page reads).
  const { Compile } = await import('typebox/compile')
  const { ConfigView } = await import('../../src/gateway/model/index.ts')
  const errors = [...Compile(ConfigView).Errors(cfg.json())].map((e) => JSON.stringify(e))
  assert.deepEqual(errors, [])
  assert.equal(cfg.json().status, 'applied')
  assert.deepEqual(doc.paths['/gateway/api/config'].get.responses['200'].content['application/json'].schema, {
    $ref: '#/components/schemas/ConfigView',
  })
})
