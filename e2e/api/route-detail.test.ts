// GET /gateway/api/routes/:id on a real gateway process: who defined a route (file:line of a config
// route) and which routes outrank it (a push-registered service over the config route /catalog/*).
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { SignJWT } from 'jose'
import type { ConfigView, RouteDetail, RoutesSummary } from '../../src/gateway/model/index.ts'
import { type RunningCli, startCli } from '../cli/run-cli.ts'

// This helper's port range (19200–19299); the dashboard specs use 19200–19203.
const PORT = Number(process.env.SALLYPORT_E2E_ROUTE_DETAIL_PORT ?? 19210)
let dir: string
let gw: RunningCli
let file: string
const upstream = createServer((_req, res) => res.end('ok'))

before(async () => {
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok))
  const port = (upstream.address() as AddressInfo).port
  dir = await mkdtemp(join(tmpdir(), 'sp-route-detail-'))
  file = join(dir, 'sallyport.yaml')
  await writeFile(
    file,
    [
      'routes:',
      '  - id: orders',
      '    path: /orders/*',
      `    targets: [{ url: "http://127.0.0.1:${port}" }]`,
      '  - id: catalog',
      '    path: /catalog/*',
      `    targets: [{ url: "http://127.0.0.1:${port}" }]`,
      '    cache: { ttl: 30s, maxEntries: 100 }',
      '    rateLimit: { requestsPerSec: 5, burst: 10 }',
      '    timeout: 2s',
      '',
    ].join('\n'),
  )
  gw = await startCli(['--port', String(PORT), '--no-discovery', '--data-dir', dir, '--config', file])
})
after(async () => {
  await gw?.stop()
  upstream.close()
  await rm(dir, { recursive: true, force: true })
})

const get = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${gw.url}/gateway/api/${path}`)
  assert.equal(res.status, 200, `${path}: ${res.status}`)
  return (await res.json()) as T
}

test('a config route names its file and line, its policies with their settings, and nothing outranks it', async () => {
  const detail = await get<RouteDetail>('routes/catalog')
  assert.equal(detail.definedBy.kind, 'config-file')
  assert.equal(detail.definedBy.file, file)
  assert.equal(detail.definedBy.line, 5)
  assert.equal(detail.definedBy.label, `${file}:5`)
  assert.deepEqual(detail.outrankedBy, [])
  assert.deepEqual(detail.policies.cache, { ttlMs: 30_000, maxEntries: 100 })
  assert.deepEqual(detail.policies.rateLimit, { requestsPerSec: 5, burst: 10, scope: 'route' })
  assert.equal(detail.policies.timeoutMs, 2000)
  assert.equal(detail.policies.circuitBreaker.enabled, true)
  assert.equal((await get<RouteDetail>('routes/orders')).definedBy.line, 2)
  assert.deepEqual((await get<ConfigView>('config')).issues, [])
})

test('a service pushed under the name catalog outranks the config route /catalog/*, and says so', async () => {
  const port = (upstream.address() as AddressInfo).port
  const res = await fetch(`${gw.url}/gateway/api/discovery/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service_name: 'catalog', address: '127.0.0.1', port }),
  })
  assert.equal(res.status, 200)
  const detail = await get<RouteDetail>('routes/catalog')
  assert.deepEqual(
    detail.outrankedBy.map((r) => [r.id, r.source, r.priority]),
    [['discovery-catalog', 'discovery', 10]],
  )
  assert.equal(detail.outrankedBy[0]?.owner, 'pushed service catalog')
  const pushed = await get<RouteDetail>('routes/discovery-catalog')
  assert.equal(pushed.definedBy.kind, 'discovery')
  assert.equal(pushed.definedBy.discovery, 'push')
  assert.match(pushed.definedBy.label, /pushed/)
  const summary = await get<RoutesSummary>('routes-summary')
  const outranked = Object.entries(summary.routes).filter(([, r]) => r.outrankedBy.length > 0)
  assert.deepEqual(
    outranked.map(([id]) => id),
    ['catalog'],
  )
  assert.deepEqual(summary.routes.catalog?.policies, ['rate limit', 'cache', 'timeout'])
  assert.equal(summary.routes.catalog?.definedBy.line, 5)
  // The Config page (and whatever lists config problems) says so too, at the route's line.
  const config = await get<ConfigView>('config')
  assert.equal(config.status, 'applied')
  assert.deepEqual(config.issues, [
    {
      entity: 'route',
      id: 'catalog',
      source: 'config',
      code: 'SP_ERR_ROUTE_OUTRANKED',
      message: `${file}:5: route catalog (/catalog/*, priority 0) is never reached: discovery-catalog (/catalog/*, pushed service catalog, priority 10) answers its requests`,
      effect: 'warning',
      file,
      line: 5,
    },
  ])
  // The table's flag and the detail agree with what the data plane does: the pushed service answers.
  assert.equal((await fetch(`${gw.url}/catalog/items`)).status, 200)
  const stats = await get<Record<string, { totalRequests: number }>>('stats/routes')
  assert.equal(stats['discovery-catalog']?.totalRequests, 1)
  assert.equal(stats.catalog?.totalRequests, 0)
})

test('an edit that sends back the redacted config keeps the stored JWT secret', async () => {
  const port = (upstream.address() as AddressInfo).port
  const secret = 'route-detail-secret-0123456789abcdef'
  const send = (method: string, path: string, body: unknown) =>
    fetch(`${gw.url}/gateway/api/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const created = await send('POST', 'routes', {
    path: '/guarded',
    targets: [{ url: `http://127.0.0.1:${port}` }],
    jwt: { secret, algorithms: ['HS256'] },
  })
  assert.equal(created.status, 201)
  const detail = await get<RouteDetail>(`routes/${encodeURIComponent('manual-/guarded')}`)
  assert.equal((detail.config.jwt || undefined)?.secret, '[redacted]')
  assert.equal(detail.definedBy.kind, 'admin-api')
  assert.deepEqual(detail.policies.jwt, { keys: 'secret', algorithms: ['HS256'] })
  // What the dashboard's form sends: the config as read, one field changed.
  const { id: _id, createdAt: _c, updatedAt: _u, ...config } = detail.config
  const saved = await send('PUT', `routes/${encodeURIComponent('manual-/guarded')}`, {
    ...config,
    path: '/guarded',
    timeout: '3s',
  })
  assert.equal(saved.status, 200, await saved.clone().text())
  const token = await new SignJWT({ sub: 'grace' })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret))
  const through = await fetch(`${gw.url}/api/guarded/x`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(through.status, 200)
  assert.equal(
    (await get<RouteDetail>(`routes/${encodeURIComponent('manual-/guarded')}`)).policies.timeoutMs,
    3000,
  )
  // A new secret replaces it.
  const replaced = await send('PUT', `routes/${encodeURIComponent('manual-/guarded')}`, {
    ...config,
    path: '/guarded',
    jwt: { secret: 'another-secret-0123456789abcdefgh', algorithms: ['HS256'] },
  })
  assert.equal(replaced.status, 200)
  const refused = await fetch(`${gw.url}/api/guarded/x`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(refused.status, 401)
})

test('settings set through service management show on the route they override, with the service and who set them', async () => {
  assert.equal((await get<RouteDetail>('routes/orders')).settingsFrom, undefined)
  for (const [section, config] of [
    ['load_balance', { strategy: 'random' }],
    ['rate_limiter', { rate: 0, peak: 0 }],
  ] as const) {
    const res = await fetch(`${gw.url}/gateway/management/config/${section}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service_name: 'orders', config }),
    })
    assert.equal(res.status, 200, await res.text())
  }
  const detail = await get<RouteDetail>('routes/orders')
  assert.deepEqual(detail.settingsFrom, {
    service: 'orders',
    by: 'service management',
    settings: ['load balancer', 'rate limit (off)'],
  })
  assert.equal(detail.policies.loadBalancer, 'random')
  assert.equal((await get<RouteDetail>('routes/catalog')).settingsFrom, undefined)
})
