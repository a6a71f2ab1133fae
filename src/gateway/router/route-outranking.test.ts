import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildSnapshot, type SourceConfig } from '../config/snapshot.ts'
import { describeService } from '../discovery/service-routes.ts'
import type { ServiceInstance } from '../discovery/service.ts'
import type { RouteConfig } from '../model/index.ts'
import { outrankedRoutes, sampleRequest } from './route-outranking.ts'

const target = [{ url: 'http://127.0.0.1:3001' }]
const pushed = (name: string): ServiceInstance => ({
  key: `push:${name}`,
  id: name,
  name,
  version: '1.0.0',
  address: '127.0.0.1',
  port: 4100,
  tags: [],
  metadata: {},
  farpEnabled: false,
  origin: 'push',
  discoveredAt: new Date(0).toISOString(),
})

function table(config: RouteConfig[], more: SourceConfig[] = []) {
  return buildSnapshot([{ source: 'config', routes: config, settings: {} }, ...more], { version: 1 }).routes
}

describe('outrankedRoutes', () => {
  test('a push-registered service named catalog outranks the config route /catalog/* and its cache', () => {
    const service = describeService([pushed('catalog')])
    assert.ok(service)
    const routes = table(
      [{ id: 'catalog', path: '/catalog/*', targets: target, cache: { ttl: '30s' } }],
      [{ source: 'discovery', routes: service.discovery }],
    )
    const out = outrankedRoutes(routes)
    assert.deepEqual(out.get('catalog'), ['discovery-catalog'])
    // The service's own routes win their requests: nothing outranks them.
    assert.equal(out.get('discovery-catalog'), undefined)
  })

  test('a more specific prefix takes only its part: the broader route is not outranked', () => {
    const out = outrankedRoutes(
      table([
        { id: 'api', path: '/api/*', targets: target },
        { id: 'users', path: '/api/users/*', targets: target },
      ]),
    )
    assert.equal(out.size, 0)
  })

  test('same path: higher priority wins, then declaration order; every winner is listed, best first', () => {
    const out = outrankedRoutes(
      table([
        { id: 'low', path: '/orders/*', targets: target },
        { id: 'high', path: '/orders/*', targets: target, priority: 5 },
        { id: 'mid', path: '/orders', pathType: 'prefix', targets: target, priority: 5 },
      ]),
    )
    assert.deepEqual(out.get('low'), ['high', 'mid'])
    assert.deepEqual(out.get('mid'), ['high'])
    assert.equal(out.get('high'), undefined)
  })

  test('method and host conditions are the router’s: a GET-only route does not outrank a POST route', () => {
    const out = outrankedRoutes(
      table([
        { id: 'reads', path: '/orders/*', methods: ['GET'], targets: target, priority: 5 },
        { id: 'writes', path: '/orders/*', methods: ['POST'], targets: target },
        { id: 'everything', path: '/orders/*', targets: target },
        { id: 'host-only', path: '/*', hosts: ['admin.localhost'], targets: target, priority: 50 },
      ]),
    )
    assert.equal(out.get('writes'), undefined)
    assert.deepEqual(out.get('everything'), ['reads'])
  })

  test('a disabled route outranks nothing', () => {
    const out = outrankedRoutes(
      table([
        { id: 'off', path: '/a/*', targets: target, priority: 9, enabled: false },
        { id: 'on', path: '/a/*', targets: target },
      ]),
    )
    assert.equal(out.size, 0)
  })
})

describe('sampleRequest', () => {
  test('regex routes are asked with a path their pattern matches; header patterns cannot be written', () => {
    const [re, header] = table([
      { id: 're', path: '^/items/[a-z-]+$', pathType: 'regex', targets: target },
      { id: 'hdr', path: '/h/*', matchHeaders: { 'x-v': '~^2' }, targets: target },
    ])
    assert.ok(re && header)
    assert.equal(sampleRequest(re)?.path, '/items/sallyport-probe')
    assert.equal(sampleRequest(header), undefined)
  })
})
