// Every example request of the bastion admin-API document answers with the example's status, ids and
// shape. Golden files live in golden/bastion/; UPDATE_GOLDEN=1 rewrites them from the live answers.
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { api, DOCUMENTED_STATS_KEYS, startGateway } from './helpers.ts'

const DIR = join(import.meta.dirname, 'golden/bastion')
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const VOLATILE = new Set([
  'createdAt',
  'updatedAt',
  'startedAt',
  'uptime',
  'avgLatencyMs',
  'p50LatencyMs',
  'p99LatencyMs',
  'requestsPerSec',
  'lastRequestAt',
  'eventLoop',
])

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, VOLATILE.has(k) ? `<${typeof v}>` : normalize(v)]),
    )
  return value
}

interface Step {
  name: string
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  url: string
  body?: unknown
  status: number
  /** Keys the document's example shows (checked on the object, or on the first item of a list). */
  docKeys?: readonly string[]
}

const products = {
  path: '/products',
  targets: [{ url: 'http://product-service:8080', weight: 1 }],
  stripPrefix: true,
  enabled: true,
  protocol: 'http',
}
const TARGET_KEYS = [
  'id',
  'url',
  'weight',
  'healthy',
  'activeConns',
  'totalRequests',
  'totalErrors',
  'avgLatencyMs',
]
const steps: Step[] = [
  {
    name: 'create-route',
    method: 'POST',
    url: '/gateway/api/routes',
    body: products,
    status: 201,
    docKeys: ['id', 'path', 'targets', 'source', 'enabled'],
  },
  {
    name: 'create-route-conflict',
    method: 'POST',
    url: '/gateway/api/routes',
    body: products,
    status: 409,
    docKeys: ['error'],
  },
  {
    name: 'list-routes',
    url: '/gateway/api/routes',
    status: 200,
    docKeys: [
      'id',
      'path',
      'methods',
      'targets',
      'stripPrefix',
      'protocol',
      'source',
      'serviceName',
      'priority',
      'enabled',
      'createdAt',
      'updatedAt',
    ],
  },
  { name: 'list-routes-farp', url: '/gateway/api/routes?source=farp', status: 200 },
  {
    name: 'get-route',
    url: '/gateway/api/routes/manual-/users',
    status: 200,
    docKeys: ['id', 'path', 'targets', 'stripPrefix', 'protocol', 'source', 'priority', 'enabled'],
  },
  { name: 'get-route-missing', url: '/gateway/api/routes/manual-/missing', status: 404, docKeys: ['error'] },
  {
    name: 'update-route',
    method: 'PUT',
    url: '/gateway/api/routes/manual-/products',
    body: {
      ...products,
      targets: [
        { url: 'http://product-v2:8080', weight: 3 },
        { url: 'http://product-v1:8080', weight: 1 },
      ],
    },
    status: 200,
  },
  {
    name: 'update-config-route',
    method: 'PUT',
    url: '/gateway/api/routes/config-/config',
    body: products,
    status: 400,
    docKeys: ['error'],
  },
  {
    name: 'disable-route',
    method: 'POST',
    url: '/gateway/api/routes/manual-/products/disable',
    status: 200,
    docKeys: ['status'],
  },
  {
    name: 'enable-route',
    method: 'POST',
    url: '/gateway/api/routes/manual-/products/enable',
    status: 200,
    docKeys: ['status'],
  },
  {
    name: 'delete-route',
    method: 'DELETE',
    url: '/gateway/api/routes/manual-/products',
    status: 200,
    docKeys: ['status'],
  },
  {
    name: 'upstreams',
    url: '/gateway/api/upstreams',
    status: 200,
    docKeys: [...TARGET_KEYS, 'circuitState', 'p99LatencyMs', 'routeId', 'routePath'],
  },
  {
    name: 'stats',
    url: '/gateway/api/stats',
    status: 200,
    docKeys: DOCUMENTED_STATS_KEYS,
  },
  { name: 'stats-routes', url: '/gateway/api/stats/routes', status: 200 },
]

test('bastion document examples (golden)', async (t) => {
  const gw = await startGateway(t, {
    routes: [{ path: '/config', targets: [{ url: 'http://config-service:8080' }] }],
  })
  const call = api(gw)
  const users = await call({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: {
      path: '/users',
      serviceName: 'user-service',
      targets: [{ url: 'http://user-service:8080', weight: 1 }],
      stripPrefix: true,
    },
  })
  assert.equal(users.statusCode, 201)
  for (const step of steps) {
    const r = await call({
      method: step.method ?? 'GET',
      url: step.url,
      ...(step.body ? { payload: step.body as object } : {}),
    })
    const body = r.json()
    assert.equal(r.statusCode, step.status, `${step.name}: ${r.body}`)
    const sample = Array.isArray(body)
      ? (body.find((x: { id?: string }) => x.id === 'manual-/users') ?? body[0])
      : body
    for (const k of step.docKeys ?? []) assert.ok(sample && k in sample, `${step.name}: missing ${k}`)
    const actual = {
      request: { method: step.method ?? 'GET', url: step.url, body: step.body ?? null },
      response: { status: r.statusCode, body: normalize(body) },
    }
    const file = join(DIR, `${step.name}.json`)
    if (UPDATE) await writeFile(file, `${JSON.stringify(actual, null, 2)}\n`)
    else
      assert.deepEqual(actual, JSON.parse(await readFile(file, 'utf8')), `${step.name} differs from ${file}`)
  }
  const stats = (await call({ url: '/gateway/api/stats/routes' })).json()
  assert.deepEqual(Object.keys(stats['manual-/users']).slice(0, 3), ['routeId', 'path', 'totalRequests'])
  const created = JSON.parse(await readFile(join(DIR, 'create-route.json'), 'utf8'))
  assert.equal(created.response.body.id, 'manual-/products')
  assert.equal(created.response.body.path, '/api/products')
  assert.equal(created.response.body.targets[0].id, 'target-/products-http://product-service:8080')
})
