// Service-management API ({entrance}/management, entrance = /gateway): each document example, the
// md5 Authorization, bad input, and config that reaches every route of the service, whatever its source.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { api, startGateway } from '../helpers.ts'
import { golden } from './golden-file.ts'

const M = '/gateway/management'

test('service-management document examples (golden)', async (t) => {
  const gw = await startGateway(t, {
    routes: [{ path: '/test', serviceName: 'test', targets: [{ url: 'http://127.0.0.1:9', weight: 10 }] }],
  })
  const call = api(gw)
  const seed = await call({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/svc', serviceName: 'service_name', targets: [{ url: 'http://127.0.0.1:9' }] },
  })
  assert.equal(seed.statusCode, 201, seed.body)
  const steps: { name: string; method?: 'GET' | 'PUT' | 'DELETE'; url: string; body?: object }[] = [
    {
      name: 'put-load-balance',
      method: 'PUT',
      url: '/config/load_balance',
      body: { service_name: 'service_name', config: { strategy: 'round-robin' } },
    },
    { name: 'get-config', url: '/config?service_name=service_name' },
    {
      name: 'put-rate-limiter',
      method: 'PUT',
      url: '/config/rate_limiter',
      body: { service_name: 'test', config: { rate: 5, peak: 10 } },
    },
    {
      name: 'put-breaker',
      method: 'PUT',
      url: '/config/breaker',
      body: {
        service_name: 'test',
        config: { max_failures: 5, half_open_max_requests: 1, open_timeout: '30s', interval: '30s' },
      },
    },
    { name: 'get-variables-empty', url: '/program/variable' },
    {
      name: 'put-variable',
      method: 'PUT',
      url: '/program/variable',
      body: { key: 'your_key', value: 'your_value' },
    },
    { name: 'get-variables', url: '/program/variable' },
    { name: 'delete-variable', method: 'DELETE', url: '/program/variable?key=your_key' },
    {
      name: 'put-program',
      method: 'PUT',
      url: '/program/info',
      body: {
        expr: Buffer.from(
          'terminate_if(request.Header.Get("Authorization") == "","authorization is empty")',
        ).toString('base64'),
        name: 'test-program',
        service_name: 'test',
      },
    },
    { name: 'get-programs', url: '/program/info' },
    { name: 'delete-program', method: 'DELETE', url: '/program/info?service_name=test&name=test-program' },
    { name: 'service-names', url: '/upstream/service/names' },
    { name: 'service-state', url: '/upstream/service/state?service_name=test' },
  ]
  for (const s of steps) {
    const r = await call({
      method: s.method ?? 'GET',
      url: M + s.url,
      ...(s.body ? { payload: s.body } : {}),
    })
    assert.equal(r.statusCode, 200, `${s.name}: ${r.body}`)
    assert.equal(r.json().code, 0)
    assert.equal(r.json().message, 'success')
    await golden('service-management', s.name, r.statusCode, r.json())
  }
  // The document's GET example, verbatim.
  const cfg = await call({ url: `${M}/config?service_name=service_name` })
  assert.deepEqual(cfg.json(), {
    message: 'success',
    code: 0,
    data: {
      default: false,
      config: {
        reverse_proxy: {
          trim_routing_key_prefix: true,
          retry_count: 1,
          dial_timeout: '',
          tls_handshake_timeout: '',
          scheme: '',
        },
        load_balance: { strategy: 'round_robin' },
        rate_limiter: { rate: 0, peak: 0 },
        breaker: {
          name: '',
          max_failures: 5,
          half_open_max_requests: 1,
          open_timeout: '30s',
          interval: '30s',
        },
      },
    },
  })
  // Applied to the service's manual route, live.
  const live = gw.core.watcher.current.routes.find((r) => r.id === 'manual-/svc')
  assert.equal(live?.config.loadBalancer, 'round-robin')
  // The config-file route of "test" serves with the service's settings too; the stored ones are reported.
  const fileRoute = gw.core.watcher.current.routes.find((r) => r.serviceName === 'test')
  assert.deepEqual(fileRoute?.config.rateLimit, { requestsPerSec: 5, burst: 10, scope: 'service' })
  assert.equal(fileRoute?.config.circuitBreaker?.maxFailures, 5)
  const test = (await call({ url: `${M}/config?service_name=test` })).json()
  assert.deepEqual(test.data.config.rate_limiter, { rate: 5, peak: 10 })
  assert.equal(test.data.default, false)
  const def = (await call({ url: `${M}/config` })).json()
  assert.equal(def.data.default, true)
})

test('service-management: bad input answers the envelope with a non-zero code', async (t) => {
  const gw = await startGateway(t)
  const call = api(gw)
  const cases: { method: 'GET' | 'PUT' | 'DELETE'; url: string; body?: unknown; status: number }[] = [
    { method: 'PUT', url: '/config/load_balance', body: { config: { strategy: 'random' } }, status: 400 },
    { method: 'PUT', url: '/config/load_balance', body: { service_name: 's' }, status: 400 },
    {
      method: 'PUT',
      url: '/config/load_balance',
      body: { service_name: 's', config: { strategy: 'fastest' } },
      status: 400,
    },
    {
      method: 'PUT',
      url: '/config/rate_limiter',
      body: { service_name: 's', config: { rate: -1 } },
      status: 400,
    },
    {
      method: 'PUT',
      url: '/config/rate_limiter',
      body: { service_name: 's', config: { rate: 1, peak: 1.5 } },
      status: 400,
    },
    {
      method: 'PUT',
      url: '/config/breaker',
      body: { service_name: 's', config: { open_timeout: 'soon' } },
      status: 400,
    },
    {
      method: 'PUT',
      url: '/config/breaker',
      body: { service_name: 's', config: { max_failures: 0 } },
      status: 400,
    },
    { method: 'PUT', url: '/program/variable', body: { value: 1 }, status: 400 },
    { method: 'PUT', url: '/program/variable', body: { key: 'k' }, status: 400 },
    { method: 'DELETE', url: '/program/variable', status: 400 },
    { method: 'PUT', url: '/program/info', body: { expr: '!!!', name: 'n', service_name: 's' }, status: 400 },
    { method: 'PUT', url: '/program/info', body: { expr: 'YQ==', service_name: 's' }, status: 400 },
    {
      method: 'PUT',
      url: '/program/info',
      body: { expr: Buffer.from('1 +').toString('base64'), name: 'n', service_name: 's' },
      status: 400,
    },
    { method: 'DELETE', url: '/program/info', status: 400 },
    { method: 'GET', url: '/upstream/service/state', status: 400 },
    { method: 'GET', url: '/upstream/service/state?service_name=missing', status: 404 },
    { method: 'PUT', url: '/config/breaker', body: [1], status: 400 },
    { method: 'GET', url: '/nothing', status: 404 },
  ]
  for (const c of cases) {
    const r = await call({
      method: c.method,
      url: M + c.url,
      ...(c.body !== undefined ? { payload: c.body as object } : {}),
    })
    assert.equal(r.statusCode, c.status, `${c.method} ${c.url}: ${r.body}`)
    assert.notEqual(r.json().code, 0)
    assert.equal(typeof r.json().message, 'string')
  }
})

test('service-management: Authorization must be md5(password) when one is set', async (t) => {
  const gw = await startGateway(t, { dialects: { serviceManagement: { password: 'p@ss' } } })
  const call = api(gw)
  const none = await call({ url: `${M}/upstream/service/names` })
  assert.equal(none.statusCode, 401)
  assert.equal(none.json().code, 61)
  await golden('service-management', 'unauthorized', none.statusCode, none.json())
  const md5 = createHash('md5').update('p@ss').digest('hex')
  assert.equal(
    (await call({ url: `${M}/upstream/service/names`, headers: { authorization: md5 } })).statusCode,
    200,
  )
  assert.equal(
    (await call({ url: `${M}/upstream/service/names`, headers: { authorization: 'p@ss' } })).statusCode,
    401,
  )
})

test('service-management: a program that does not parse is refused with its position, and not stored', async (t) => {
  const gw = await startGateway(t, {})
  const call = api(gw)
  const source =
    'terminate_if(request.Header.Get("X-Token") == "", "token required");\nrequest.Method in ["GET" "POST"]'
  const r = await call({
    method: 'PUT',
    url: `${M}/program/info`,
    payload: { expr: Buffer.from(source).toString('base64'), name: 'guard', service_name: 'orders' },
  })
  assert.equal(r.statusCode, 400)
  assert.match(r.json().message, /^program does not parse at line 2, column \d+: /)
  const listed = await call({ url: `${M}/program/info` })
  assert.deepEqual(listed.json().data, {}, 'nothing stored')
  const good = await call({
    method: 'PUT',
    url: `${M}/program/info`,
    payload: {
      expr: Buffer.from('request.Method in ["GET", "POST"]').toString('base64'),
      name: 'guard',
      service_name: 'orders',
    },
  })
  assert.equal(good.statusCode, 200)
})
