import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildSnapshot, type SourceConfig } from './snapshot.ts'

const target = [{ url: 'http://127.0.0.1:9' }]

function build(sources: SourceConfig[]) {
  const snap = buildSnapshot(sources, { version: 1 })
  assert.deepEqual(snap.issues, [])
  return (id: string) => snap.routes.find((r) => r.id === id)?.config
}

test('service settings are laid over every route of the service, whichever source made it', () => {
  const route = build([
    {
      source: 'config',
      routes: [
        { id: 'mine', path: '/a', serviceName: 'orders', targets: target, rateLimit: { requestsPerSec: 50 } },
        { id: 'other', path: '/b', serviceName: 'users', targets: target, loadBalancer: 'random' },
        { id: 'alone', path: '/c', targets: target },
      ],
    },
    {
      source: 'discovery',
      routes: [{ id: 'pushed', path: '/orders/*', serviceName: 'orders', targets: target }],
    },
    {
      source: 'manual',
      routes: [],
      serviceSettings: {
        orders: { loadBalancer: 'hash', rateLimit: { requestsPerSec: 1, burst: 1, scope: 'route' } },
        // A route without serviceName is the service named by its id.
        alone: { circuitBreaker: { enabled: true, maxFailures: 2 } },
      },
    },
  ])
  for (const id of ['mine', 'pushed']) {
    assert.equal(route(id)?.loadBalancer, 'hash', id)
    assert.deepEqual(route(id)?.rateLimit, { requestsPerSec: 1, burst: 1, scope: 'route' }, id)
  }
  assert.equal(route('other')?.loadBalancer, 'random')
  assert.equal(route('other')?.rateLimit, undefined)
  assert.equal(route('alone')?.circuitBreaker?.maxFailures, 2)
})

test('rateLimit null takes the route its own limit away', () => {
  const route = build([
    {
      source: 'config',
      routes: [{ id: 'r', path: '/a', serviceName: 's', targets: target, rateLimit: { requestsPerSec: 5 } }],
    },
    { source: 'manual', routes: [], serviceSettings: { s: { rateLimit: null } } },
  ])
  assert.equal(route('r')?.rateLimit, undefined)
})

test('a setting the route schema refuses is that route’s problem, not the whole snapshot’s', () => {
  const snap = buildSnapshot(
    [
      {
        source: 'config',
        routes: [
          { id: 'r', path: '/a', serviceName: 's', targets: target },
          { id: 'q', path: '/b', targets: target },
        ],
      },
      // As a hand-edited manual-routes.yaml could say.
      { source: 'manual', routes: [], serviceSettings: { s: { loadBalancer: 'fastest' as 'hash' } } },
    ],
    { version: 1 },
  )
  assert.deepEqual(
    snap.routes.map((r) => r.id),
    ['q'],
  )
  assert.equal(snap.issues[0]?.id, 'r')
  assert.match(snap.issues[0]?.message ?? '', /loadBalancer/)
})

test('a service’s programs run after the route’s own, on every route of the service', () => {
  const own = { name: 'own', source: 'true' }
  const shared = { name: 'shared', source: 'request.Method == "GET"' }
  const route = build([
    {
      source: 'config',
      routes: [
        { id: 'a', path: '/a', serviceName: 's', targets: target, programs: [own] },
        { id: 'b', path: '/b', serviceName: 's', targets: target },
        { id: 'c', path: '/c', serviceName: 'other', targets: target },
      ],
    },
    { source: 'manual', routes: [], serviceSettings: { s: { programs: [shared] } } },
  ])
  assert.deepEqual(route('a')?.programs, [own, shared])
  assert.deepEqual(route('b')?.programs, [shared])
  assert.equal(route('c')?.programs, undefined)
})

test('a route whose program does not parse is left out with the program’s name and position', () => {
  const snap = buildSnapshot(
    [
      {
        source: 'config',
        routes: [
          { id: 'ok', path: '/ok', targets: target, programs: [{ name: 'fine', source: 'true' }] },
          { id: 'bad', path: '/bad', targets: target, programs: [{ name: 'typo', source: '1 +* 2' }] },
        ],
      },
    ],
    { version: 1 },
  )
  assert.deepEqual(
    snap.routes.map((r) => r.id),
    ['ok'],
  )
  assert.deepEqual(
    snap.issues.map((i) => [i.id, i.code, i.message]),
    [
      [
        'bad',
        'SP_ERR_ROUTE_BAD_PROGRAM',
        'program "typo" of route "bad" does not parse at line 1, column 4: expected a value but found "*"',
      ],
    ],
  )
})
